"""A slow Bot Framework key server holds neither the event loop nor the turn for long.

The SDK fetches its signing keys on the first token after a start (and once a day) with
blocking calls; ``bot/teams/signing_keys.py`` moves that download to a thread with a timeout. The
offline key server of ``tests/security/jwt_keys.py`` is held back on purpose: the order of
events shows that other requests are answered while the download waits, with no timing bet
(the server lets go by itself after ``gate_limit`` seconds only so that a broken build ends).
"""

from __future__ import annotations

import asyncio
import threading

from botframework.connector.auth import ChannelValidation
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

from bot.teams.signing_keys import OffLoopOpenIdMetadata
from tests import activities as build
from tests.security.helpers import ALL_DATA_TABLES, count
from tests.security.jwt_keys import bearer, mint
from tests.security.test_authentication import auth_client, openid, teams_key, webchat_key  # noqa: F401


async def test_other_requests_are_answered_while_the_signing_keys_download(auth_client, openid, connector,  # noqa: F811
                                                                           teams_key):  # noqa: F811
    openid.gate = threading.Event()
    openid.gate_limit = 20.0
    activity = build.message(connector.url, "hallo", key="anna")
    turn = asyncio.create_task(auth_client.post("/api/messages", json=activity,
                                                headers=bearer(mint(teams_key, service_url=connector.url))))
    try:
        # Waited for in a thread: the loop must stay free to let the turn reach the key server.
        assert await asyncio.to_thread(openid.holding.wait, 30)
        health = await auth_client.get("/healthz")
        assert health.status == 200
        assert openid.holding.is_set() and not turn.done()  # answered while the download still waits
    finally:
        openid.gate.set()
    response = await turn
    assert response.status == 201, await response.text()
    assert await count(auth_client, "participants") == 1


async def test_a_key_server_that_does_not_answer_in_time_gives_401_and_nothing_is_stored(
        auth_client, openid, connector, teams_key, monkeypatch):  # noqa: F811
    url = ChannelValidation.open_id_metadata_endpoint
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {url: OffLoopOpenIdMetadata(url, timeout=0.5)})
    openid.gate = threading.Event()
    openid.gate_limit = 30.0  # far beyond the timeout: only the timeout can end the wait
    token = mint(teams_key, service_url=connector.url)
    try:
        response = await auth_client.post("/api/messages", json=build.message(connector.url, "hallo", key="anna"),
                                          headers=bearer(token))
        assert response.status == 401
        for table in ALL_DATA_TABLES:
            assert await count(auth_client, table) == 0, table
        assert connector.sent == []
    finally:
        openid.gate.set()
    # Once the key server answers again, the next token is checked as usual.
    openid.gate = None
    again = await auth_client.post("/api/messages", json=build.message(connector.url, "hallo", key="anna"),
                                   headers=bearer(mint(teams_key, service_url=connector.url)))
    assert again.status == 201


async def test_concurrent_turns_share_one_download(auth_client, openid, connector, teams_key):  # noqa: F811
    openid.gate = threading.Event()
    posts = [asyncio.create_task(auth_client.post(
        "/api/messages", json=build.message(connector.url, "hallo", key=key),
        headers=bearer(mint(teams_key, service_url=connector.url)))) for key in ("anna", "maarten", "dia")]
    try:
        assert await asyncio.to_thread(openid.holding.wait, 30)
        await auth_client.get("/healthz")  # the loop is free: the other turns get to ask for the keys
    finally:
        openid.gate.set()
    assert [r.status for r in await asyncio.gather(*posts)] == [201, 201, 201]
    assert openid.fetches == {"/v1/.well-known/openidconfiguration": 1, "/v1/.well-known/keys": 1}
