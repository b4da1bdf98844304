"""Tab single sign-on: the Teams JS SDK's token for the tab, checked offline against published keys.

In Teams the tab asks ``microsoftTeams.authentication.getAuthToken()`` for an Entra ID token
issued to this app (``webApplicationInfo`` in the manifest) and posts it here. It is accepted
only when all of these hold:

- signed (RS256) by a key the identity platform publishes (its OpenID metadata's JWKS, fetched
  off the event loop and cached by :class:`bot.teams.signing_keys.OffLoopOpenIdMetadata`, the
  bot's own key handling); ``alg`` other than RS256 (``none``, HS256) is refused before any key
  is looked at;
- for this app: ``aud`` is the bot's app id or the tab's ``api://<domain>/<app id>`` resource;
- from a tenant of the programme (``ALLOWED_TENANTS``, else the bot's tenant); no trusted tenant
  configured means no single sign-on at all;
- issued by that tenant (``iss``), and within its lifetime (``exp``, ``nbf``; the injected clock,
  a minute of leeway);
- naming an object id (``oid``); who that is, and whether a coordinator, the directory decides
  (``OverviewService.coordinator_by_object_id``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import jwt

from bot.domain.clock import Clock
from bot.teams.signing_keys import OffLoopOpenIdMetadata, SigningKeyInfo, SigningKeysUnavailable

# The Microsoft identity platform's metadata for every tenant (v2.0); its JWKS signs v1 and v2 tokens.
IDENTITY_METADATA_URL = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
LEEWAY_SECONDS = 60
REQUIRED_CLAIMS = ("exp", "aud", "iss", "tid", "oid")


class InvalidTabToken(Exception):
    """The token is not one this tab accepts; ``reason`` says why (for the log, in plain English)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SigningKeys(Protocol):
    """Where the public keys come from (:class:`OffLoopOpenIdMetadata`, or a test's own keys)."""

    async def get(self, key_id: str) -> SigningKeyInfo | None: ...


@dataclass(frozen=True)
class TabIdentity:
    """Who a valid token names: the Entra ID object id and tenant."""

    object_id: str
    tenant_id: str


class TabTokenVerifier:
    """Checks tab SSO tokens (see the module's description for what is checked).

    Args:
        keys: The signing keys (default: the identity platform's, fetched off the loop).
        audiences: Accepted ``aud`` values; empty turns single sign-on off.
        tenants: Accepted ``tid`` values (lower case); empty turns single sign-on off.
        clock: The time the lifetime is compared with.
    """

    def __init__(self, *, audiences: Iterable[str], tenants: Iterable[str], clock: Clock,
                 keys: SigningKeys | None = None):
        self._keys = keys or OffLoopOpenIdMetadata(IDENTITY_METADATA_URL)
        self._audiences = sorted({a for a in audiences if a})
        self._tenants = frozenset(t.strip().lower() for t in tenants if t.strip())
        self._clock = clock

    @property
    def enabled(self) -> bool:
        """Single sign-on is possible: an app id and a trusted tenant are configured."""
        return bool(self._audiences and self._tenants)

    async def verify(self, token: str) -> TabIdentity:
        """The identity a valid token names.

        Raises:
            InvalidTabToken: Anything wrong with the token, or single sign-on is off.
        """
        if not self.enabled:
            raise InvalidTabToken("single sign-on is not configured (MicrosoftAppId and ALLOWED_TENANTS)")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidTabToken(f"not a token ({type(error).__name__})") from error
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise InvalidTabToken("not signed with RS256 and a key id")
        try:
            key = await self._keys.get(header["kid"])
        except SigningKeysUnavailable as error:
            raise InvalidTabToken("the signing keys could not be fetched") from error
        if key is None:
            raise InvalidTabToken("signed with an unknown key")
        claims = self._decode(token, key)
        tenant = str(claims["tid"]).lower()
        if tenant not in self._tenants:
            raise InvalidTabToken("tenant not allowed")
        if claims["iss"] not in (f"https://login.microsoftonline.com/{claims['tid']}/v2.0",
                                 f"https://sts.windows.net/{claims['tid']}/"):
            raise InvalidTabToken("issuer is not the token's tenant")
        now = self._clock.now().timestamp()
        if float(claims["exp"]) < now - LEEWAY_SECONDS:
            raise InvalidTabToken("expired")
        if "nbf" in claims and float(claims["nbf"]) > now + LEEWAY_SECONDS:
            raise InvalidTabToken("not valid yet")
        return TabIdentity(object_id=str(claims["oid"]), tenant_id=tenant)

    def _decode(self, token: str, key: SigningKeyInfo) -> dict[str, Any]:
        try:
            # The lifetime is checked against the injected clock above, not PyJWT's time.time().
            return jwt.decode(token, key.public_key, algorithms=["RS256"], audience=self._audiences,
                              options={"require": list(REQUIRED_CLAIMS), "verify_exp": False, "verify_nbf": False,
                                       "verify_iat": False})
        except jwt.InvalidAudienceError as error:
            raise InvalidTabToken("wrong audience") from error
        except jwt.PyJWTError as error:
            raise InvalidTabToken(f"invalid token ({type(error).__name__})") from error


def tab_audiences(app_id: str, public_url: str) -> set[str]:
    """The ``aud`` values a tab token for this app may carry: the app id, and its ``api://`` resource."""
    if not app_id:
        return set()
    host = public_url.split("://", 1)[-1].split("/", 1)[0]
    return {app_id, f"api://{host}/{app_id}"} if host else {app_id}
