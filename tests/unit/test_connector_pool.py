"""Pooled connector clients: built once through the SDK's public factories, sent with aiohttp, same answers and
errors as msrest's own pipeline."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters, ErrorResponseException
from botframework.connector.auth import (
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    MicrosoftAppCredentials,
    PasswordServiceClientCredentialFactory,
)

from bot.teams.connector_http import TOKEN_REUSE_SECONDS, ConnectorHttp
from bot.teams.connector_pool import ConnectorPool
from tests.fakes.connector import FakeConnector

TEAM = "19:team@thread.tacv2"
SCOPE = "https://api.botframework.com"


class CountingCredentials(MicrosoftAppCredentials):
    """Hands out numbered tokens and counts how often it was asked."""

    def __init__(self, app_id: str):
        super().__init__(app_id, "secret")
        self.asked = 0

    def get_access_token(self, force_refresh: bool = False) -> str:
        self.asked += 1
        return f"token-{self.asked}"


class CountingFactory(PasswordServiceClientCredentialFactory):
    """Credentials without Entra ID; counts how many the SDK asked for."""

    def __init__(self, app_id: str):
        super().__init__(app_id, "secret")
        self.created: list[CountingCredentials] = []

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> Any:
        credentials = CountingCredentials(app_id)
        self.created.append(credentials)
        return credentials


class Config:
    APP_ID = ""
    APP_PASSWORD = ""


def identity(app_id: str = "") -> ClaimsIdentity:
    return ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: app_id} if app_id else {}, True)


def sdk_factory(credentials: CountingFactory, app_id: str = "") -> ConnectorFactory:
    """The SDK's own factory for one turn, through its public interface."""
    authentication = ConfigurationBotFrameworkAuthentication(Config(), credentials_factory=credentials)
    return authentication.create_connector_factory(identity(app_id))


def pooled(pool: ConnectorPool, credentials: CountingFactory, app_id: str = "") -> ConnectorFactory:
    return pool.factory(sdk_factory(credentials, app_id), claims_identity=identity(app_id))


@pytest.fixture
async def http():  # type: ignore[no-untyped-def]
    shared = ConnectorHttp()
    yield shared
    await shared.close()


async def test_one_client_per_service_url_and_audience(http):  # type: ignore[no-untyped-def]
    credentials = CountingFactory("")
    pool = ConnectorPool(http)
    with FakeConnector() as connector:
        factory = pooled(pool, credentials)
        first = await factory.create(connector.url, None)
        again = await pooled(pool, credentials).create(connector.url, None)  # the next turn
        other = await factory.create(connector.url + "other/", None)
    assert first is again and other is not first
    assert len(credentials.created) == 2  # built once per key, not once per turn


async def test_the_least_recently_used_client_goes_first(http):  # type: ignore[no-untyped-def]
    pool = ConnectorPool(http, max_clients=2)
    factory = pooled(pool, CountingFactory(""))
    a = await factory.create("http://127.0.0.1:9/a/", None)
    await factory.create("http://127.0.0.1:9/b/", None)
    assert await factory.create("http://127.0.0.1:9/a/", None) is a  # a is now the most recent
    await factory.create("http://127.0.0.1:9/c/", None)  # b goes
    assert await factory.create("http://127.0.0.1:9/a/", None) is a


async def test_pooled_clients_speak_the_connector_api(http):  # type: ignore[no-untyped-def]
    """The calls the bot makes answer with the SDK's models, through aiohttp."""
    pool = ConnectorPool(http)
    with FakeConnector() as connector:
        connector.members[TEAM] = [{"id": "29:anna", "name": "Anna de Vries", "aadObjectId": "a1"}]
        client = await pooled(pool, CountingFactory("")).create(connector.url, None)
        sent = await client.conversations.send_to_conversation(
            f"{TEAM};messageid=1", Activity(type="message", text="Hallo kanaal"))
        reply = await client.conversations.reply_to_activity("a:personal-anna", "m1",
                                                             Activity(type="message", text="Antwoord"))
        created = await client.conversations.create_conversation(
            ConversationParameters(bot=ChannelAccount(id="28:bot"), members=[ChannelAccount(id="29:anna")]))
        member = await client.conversations.get_conversation_member(TEAM, "29:anna")
        await client.conversations.update_activity("a:personal-anna", reply.id,
                                                   Activity(type="message", id=reply.id, text="Bijgewerkt"))
        texts = connector.texts()
    assert sent.id.startswith("activity-") and reply.id and created.id.startswith("a:new-conv-")
    assert member.name == "Anna de Vries"
    assert texts == ["Hallo kanaal", "Antwoord", "Bijgewerkt"]
    assert "Authorization" not in connector.sent[0]["headers"]  # no app id: no token, as the SDK


async def test_errors_keep_the_sdks_type_status_and_headers(http):  # type: ignore[no-untyped-def]
    pool = ConnectorPool(http)
    with FakeConnector() as connector:
        connector.fail_next(1, status=429, headers={"Retry-After": "7"})
        client = await pooled(pool, CountingFactory("")).create(connector.url, None)
        with pytest.raises(ErrorResponseException) as raised:
            await client.conversations.send_to_conversation("a:personal-anna", Activity(type="message", text="x"))
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"


async def test_the_token_is_reused_for_two_minutes_and_dropped_after_a_401(http):  # type: ignore[no-untyped-def]
    now = [1000.0]
    credentials = CountingFactory("app-id")
    pool = ConnectorPool(http, clock=lambda: now[0])
    with FakeConnector() as connector:
        client = await pooled(pool, credentials, "app-id").create(connector.url, None)

        async def send() -> str:
            await client.conversations.send_to_conversation("a:personal-anna",
                                                            Activity(type="message", text="x"))
            return connector.sent[-1]["headers"]["Authorization"]

        assert await send() == "Bearer token-1"
        now[0] += TOKEN_REUSE_SECONDS - 1
        assert await send() == "Bearer token-1"
        now[0] += 2
        assert await send() == "Bearer token-2"
        connector.fail_next(1, status=401)
        with pytest.raises(ErrorResponseException):
            await send()
        assert await send() == "Bearer token-3"


async def test_user_token_clients_are_kept_per_app_id(http):  # type: ignore[no-untyped-def]
    built: list[str] = []

    async def create(app_id: str) -> object:
        built.append(app_id)
        return object()

    pool = ConnectorPool(http)
    first = await pool.user_token_client("a", lambda: create("a"))
    assert await pool.user_token_client("a", lambda: create("a")) is first
    await pool.user_token_client("b", lambda: create("b"))
    assert built == ["a", "b"]


async def test_clients_of_another_app_id_are_other_clients(http):  # type: ignore[no-untyped-def]
    pool = ConnectorPool(http)
    credentials = CountingFactory("app-a")
    first = await pooled(pool, credentials, "app-a").create("http://127.0.0.1:9/", None)
    other = await pooled(pool, credentials, "app-b").create("http://127.0.0.1:9/", None)
    assert first is not other and first.config.credentials.microsoft_app_id == "app-a"


async def test_the_adapter_uses_the_pool_for_turns_and_proactive_messages(http):  # type: ignore[no-untyped-def]
    from botbuilder.core import TurnContext
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
    from botbuilder.schema import ConversationAccount, ConversationReference

    from bot.teams.connector_pool import PooledAuthentication

    pool = ConnectorPool(http)
    adapter = CloudAdapter(PooledAuthentication(ConfigurationBotFrameworkAuthentication(Config()), pool))
    clients: list[object] = []

    async def logic(turn_context: TurnContext) -> None:
        clients.append(turn_context.turn_state[adapter.BOT_CONNECTOR_CLIENT_KEY])
        await turn_context.send_activity("Herinnering")

    with FakeConnector() as connector:
        reference = ConversationReference(service_url=connector.url, channel_id="msteams",
                                          conversation=ConversationAccount(id="a:personal-anna"),
                                          user=ChannelAccount(id="29:anna"), bot=ChannelAccount(id="28:bot"))
        await adapter.continue_conversation(reference, logic, bot_app_id=None)
        identity = ClaimsIdentity({}, True)
        await adapter.continue_conversation_with_claims(identity, reference, SCOPE, logic)
        texts = connector.texts("a:personal-anna")
    assert texts == ["Herinnering", "Herinnering"]
    assert len(clients) == 2 and clients[0] is clients[1]


async def test_cards_go_out_as_the_json_teams_reads(http):  # type: ignore[no-untyped-def]
    """An Adaptive Card (plain JSON) and a prompt's hero card (a schema model) arrive as JSON, card intact.

    msrest's own ``Serializer`` writes the body (no serializer of ours since issue 17); the card the
    bot keeps is left as it was.
    """
    from botbuilder.core import CardFactory
    from botbuilder.schema import Attachment, CardAction, HeroCard

    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Hallo è"}],
            "actions": [{"type": "Action.Execute", "verb": "question.send", "data": {"n": 1, "ok": True}}]}
    activity = Activity(type="message", text="Kies", attachments=[
        Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card),
        CardFactory.hero_card(HeroCard(title="Thema", buttons=[CardAction(type="imBack", title="Ja", value="ja")]))])
    pool = ConnectorPool(http)
    with FakeConnector() as connector:
        client = await pooled(pool, CountingFactory("")).create(connector.url, None)
        await client.conversations.reply_to_activity("a:personal-anna", "m1", activity)
        body = connector.sent[-1]["body"]
    adaptive, hero = body["attachments"]
    assert adaptive == {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    assert hero["content"] == {"title": "Thema", "buttons": [{"type": "imBack", "title": "Ja", "value": "ja"}]}
    assert body["text"] == "Kies" and body["type"] == "message"
    assert activity.attachments[0].content is card and card["body"][0]["text"] == "Hallo è"


async def test_replies_and_sends_go_out_as_msrests_own_pipeline_sends_them(http):  # type: ignore[no-untyped-def]
    """When this fails msrest or the SDK changed how they send: look again at bot/teams/connector_http.py.

    A pooled client (aiohttp sender) and a client as the SDK builds it (msrest's
    default pipeline, ``requests`` in a thread) make the same requests and read the same answers and errors.
    """
    from botbuilder.schema import Attachment
    from botframework.connector.aio import ConnectorClient

    activity = Activity(type="message", text="Hallo è ü", reply_to_id="m 1", attachments=[
        Attachment(content_type="application/vnd.microsoft.card.adaptive", content={"type": "AdaptiveCard"})])
    pool = ConnectorPool(http)
    with FakeConnector() as connector:
        fast = await pooled(pool, CountingFactory("")).create(connector.url, None)
        stock = ConnectorClient(MicrosoftAppCredentials("", ""), base_url=connector.url)
        assert fast.config.pipeline is not stock.config.pipeline
        answers = []
        for client in (fast, stock):
            operations = client.conversations
            answers.append(await operations.reply_to_activity("a:personal/anna", "m 1", activity))
            answers.append(await operations.send_to_conversation(f"{TEAM};messageid=1", activity))
            connector.fail_next(1, status=429, headers={"Retry-After": "3"})
            with pytest.raises(ErrorResponseException) as raised:
                await operations.send_to_conversation("a:personal-anna", activity)
            answers.append((raised.value.response.status_code, raised.value.response.headers["Retry-After"],
                            str(raised.value)))
        compared = ("Accept", "Content-Type", "x-ms-conversation-id")
        requests = [(r["method"], r["path"], r["body"], r["status"],
                     {k: v for k, v in r["headers"].items() if k in compared}) for r in connector.sent]
    assert requests[:3] == requests[3:]
    assert requests[0][4]["x-ms-conversation-id"] == "a:personal/anna"
    assert answers[0].id and answers[3].id  # the fake numbers its activities: same shape, other id
    assert type(answers[0]) is type(answers[3]) and type(answers[1]) is type(answers[4])
    assert set(vars(answers[0])) == set(vars(answers[3])) and answers[0].additional_properties == {}
    assert answers[2] == answers[5]


async def test_the_connector_session_keeps_no_cookies(http):  # type: ignore[no-untyped-def]
    import aiohttp

    assert isinstance(http.session().cookie_jar, aiohttp.DummyCookieJar)
