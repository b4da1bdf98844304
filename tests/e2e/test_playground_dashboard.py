"""The overview tab beside the real Microsoft 365 Agents Playground: a decision in either shows in the other.

Dia has her chat in the Playground. She types ``overzicht`` there and opens the link; a decision
in the tab changes her review card when Teams (here: the Playground, as Teams does on view)
asks for the card's current form; a decision on the card shows in the tab.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.e2e import test_playground_sparringbot as scenario
from tests.e2e.test_playground_sparringbot import QUESTION, card_text, playground_for

live_bot = scenario.live_bot  # the real app on a loopback port, as in the Playground scenario

pytestmark = pytest.mark.playground


async def ask_in_the_playground(anna) -> None:  # type: ignore[no-untyped-def]
    await anna.send_text(f"vraag: {QUESTION}")
    await anna.wait_for_message(lambda m: "Met wie wil je" in str(m.raw))
    await anna.send_text("Geen voorkeur")
    await anna.wait_for_message(lambda m: m.text.startswith("Wil je nog iets toelichten"))
    await anna.send_text("nee")
    confirm = await anna.wait_for_message(lambda m: "Klopt je vraag zo?" in card_text(m))
    await anna.submit({"dialog": "question.send", "text": QUESTION, "theme": "Netwerk & Beleid",
                       "preference": "any", "context": ""}, reply_to_id=confirm.id)
    await anna.wait_for_message(lambda m: m.text.startswith("Dank je!"))


async def sign_in(http: aiohttp.ClientSession, base: str, dia) -> None:  # type: ignore[no-untyped-def]
    await dia.send_text("overzicht")
    card = await dia.wait_for_message(lambda m: "Je overzicht" in card_text(m))
    link = urlsplit(card.cards[0]["actions"][0]["url"])
    token = link.query.removeprefix("t=")
    async with http.post(f"{base}/overzicht/inloggen", data={"t": token}, allow_redirects=False) as response:
        assert response.status == 303


async def test_a_decision_in_the_tab_changes_the_card_in_the_playground_and_back(live_bot):
    endpoint, app = live_bot
    from bot.components import COMPONENTS

    dispatcher = app[COMPONENTS].dispatcher
    base = endpoint.removesuffix("/api/messages")
    async with playground_for("dia", endpoint) as dia, playground_for("anna", endpoint) as anna, \
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        for person in (dia, anna):
            await person.send_text("hallo")
            await person.wait_for_message(lambda m: "Welkom bij Sparringbot" in card_text(m))
        await ask_in_the_playground(anna)
        await ask_in_the_playground(anna)
        await dispatcher.run_once()
        first = await dia.wait_for_message(lambda m: "Nieuwe sparringvraag #1" in card_text(m))
        second = await dia.wait_for_message(lambda m: "Nieuwe sparringvraag #2" in card_text(m))
        await sign_in(http, base, dia)

        # In the tab: Dia answers question 1 herself.
        async with http.get(f"{base}/overzicht/vragen/1") as page:
            csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', await page.text()).group(1)  # type: ignore[union-attr]
        version = str(first.cards[0]["actions"][0]["data"]["version"])
        async with http.post(f"{base}/overzicht/vragen/1",
                             data={"csrf": csrf, "actie": "myself", "versie": version}) as done:
            assert "Je beantwoordt deze vraag zelf" in await done.text()
        # The Playground asks for the card's current form, as Teams does when Dia looks at it.
        refresh = first.cards[0]["refresh"]["action"]
        answer = await dia.invoke_execute(refresh["verb"], refresh["data"], reply_to_id=first.id)
        assert "Inmiddels afgehandeld: in contact gebracht" in str(answer)

        # On the card in the Playground: Dia declines question 2; the tab shows it.
        decline = second.cards[0]["actions"][-1]["card"]["actions"][0]
        await dia.invoke_execute("review.decline", {**decline["data"], "note": "Dit past beter bij de helpdesk."},
                                 reply_to_id=second.id)
        async with http.get(f"{base}/overzicht/vragen/2") as page:
            html = await page.text()
        assert "niet doorgezet" in html and "Dit past beter bij de helpdesk." in html and 'name="actie"' not in html
