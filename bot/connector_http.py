"""The HTTP side of talking to the Bot Connector: one aiohttp session, msrest's view of an
answer, and the bot's access token."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
from botframework.connector.auth import AuthenticationConstants
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
            # calls should hold none; without one, each call skips filtering it (a quarter of
            # a send's CPU here).
            self._session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        return self._session

    async def call(self, request: Any, *, headers: dict[str, str], data: Any,
                   timeout: aiohttp.ClientTimeout) -> ConnectorResponse:
        """Send ``request`` (msrest's ``ClientRequest``: its method and URL) and read the answer in full."""
        async with self.session().request(request.method, request.url, headers=headers, data=data,
                                          timeout=timeout) as answer:
            body = await answer.read()
            return ConnectorResponse(request, answer.status, dict(answer.headers), answer.reason, body)

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


class AccessToken:
    """The bot's access token for the connector, as ``AppCredentials.signed_session`` added it.

    Kept for :data:`TOKEN_REUSE_SECONDS`; dropped after a 401, so the next call asks again
    rather than repeat a refused token.
    """

    def __init__(self, credentials: Any, clock: Callable[[], float]):
        self._credentials = credentials
        self._clock = clock
        self._token: str | None = None
        self._taken_at = 0.0

    def _needed(self) -> bool:
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


