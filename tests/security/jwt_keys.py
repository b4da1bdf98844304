"""Offline Bot Framework token validation: RSA keys, OpenID metadata + JWKS on loopback, tokens.

The SDK validates an incoming ``Authorization: Bearer`` token against the signing keys it reads
from the Bot Framework's OpenID metadata (``jwks_uri``), checks that the key is endorsed for the
activity's channel (``msteams``), the issuer (``https://api.botframework.com``), the audience
(the bot's app id), the lifetime and the ``serviceurl`` claim. These helpers stand in for the
Bot Framework's side of that exchange so the *real* validation runs without a network:

* :class:`SigningKey` is a locally generated RSA key pair with a key id;
* :class:`OpenIdServer` serves the metadata document and the JWKS from its own thread on an
  ephemeral loopback port (the SDK fetches them with blocking ``requests`` calls, so the server
  must not share the test's event loop);
* :func:`mint` signs a channel token like the Bot Framework's.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
APP_ID = "5f3c9a1e-7b2d-4c8f-9e6a-1d4b8c2f7a90"
APP_PASSWORD = "test-secret-~Q8.never-logged"
OUTBOUND_TOKEN = "outbound-token-for-the-fake-connector"


@dataclass
class SigningKey:
    """An RSA key pair with a key id and the channels its public half is endorsed for."""

    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    endorsements: tuple[str, ...] = ("msteams",)
    private_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def jwk(self) -> dict[str, Any]:
        """The public key as the Bot Framework publishes it (``kid``, ``endorsements``)."""
        key: dict[str, Any] = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        key.update({"kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": list(self.endorsements)})
        return key


class OpenIdServer:
    """OpenID metadata and JWKS on ``http://127.0.0.1:<ephemeral port>/`` in a thread.

    Attributes:
        keys: The keys published in the JWKS (change it before the SDK first fetches it).
        fetches: How many times each path was fetched (to see the SDK's cache at work).
        gate: When set to an event, every answer waits for it (a slow Bot Framework), at most
            ``gate_limit`` seconds; ``holding`` is set while an answer waits.
    """

    def __init__(self, keys: list[SigningKey]):
        self.keys = keys
        self.fetches: dict[str, int] = {}
        self.gate: threading.Event | None = None
        self.gate_limit = 10.0
        self.holding = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
                server.fetches[self.path] = server.fetches.get(self.path, 0) + 1
                if server.gate is not None:
                    server.holding.set()
                    server.gate.wait(server.gate_limit)
                    server.holding.clear()
                if self.path == "/v1/.well-known/openidconfiguration":
                    body = {"issuer": BOT_FRAMEWORK_ISSUER, "jwks_uri": f"{server.url}/v1/.well-known/keys",
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "token_endpoint_auth_methods_supported": ["private_key_jwt"]}
                elif self.path == "/v1/.well-known/keys":
                    body = {"keys": [key.jwk() for key in server.keys]}
                else:
                    self.send_error(404)
                    return
                payload = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="openid-metadata", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        """What ``ChannelValidation.open_id_metadata_endpoint`` points at in the tests."""
        return f"{self.url}/v1/.well-known/openidconfiguration"

    def __enter__(self) -> OpenIdServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


def mint(key: SigningKey, *, service_url: str, audience: str = APP_ID, issuer: str = BOT_FRAMEWORK_ISSUER,
         issued: float | None = None, lifetime: float = 3600, not_before: float | None = None,
         kid: str | None = None, algorithm: str = "RS256", signing_key: Any = None,
         extra: dict[str, Any] | None = None) -> str:
    """A channel token as the Bot Framework signs it; every part can be made wrong on purpose.

    Args:
        key: The key whose id goes in the header and which signs (unless ``signing_key``).
        service_url: The ``serviceurl`` claim (must equal the activity's ``serviceUrl``).
        audience: The ``aud`` claim: the bot's app id.
        issuer: The ``iss`` claim.
        issued: ``iat`` (now by default); ``exp`` is ``issued + lifetime``.
        not_before: ``nbf`` (``issued`` by default).
        kid: The header's key id (``key.kid`` by default).
        algorithm: The header's ``alg``.
        signing_key: Sign with this instead of ``key`` (a forged signature).
        extra: More claims.
    """
    now = time.time() if issued is None else issued
    claims: dict[str, Any] = {
        "serviceurl": service_url, "nbf": int(now if not_before is None else not_before),
        "exp": int(now + lifetime), "iat": int(now), "iss": issuer, "aud": audience,
    }
    claims.update(extra or {})
    secret = signing_key if signing_key is not None else key.private_key
    return jwt.encode(claims, secret, algorithm=algorithm, headers={"kid": kid or key.kid})


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def fixed_token_credentials_factory(app_id: str = APP_ID, password: str = APP_PASSWORD) -> Any:
    """A credentials factory for outbound calls that never asks Entra ID (MSAL) for a token.

    Incoming validation still uses its real ``is_valid_app_id`` (the ``aud`` claim must equal
    the app id); outbound requests to the connector carry :data:`OUTBOUND_TOKEN`.
    """
    from botframework.connector.auth import MicrosoftAppCredentials, PasswordServiceClientCredentialFactory

    class FixedTokenCredentials(MicrosoftAppCredentials):
        def get_access_token(self, force_refresh: bool = False) -> str:
            return OUTBOUND_TOKEN

    class FixedTokenFactory(PasswordServiceClientCredentialFactory):
        async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                     validate_authority: bool) -> Any:
            if not await self.is_valid_app_id(app_id):
                raise PermissionError("Invalid app_id")
            return FixedTokenCredentials(app_id, self.password, None, oauth_scope)

    return FixedTokenFactory(app_id, password)
