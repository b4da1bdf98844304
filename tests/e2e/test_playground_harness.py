"""The Playground harness against a tiny echo bot: proves tests/playground.py before the real bot uses it."""

from __future__ import annotations

import json
import os
import shutil
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from botbuilder.core import ActivityHandler, CardFactory, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse
from msrest.serialization import Model

from tests.playground import (
    DEFAULT_USERS,
    Playground,
    PlaygroundError,
    PlaygroundUser,
    playground_installed,
    screenshot,
)

pytestmark = pytest.mark.playground

if not playground_installed():
    if os.environ.get("CI") == "true":
        pytest.fail("node_modules/.bin/agentsplayground is missing: run `npm ci`", pytrace=False)
    pytest.skip("the Agents Playground is not installed (run `npm ci`)", allow_module_level=True)

CARD = {
    "type": "AdaptiveCard", "version": "1.4",
    "body": [{"type": "TextBlock", "text": "Kies"}],
    "actions": [{"type": "Action.Execute", "title": "OK", "verb": "ok", "data": {"n": 1}},
                {"type": "Action.Submit", "title": "Verstuur", "data": {"n": 2}}],
}


class Config:
    """Authentication off: no APP_ID (the Playground sends no token)."""

    APP_ID = ""
    APP_PASSWORD = ""


class EchoBot(ActivityHandler):
    """Echoes text; "wie" asks TeamsInfo.get_member, "kaart" sends a card, "werk bij ID" updates a message."""

    def __init__(self) -> None:
        self.activities: list[dict[str, Any]] = []

    async def on_turn(self, turn_context: TurnContext) -> None:
        self.activities.append(turn_context.activity.serialize())
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.value is not None:
            await turn_context.send_activity(f"submit {json.dumps(activity.value, sort_keys=True)}")
        elif activity.text == "wie":
            member = await TeamsInfo.get_member(turn_context, activity.from_property.id)
            await turn_context.send_activity(f"{member.name} <{member.email}>")
        elif activity.text.startswith("werk bij "):
            update = MessageFactory.text("bijgewerkt")
            update.id = activity.text.removeprefix("werk bij ")
            await turn_context.update_activity(update)
        elif activity.text == "kaart":
            await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(CARD)))
        else:
            await turn_context.send_activity(f"{activity.text} ({activity.locale})")

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"welkom ({turn_context.activity.locale})")

    async def on_adaptive_card_invoke(self, turn_context: TurnContext, invoke_value: Any) -> AdaptiveCardInvokeResponse:
        verb = invoke_value.action["verb"]
        done = {"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlock", "text": f"gedaan: {verb}"}]}
        return AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.card.adaptive", value=done)


@pytest.fixture
async def echo_bot() -> AsyncIterator[tuple[str, EchoBot]]:
    """The echo bot on an ephemeral loopback port; yields (endpoint URL, bot)."""
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Config()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        activity = Activity().deserialize(await request.json())
        response = await adapter.process_activity(request.headers.get("Authorization", ""), activity, bot.on_turn)
        if response:
            # botbuilder 4.17's CloudAdapter.process re-serialises a dict body and answers 500;
            # the bot's own adapter (bot/teams/adapter.py) has the same workaround.
            body = response.body
            if isinstance(body, Model):
                body = body.serialize()
            return web.json_response(body, status=response.status)
        return web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/api/messages", bot
    finally:
        await runner.cleanup()


USER = PlaygroundUser(id="29:test-lotte", name="Lotte de Boer", email="lotte@bibliotheek-voorbeeld.nl",
                      aad_object_id="c3c3c3c3-0000-4000-8000-000000000001", locale="nl-NL")
TENANT = "d4d4d4d4-0000-4000-8000-000000000001"


async def test_install_and_echo_through_the_playground(echo_bot: tuple[str, EchoBot]) -> None:
    endpoint, bot = echo_bot
    async with Playground(endpoint, current_user=USER, tenant_id=TENANT) as pg:
        assert pg.config["currentUser"]["id"] == USER.id
        assert pg.config["tenantId"] == TENANT
        assert pg.personal_chat_id == pg.config["personalChat"]["id"]

        sent = await pg.install()
        assert sent["type"] == "installationUpdate" and sent["action"] == "add"
        welcome = await pg.wait_for_message(lambda m: m.text.startswith("welkom"))
        assert welcome.text == "welkom (nl-NL)" and welcome.action == "createMessage"

        await pg.send_text("hallo")
        reply = await pg.wait_for_message(lambda m: m.text.startswith("hallo"))
        assert reply.text == "hallo (nl-NL)"

    [install, message] = bot.activities
    assert install["type"] == "installationUpdate"
    for activity in (install, message):
        assert activity["channelId"] == "msteams"
        assert activity["from"]["id"] == USER.id
        assert activity["from"]["aadObjectId"] == USER.aad_object_id
        assert activity["channelData"]["tenant"]["id"] == TENANT
        assert activity["conversation"]["id"] == pg.personal_chat_id
        assert activity["conversation"]["conversationType"] == "personal"
        assert activity["locale"] == "nl-NL"
        assert activity["serviceUrl"].endswith("/_connector")
    assert message["text"] == "hallo"


async def test_messages_typed_in_the_playground_are_en_us_and_get_member_answers(
        echo_bot: tuple[str, EchoBot]) -> None:
    endpoint, bot = echo_bot
    user = PlaygroundUser(id="29:test-kees", name="Kees Mol", email="kees@bibliotheek-voorbeeld.nl")
    async with Playground(endpoint, current_user=user, tenant_id=TENANT) as pg:
        answer = await pg.send_text("hoi")
        assert answer["messageId"]
        assert (await pg.wait_for_message(lambda m: m.text.startswith("hoi"))).text == "hoi (en-US)"
        await pg.send_text("wie")
        assert (await pg.wait_for_message()).text == "Kees Mol <kees@bibliotheek-voorbeeld.nl>"
    message = bot.activities[0]
    assert message["from"] == {"id": user.id, "name": "Kees Mol", "aadObjectId": user.aad_object_id}
    assert message["locale"] == "en-US"


async def test_card_actions_through_the_playground(echo_bot: tuple[str, EchoBot]) -> None:
    endpoint, _ = echo_bot
    async with Playground(endpoint, current_user=USER, tenant_id=TENANT) as pg:
        await pg.send_text("kaart")
        card = await pg.wait_for_message(lambda m: bool(m.cards))
        assert card.cards[0]["actions"][0]["verb"] == "ok"

        answer = await pg.invoke_execute("ok", {"n": 1}, card.id)
        assert answer["type"] == "application/vnd.microsoft.card.adaptive"
        assert answer["value"]["body"][0]["text"] == "gedaan: ok"
        # The refreshed card only comes back as the HTTP answer (its page swaps the card itself):
        # no updateMessage is streamed for it.

        await pg.send_text(f"werk bij {card.id}")
        updated = await pg.wait_for_message(lambda m: m.action == "updateMessage" and m.id == card.id)
        assert updated.text == "bijgewerkt"

        await pg.submit({"n": 2}, card.id)
        assert (await pg.wait_for_message(lambda m: m.text.startswith("submit"))).text == 'submit {"n": 2}'


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
async def test_the_playground_page_renders_in_headless_chromium(echo_bot: tuple[str, EchoBot],
                                                                 tmp_path: Path) -> None:
    endpoint, bot = echo_bot
    async with Playground(endpoint, current_user=USER, tenant_id=TENANT) as pg:
        out = await screenshot(pg.url, tmp_path / "playground.png")
        # Opening the page installs the bot, as in Teams (with the page's own en-US locale).
        assert (await pg.wait_for_message(lambda m: m.text.startswith("welkom"))).text == "welkom (en-US)"
        assert struct.unpack(">II", out.read_bytes()[16:24]) == (1280, 900)
        if os.environ.get("PLAYGROUND_SCREENSHOT"):
            shutil.copy(out, os.environ["PLAYGROUND_SCREENSHOT"])
    assert sorted(a["type"] for a in bot.activities) == ["conversationUpdate", "installationUpdate"]


async def test_a_playground_that_exits_early_reports_its_log(echo_bot: tuple[str, EchoBot]) -> None:
    endpoint, _ = echo_bot
    clash = (USER, *DEFAULT_USERS[1:])  # the current user again among the users: refused
    with pytest.raises(PlaygroundError, match="User ID must be unique"):
        await Playground(endpoint, current_user=USER, users=clash).start()
