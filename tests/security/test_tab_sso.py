"""Tab single sign-on, offline: the tab's Entra ID token checked against keys we publish ourselves.

The keys are served as the identity platform serves them (OpenID metadata and a JWKS on loopback)
and fetched through the bot's own off-loop key handling. Refused: forged, ``alg`` tricks,
expired, wrong audience, wrong tenant, wrong issuer, no trusted tenant configured, and through
the real app, a valid token of someone who is no coordinator.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest

from bot.domain.clock import FixedClock
from bot.teams.signing_keys import OffLoopOpenIdMetadata
from bot.web.dashboard.sso import InvalidTabToken, TabTokenVerifier, tab_audiences
from tests import activities as build
from tests.activities import TENANT
from tests.security.helpers import app_client, make_settings
from tests.security.jwt_keys import OpenIdServer, SigningKey

APP = "0b6f7c2e-2f8d-4a51-9a43-6c1e2d7f9b10"
RESOURCE = f"api://sparringbot.example.org/{APP}"
OTHER_TENANT = "11111111-2222-3333-4444-555555555555"
NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def tab_token(key: SigningKey, *, oid: str = "aad-dia", tenant: str = TENANT, audience: str = APP,
              issuer: str | None = None, lifetime: int = 3600, issued: float | None = None,
              kid: str | None = None) -> str:
    """A token as ``microsoftTeams.authentication.getAuthToken()`` hands the tab (v2 claims)."""
    at = NOW.timestamp() if issued is None else issued
    claims: dict[str, Any] = {"aud": audience, "iss": issuer or f"https://login.microsoftonline.com/{tenant}/v2.0",
                              "tid": tenant, "oid": oid, "iat": int(at), "nbf": int(at), "exp": int(at + lifetime),
                              "name": "Dia Wesseling", "scp": "access_as_user"}
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": kid or key.kid})


@pytest.fixture
def published():  # type: ignore[no-untyped-def]
    key = SigningKey()
    with OpenIdServer([key]) as server:
        yield key, server


def verifier(server: OpenIdServer, *, tenants: tuple[str, ...] = (TENANT,)) -> TabTokenVerifier:
    return TabTokenVerifier(audiences={APP, RESOURCE}, tenants=tenants, clock=FixedClock(NOW),
                            keys=OffLoopOpenIdMetadata(server.metadata_url, timeout=5))


async def test_a_valid_token_names_its_account(published):
    key, server = published
    identity = await verifier(server).verify(tab_token(key))
    assert (identity.object_id, identity.tenant_id) == ("aad-dia", TENANT)
    # The v1 form: the api:// resource as audience, issued by sts.windows.net.
    v1 = tab_token(key, audience=RESOURCE, issuer=f"https://sts.windows.net/{TENANT}/")
    assert (await verifier(server).verify(v1)).object_id == "aad-dia"


@pytest.mark.parametrize("case", ["forged", "unknown key", "alg none", "alg HS256", "expired", "not yet valid",
                                  "wrong audience", "wrong tenant", "issuer of another tenant", "no oid",
                                  "garbage"])
async def test_bad_tokens_are_refused(published, case):
    key, server = published
    other = SigningKey(kid=key.kid)  # same key id, a private key nobody published
    token = {
        "forged": lambda: tab_token(other),
        "unknown key": lambda: tab_token(SigningKey()),
        "alg none": lambda: jwt.encode({"aud": APP, "tid": TENANT, "oid": "aad-dia", "exp": int(NOW.timestamp()) + 60,
                                        "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0"}, None,
                                       algorithm="none", headers={"kid": key.kid}),
        "alg HS256": lambda: jwt.encode({"aud": APP, "tid": TENANT, "oid": "aad-dia",
                                         "exp": int(NOW.timestamp()) + 60}, "x" * 32, algorithm="HS256",
                                        headers={"kid": key.kid}),
        "expired": lambda: tab_token(key, issued=NOW.timestamp() - 7200, lifetime=3600),
        "not yet valid": lambda: tab_token(key, issued=NOW.timestamp() + 600),
        "wrong audience": lambda: tab_token(key, audience="00000003-0000-0000-c000-000000000000"),
        "wrong tenant": lambda: tab_token(key, tenant=OTHER_TENANT),
        "issuer of another tenant": lambda: tab_token(
            key, issuer=f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"),
        "no oid": lambda: jwt.encode({"aud": APP, "tid": TENANT, "exp": int(NOW.timestamp()) + 60,
                                      "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0"}, key.private_key,
                                     algorithm="RS256", headers={"kid": key.kid}),
        "garbage": lambda: "not.a.token",
    }[case]()
    with pytest.raises(InvalidTabToken):
        await verifier(server).verify(token)


async def test_without_a_trusted_tenant_or_app_id_nothing_is_accepted(published):
    key, server = published
    assert not verifier(server, tenants=()).enabled
    with pytest.raises(InvalidTabToken):
        await verifier(server, tenants=()).verify(tab_token(key))
    assert tab_audiences("", "https://bot.example.org") == set()
    assert tab_audiences(APP, "https://bot.example.org/") == {APP, f"api://bot.example.org/{APP}"}


async def test_the_app_opens_a_session_for_the_coordinator_only(published, database_url, tmp_path: Path,
                                                                connector):
    key, server = published
    clock = FixedClock(NOW)
    settings = make_settings(database_url, tmp_path)
    async with app_client(settings, clock, tab_sso=verifier(server)) as client:
        connector.members["a:personal-dia"] = [build.member("dia", name="Dia Wesseling",
                                                            email="dwesseling@probiblio.nl")]
        for who in ("dia", "anna"):
            response = await client.post("/api/messages", json=build.message(connector.url, "hallo", key=who))
            assert response.status == 201
        # Anna's token is valid, but Anna is no coordinator; a token of Dia's for another app is no token.
        for token in (tab_token(key, oid="aad-anna"), tab_token(key, audience="another-app"), ""):
            refused = await client.post("/overzicht/sso", json={"token": token})
            assert refused.status == 403 and "Set-Cookie" not in refused.headers
        assert (await client.post("/overzicht/sso", data=b"{", headers={"Content-Type": "application/json"})
                ).status == 403
        accepted = await client.post("/overzicht/sso", json={"token": tab_token(key)})
        assert accepted.status == 200 and "HttpOnly" in accepted.headers["Set-Cookie"]
        board = await client.get("/overzicht/vragen")
        assert board.status == 200 and "Sparringvragen" in await board.text()



async def test_under_https_the_cookies_are_secure_and_the_teams_one_partitioned(published, tmp_path: Path,
                                                                                 connector):
    key, server = published
    clock = FixedClock(NOW)
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", tmp_path,
                             PUBLIC_URL="https://sparringbot.example.org")
    async with app_client(settings, clock, tab_sso=verifier(server)) as client:
        connector.members["a:personal-dia"] = [build.member("dia", name="Dia Wesseling",
                                                            email="dwesseling@probiblio.nl")]
        assert (await client.post("/api/messages", json=build.message(connector.url, "hallo", key="dia"))
                ).status == 201
        # In Teams' frame (a third-party context) only SameSite=None is sent: Secure and Partitioned with it.
        framed = (await client.post("/overzicht/sso", json={"token": tab_token(key)})).headers["Set-Cookie"]
        assert "Secure" in framed and "SameSite=None" in framed and "Partitioned" in framed and "HttpOnly" in framed
        # A sign-in link's session: Lax, and Secure because the bot's address is https.
        await client.post("/api/messages", json=build.message(connector.url, "overzicht", key="dia"))
        url = connector.cards("a:personal-dia")[-1]["actions"][0]["url"]
        assert url.startswith("https://sparringbot.example.org/overzicht/inloggen?t=")
        token = url.split("t=", 1)[1]
        response = await client.post("/overzicht/inloggen", data={"t": token}, allow_redirects=False)
        cookie = response.headers["Set-Cookie"]
        assert response.status == 303 and "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie
