"""With an app id set, only activities carrying a valid Bot Framework token are processed.

The SDK's real validation runs offline: ``ChannelValidation.open_id_metadata_endpoint`` (the
public-cloud path production takes) points at :class:`OpenIdServer` on loopback, the metadata
cache is emptied per test, and outbound replies carry a fixed token so MSAL is never called.
Every refused request is a 401 and leaves no trace in the database or at the connector.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

import jwt
import pytest
from botframework.connector.auth import ChannelValidation
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

import bot.teams.adapter
from tests import activities as build
from tests.security.helpers import ALL_DATA_TABLES, app_client, count, make_settings
from tests.security.jwt_keys import (
    APP_ID,
    APP_PASSWORD,
    OUTBOUND_TOKEN,
    OpenIdServer,
    SigningKey,
    bearer,
    fixed_token_credentials_factory,
    mint,
)

TEN_MINUTES = 600  # beyond the SDK's five minutes of clock tolerance


@pytest.fixture(scope="module")
def teams_key() -> SigningKey:
    return SigningKey()


@pytest.fixture(scope="module")
def webchat_key() -> SigningKey:
    """Published, but endorsed for Web Chat only: no good for an ``msteams`` activity."""
    return SigningKey(endorsements=("webchat", "directline"))


@pytest.fixture(scope="module")
def stranger_key() -> SigningKey:
    """Never published."""
    return SigningKey()


@pytest.fixture
def openid(teams_key, webchat_key):  # type: ignore[no-untyped-def]
    with OpenIdServer([teams_key, webchat_key]) as server:
        yield server


@pytest.fixture
async def auth_client(openid, monkeypatch, tmp_path, clock):  # type: ignore[no-untyped-def]
    """The real app with MicrosoftAppId/Password set (MultiTenant) and the SDK pointed at loopback."""
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", openid.metadata_url)
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    original = bot.teams.adapter.ConfigurationBotFrameworkAuthentication
    monkeypatch.setattr(bot.teams.adapter, "ConfigurationBotFrameworkAuthentication",
                        functools.partial(original, credentials_factory=fixed_token_credentials_factory()))
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", tmp_path,
                             MicrosoftAppId=APP_ID, MicrosoftAppPassword=APP_PASSWORD,
                             MicrosoftAppType="MultiTenant")
    assert settings.auth_enabled and settings.APP_ID == APP_ID
    async with app_client(settings, clock) as client:
        yield client


def _hs256_with_public_key(key: SigningKey, url: str) -> dict[str, str]:
    """The classic key-confusion forgery: HMAC signed with the published RSA public key."""
    from cryptography.hazmat.primitives import serialization

    public = key.private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo)
    now = time.time()
    claims = {"serviceurl": url, "iss": "https://api.botframework.com", "aud": APP_ID,
              "nbf": int(now), "exp": int(now + 3600)}
    import hashlib
    import hmac
    import json
    from base64 import urlsafe_b64encode

    def b64(data: bytes) -> str:
        return urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    body = b64(json.dumps(claims).encode())
    signature = b64(hmac.new(public, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return bearer(f"{head}.{body}.{signature}")


def _unsigned(key: SigningKey, url: str) -> dict[str, str]:
    token = jwt.encode({"serviceurl": url, "iss": "https://api.botframework.com", "aud": APP_ID,
                        "nbf": int(time.time()), "exp": int(time.time() + 3600)}, None, algorithm="none",
                       headers={"kid": key.kid})
    return bearer(token)


Forgery = Callable[[SigningKey, SigningKey, SigningKey, str], dict[str, str]]
FORGERIES: dict[str, Forgery] = {
    "wrong audience": lambda k, w, s, url: bearer(mint(k, service_url=url, audience="another-bots-app-id")),
    "wrong issuer": lambda k, w, s, url: bearer(mint(k, service_url=url, issuer="https://evil.example")),
    "expired": lambda k, w, s, url: bearer(mint(k, service_url=url, issued=time.time() - 2 * 3600, lifetime=3600)),
    "not yet valid": lambda k, w, s, url: bearer(mint(k, service_url=url, not_before=time.time() + TEN_MINUTES,
                                                      issued=time.time() + TEN_MINUTES)),
    "bad signature": lambda k, w, s, url: bearer(mint(k, service_url=url, signing_key=s.private_key)),
    "tampered payload": lambda k, w, s, url: bearer(_tamper(mint(k, service_url=url))),
    "unknown key id": lambda k, w, s, url: bearer(mint(s, service_url=url)),
    "missing endorsement": lambda k, w, s, url: bearer(mint(w, service_url=url)),
    "other service url": lambda k, w, s, url: bearer(mint(k, service_url="https://smba.evil.example/")),
    "alg none": lambda k, w, s, url: _unsigned(k, url),
    "hs256 key confusion": lambda k, w, s, url: _hs256_with_public_key(k, url),
    "missing header": lambda k, w, s, url: {},
    "empty bearer": lambda k, w, s, url: {"Authorization": "Bearer "},
    "wrong scheme": lambda k, w, s, url: {"Authorization": "Basic " + mint(k, service_url=url)},
    "garbage": lambda k, w, s, url: {"Authorization": "Bearer not.a.jwt"},
}


def _tamper(token: str) -> str:
    """Swap the payload for one naming another audience, keeping the original signature."""
    head, _, signature = token.split(".")
    from base64 import urlsafe_b64encode

    forged = urlsafe_b64encode(b'{"aud":"x","iss":"https://api.botframework.com"}').rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"


@pytest.mark.parametrize("forgery", list(FORGERIES))
async def test_a_bad_token_is_refused_with_401_and_nothing_is_stored(
        forgery, auth_client, connector, teams_key, webchat_key, stranger_key, caplog):
    caplog.set_level(logging.WARNING, logger="bot.teams.adapter")
    headers = FORGERIES[forgery](teams_key, webchat_key, stranger_key, connector.url)
    for activity in (build.message(connector.url, "hallo", key="mallory"),
                     build.installation_add(connector.url, key="mallory"),
                     build.card_action(connector.url, "review.approve", {"request_id": 1, "version": 1},
                                       key="mallory")):
        response = await auth_client.post("/api/messages", json=activity, headers=headers)
        assert response.status == 401, (forgery, response.status, await response.text())
        assert await response.json() == {"error": "unauthorized"}  # no reason leaked to the caller
    for table in ALL_DATA_TABLES:
        assert await count(auth_client, table) == 0, table
    assert connector.sent == []
    assert "refused activity: authentication failed" in caplog.text


async def test_a_valid_token_is_accepted_and_the_turn_runs(auth_client, connector, teams_key, openid, caplog):
    caplog.set_level(logging.DEBUG)
    token = mint(teams_key, service_url=connector.url)
    response = await auth_client.post("/api/messages", json=build.message(connector.url, "hallo", key="anna"),
                                      headers=bearer(token))
    assert response.status == 201, await response.text()
    assert await count(auth_client, "participants") == 1
    asked, reply = connector.activities("a:personal-anna")  # first contact: her library, then the welcome
    assert asked["attachments"][0]["content"]["body"][0]["text"] == "Voor welke bibliotheek werk je?"
    assert reply["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    # The reply carried the bot's own outbound token, not the caller's.
    sent = [r for r in connector.sent if r["kind"] == "activity"]
    assert sent and all(r["headers"].get("Authorization") == f"Bearer {OUTBOUND_TOKEN}" for r in sent)
    # A second token is checked against the cached keys (one metadata fetch per process).
    again = await auth_client.post("/api/messages", json=build.message(connector.url, "help", key="anna"),
                                   headers=bearer(mint(teams_key, service_url=connector.url)))
    assert again.status == 201
    assert openid.fetches["/v1/.well-known/keys"] == 1
    # Neither the app password nor the caller's token reaches the log.
    assert APP_PASSWORD not in caplog.text and token not in caplog.text


async def test_a_token_within_the_sdks_clock_tolerance_is_accepted(auth_client, connector, teams_key):
    """Documents the SDK's five minutes of leeway: a token expired two minutes ago still passes."""
    token = mint(teams_key, service_url=connector.url, issued=time.time() - 3600 - 120, lifetime=3600)
    response = await auth_client.post("/api/messages", json=build.message(connector.url, "hallo", key="anna"),
                                      headers=bearer(token))
    assert response.status == 201


async def test_without_an_app_id_authentication_is_off(bot_client, connector):
    """The local set-up (Playground, tests) runs without tokens; production must set MicrosoftAppId."""
    response = await bot_client.post("/api/messages", json=build.message(connector.url, "hallo", key="anna"))
    assert response.status == 201
