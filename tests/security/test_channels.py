"""Only Teams (``ALLOWED_CHANNELS``, default ``msteams``) reaches the bot, with or without authentication.

A token the Bot Framework endorsed for Web Chat is valid for Web Chat: the SDK accepts it for an
activity that says ``channelId: webchat``, and skips the endorsement check altogether when the
activity names no channel. The edge refuses every other channel with 403 before the token is
checked: nothing is stored, nothing is sent, and the refusal is logged at WARNING.

Why 403 and not a silent 200: the request is well-formed and may even carry a valid token, but
this bot does not serve that channel; an honest 4xx shows up in the Azure portal's channel health
and in the sender's logs (a misconfigured registration is found), and the Bot Connector does not
retry it. A 200 would claim a delivery that never happened.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.config import ConfigError, load_settings
from tests import activities as build
from tests.security.helpers import ALL_DATA_TABLES, authenticated_app_client, count, make_settings
from tests.security.helpers import app_client as plain_app_client
from tests.security.jwt_keys import OpenIdServer, SigningKey, bearer, mint

DROP = object()


@pytest.fixture(scope="module")
def teams_key() -> SigningKey:
    return SigningKey()


@pytest.fixture(scope="module")
def webchat_key() -> SigningKey:
    return SigningKey(endorsements=("webchat", "directline"))


@pytest.fixture
async def auth_client(teams_key, webchat_key, monkeypatch, tmp_path, clock):  # type: ignore[no-untyped-def]
    with OpenIdServer([teams_key, webchat_key]) as openid:
        async with authenticated_app_client(monkeypatch, metadata_url=openid.metadata_url, tmp_path=tmp_path,
                                            clock=clock) as client:
            yield client


def activities(service_url: str, channel: Any) -> list[dict[str, Any]]:
    """A message, an install and a card click, each from ``channel`` (``DROP``: no channelId at all)."""
    built = [build.message(service_url, "hallo", key="mallory"),
             build.installation_add(service_url, key="mallory"),
             build.card_action(service_url, "review.approve", {"request_id": 1, "version": 1}, key="mallory")]
    for activity in built:
        if channel is DROP:
            del activity["channelId"]
        else:
            activity["channelId"] = channel
    return built


async def assert_refused(client: Any, connector: Any, activity: dict[str, Any], headers: dict[str, str]) -> None:
    response = await client.post("/api/messages", json=activity, headers=headers)
    assert response.status == 403, (activity.get("channelId", "(missing)"), response.status, await response.text())
    assert await response.json() == {"error": "channel not allowed"}


async def assert_nothing_happened(client: Any, connector: Any) -> None:
    for table in ALL_DATA_TABLES:
        assert await count(client, table) == 0, table
    assert connector.sent == []


TOKENS = {
    "webchat token, webchat channel": ("webchat", "webchat"),
    "teams token, webchat channel": ("teams", "webchat"),
    "teams token, directline channel": ("teams", "directline"),
    "teams token, emulator channel": ("teams", "emulator"),
    "teams token, empty channel": ("teams", ""),
    "teams token, no channel": ("teams", DROP),
    "teams token, MSTEAMS in capitals": ("teams", "MSTEAMS"),
    "teams token, channel with a newline": ("teams", "msteams\nforged"),
    "teams token, channel is a number": ("teams", 5),
}


@pytest.mark.parametrize("case", list(TOKENS))
async def test_other_channels_are_refused_with_authentication_on(
        auth_client, connector, teams_key, webchat_key, case, caplog):
    caplog.set_level(logging.WARNING, logger="bot.teams.adapter")
    key_name, channel = TOKENS[case]
    key = teams_key if key_name == "teams" else webchat_key
    for activity in activities(connector.url, channel):
        await assert_refused(auth_client, connector, activity, bearer(mint(key, service_url=connector.url)))
    await assert_nothing_happened(auth_client, connector)
    [warning, *_] = [r for r in caplog.records if r.name == "bot.teams.adapter"]
    assert warning.levelno == logging.WARNING and "ALLOWED_CHANNELS" in warning.getMessage()
    if isinstance(channel, str) and channel:
        assert channel in warning.getMessage()  # the channel id is logged (the formatter escapes it)


@pytest.mark.parametrize("channel", ["webchat", "directline", "emulator", "", DROP],
                         ids=lambda channel: "missing" if channel is DROP else repr(channel))
async def test_other_channels_are_refused_with_authentication_off(bot_client, connector, channel):
    for activity in activities(connector.url, channel):
        await assert_refused(bot_client, connector, activity, {})
    await assert_nothing_happened(bot_client, connector)


async def test_a_teams_token_for_teams_still_works(auth_client, connector, teams_key):
    response = await auth_client.post("/api/messages", json=build.message(connector.url, "hallo", key="anna"),
                                      headers=bearer(mint(teams_key, service_url=connector.url)))
    assert response.status == 201, await response.text()
    assert connector.activities("a:personal-anna")


async def test_allowed_channels_lets_the_emulator_in(tmp_path, clock, connector):
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", tmp_path,
                             ALLOWED_CHANNELS="msteams, Emulator")
    async with plain_app_client(settings, clock) as client:
        [emulated, *_] = activities(connector.url, "emulator")
        assert (await client.post("/api/messages", json=emulated)).status == 201
        [webchat, *_] = activities(connector.url, "webchat")
        assert (await client.post("/api/messages", json=webchat)).status == 403


def test_allowed_channels_setting():
    assert load_settings({}, env_file=None).allowed_channels == frozenset({"msteams"})
    assert load_settings({"ALLOWED_CHANNELS": ""}, env_file=None).allowed_channels == frozenset({"msteams"})
    assert load_settings({"ALLOWED_CHANNELS": " MSTeams , emulator,"}, env_file=None).allowed_channels == \
        frozenset({"msteams", "emulator"})
    for wrong in ("ms teams", " , ", "msteams;webchat", "*"):
        with pytest.raises(ConfigError) as refused:
            load_settings({"ALLOWED_CHANNELS": wrong}, env_file=None)
        [problem] = refused.value.problems
        assert problem.startswith("ALLOWED_CHANNELS must be"), problem
