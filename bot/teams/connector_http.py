"""The one shortcut kept on the connector side: msrest's pipeline sends with aiohttp, not ``requests``.

A ``ConnectorClient`` sends through ``client.config.pipeline``, an msrest ``AsyncPipeline`` of
policies and a sender; msrest's default sender runs ``requests`` in a worker thread for every
reply, and its credentials policy asks MSAL for the token on the event loop. msrest's public
pipeline classes (``AsyncPipeline``, ``AsyncHTTPPolicy``, ``AsyncHTTPSender``, ``RawDeserializer``)
let a client send another way, so :func:`send_with_aiohttp` builds msrest's own pipeline with
two parts swapped: :class:`AiohttpSender` (one shared aiohttp session on the loop) and
:class:`BearerToken` (the token fetched in a worker thread, reused two minutes, dropped after
a 401). Requests, models, serialisation (msrest's own ``Serializer``, model checks included) and
errors (``ErrorResponseException`` with the status and headers) stay msrest's and the SDK's.

Measured (``docs/architecture.md``, "Where the SDK is changed"): msrest's ``requests`` sender
took a turn from 11.0 M to 15.2 M instructions. ``tests/unit/test_connector_pool.py`` (same
requests, answers and errors as a client msrest builds itself) fails when msrest changes under it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
from botframework.connector.auth import AuthenticationConstants
from msrest.pipeline import AsyncHTTPPolicy, AsyncHTTPSender, AsyncPipeline, Request, Response
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import HTTPClientResponse

# Tokens from Entra ID live at least an hour and MSAL hands out a cached one until five
# minutes before it expires, so a token kept for two minutes is always still valid.
TOKEN_REUSE_SECONDS = 120.0


class ConnectorHttp:
    """One aiohttp session for every call to the Bot Connector, opened on first use."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """The shared session; created inside the running loop, never at import or build time."""
        if self._session is None or self._session.closed:
            # The connector sets no cookies the bot needs, and a jar shared by every tenant's
            # calls should hold none; without one, each call skips filtering it.
            self._session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        return self._session

    async def close(self) -> None:
        """Close the session (on application shutdown)."""
        if self._session is not None:
            await self._session.close()
            self._session = None


class ConnectorResponse(HTTPClientResponse):
    """msrest's view of an aiohttp response whose body was read in full.

    It is its own ``internal_response``: msrest's errors expose that as ``error.response``,
    where callers read ``status_code`` and ``headers`` as they did from ``requests``.
    """

    def __init__(self, request: Any, status: int, headers: dict[str, str], reason: str | None, body: bytes):
        super().__init__(request, self)
        self.status_code = status
        self.headers = headers
        self.reason = reason
        self._body = body

    def body(self) -> bytes:
        return self._body


class AiohttpSender(AsyncHTTPSender):
    """The last step of the pipeline: send the request with the shared aiohttp session.

    Args:
        http: The shared session.
        timeout: Seconds a whole request may take: the client's own setting (msrest's 100 s).
    """

    def __init__(self, http: ConnectorHttp, *, timeout: float):
        self._http = http
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def __aenter__(self) -> AiohttpSender:
        return self

    async def __aexit__(self, *exc_details: object) -> None:
        return None

    def build_context(self) -> Any:
        return None

    async def send(self, request: Request, **config: Any) -> Response:
        http_request = request.http_request
        if http_request.files:  # the connector calls the bot makes never upload multipart forms
            raise ValueError("multipart uploads are not supported by the aiohttp sender")
        async with self._http.session().request(http_request.method, http_request.url,
                                                headers=dict(http_request.headers), data=http_request.data,
                                                timeout=self._timeout) as answer:
            body = await answer.read()
        return Response(request, ConnectorResponse(http_request, answer.status, dict(answer.headers),
                                                   answer.reason, body))


class AccessToken:
    """The bot's access token for the connector, as ``AppCredentials.signed_session`` adds it.

    Kept for :data:`TOKEN_REUSE_SECONDS`; dropped after a 401, so the next call asks again
    rather than repeat a refused token.

    Args:
        credentials: The client's ``AppCredentials`` (its public ``get_access_token``).
        clock: Monotonic seconds.
    """

    def __init__(self, credentials: Any, clock: Callable[[], float]):
        self._credentials = credentials
        self._clock = clock
        self._token: str | None = None
        self._taken_at = 0.0

    def _needed(self) -> bool:
        # AppCredentials' own rule: no token without an app id (authentication off) or for anonymous skills.
        app_id = getattr(self._credentials, "microsoft_app_id", None)
        return bool(app_id) and app_id != AuthenticationConstants.ANONYMOUS_SKILL_APP_ID

    async def authorization(self) -> str | None:
        """The ``Authorization`` header value, or None when the bot runs without an app id."""
        if not self._needed():
            return None
        if self._token is None or self._clock() - self._taken_at > TOKEN_REUSE_SECONDS:
            # MSAL is synchronous and may call Entra ID: keep it off the event loop.
            self._token = await asyncio.to_thread(self._credentials.get_access_token)
            self._taken_at = self._clock()
        return f"Bearer {self._token}"

    def answered(self, status: int) -> None:
        """The connector answered ``status`` to a call with this token."""
        if status == 401:
            self._token = None


class BearerToken(AsyncHTTPPolicy):
    """Adds the bot's access token to each call, in place of msrest's ``requests`` credentials policy."""

    def __init__(self, token: AccessToken):
        super().__init__()
        self._token = token

    async def send(self, request: Request, **kwargs: Any) -> Response:
        authorization = await self._token.authorization()
        if authorization is not None:
            request.http_request.headers["Authorization"] = authorization
        response = await self.next.send(request, **kwargs)
        self._token.answered(response.http_response.status_code)
        return response


def send_with_aiohttp(client: Any, *, http: ConnectorHttp, clock: Callable[[], float]) -> None:
    """Make ``client`` (a ``ConnectorClient``) send over ``http``: the only place the msrest shortcut is applied.

    The pipeline is msrest's default one (as ``ServiceClientAsync`` builds it: user agent,
    credentials, raw deserializer, HTTP logger) with the credentials policy and the sender
    replaced, built from the client's own public configuration, so replies go over ``http``
    instead of ``requests`` in a worker thread. Everything else about the client stays as the
    SDK's factory built it.

    Args:
        client: A connector client as the SDK's factory built it.
        http: The shared aiohttp session.
        clock: Monotonic seconds, for how long a token is reused.
    """
    config = client.config
    config.pipeline = AsyncPipeline(
        [config.user_agent_policy, BearerToken(AccessToken(config.credentials, clock)), RawDeserializer(),
         config.http_logger_policy],
        AiohttpSender(http, timeout=config.connection.timeout),
    )
