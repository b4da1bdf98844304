"""Connector clients kept between turns, through the SDK's public authentication interface only.

The stock ``CloudAdapter`` asks its ``BotFrameworkAuthentication`` for a new ``ConnectorFactory``
and a new ``UserTokenClient`` on every turn and every proactive message, and the factory builds
a new ``ConnectorClient``: each client builds an msrest ``Configuration`` whose retry policy
alone was about three quarters of a stock echo turn (``docs/architecture.md``). The adapter
takes any ``BotFrameworkAuthentication``, so :class:`PooledAuthentication` wraps the configured
one: validation stays the SDK's, and the factories it hands out keep the clients the SDK's own
factory built, one per (app id, service URL, audience). Each client sends through msrest's
pipeline with an aiohttp sender (``bot/teams/connector_http.py``, the one shortcut kept here).

Only public names are used (``ConnectorFactory``, ``BotFrameworkAuthentication``, claims and
credentials as the SDK documents them); ``tests/unit/test_connector_pool.py`` fails when the
adapter stops asking for clients this way.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

from bot.teams.connector_http import ConnectorHttp, send_with_aiohttp

MAX_CLIENTS = 64


def app_id_of(claims_identity: ClaimsIdentity | None) -> str:
    """The bot's app id in ``claims_identity``, read as the SDK reads it (audience, else appid claim)."""
    if claims_identity is None:
        return ""
    return (claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
            or claims_identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM) or "")


class ConnectorPool:
    """Connector and user-token clients, one per (app id, service URL, audience).

    Args:
        http: The aiohttp session the clients send with (``bot/teams/connector_http.py``).
        max_clients: How many connector clients to keep (the least recently used goes first).
        clock: Monotonic seconds, for how long an access token is reused.
    """

    def __init__(self, http: ConnectorHttp, *, max_clients: int = MAX_CLIENTS,
                 clock: Callable[[], float] = time.monotonic):
        self._http = http
        self._max = max_clients
        self._clock = clock
        self._clients: OrderedDict[tuple[str, str, str | None], ConnectorClient] = OrderedDict()
        self._token_clients: dict[str, UserTokenClient] = {}

    def factory(self, inner: ConnectorFactory, *, claims_identity: ClaimsIdentity | None,
                default_audience: str | None = None) -> ConnectorFactory:
        """A factory that hands out the pool's clients, built by ``inner`` when first needed.

        Args:
            inner: The SDK's factory for this turn (or proactive message).
            claims_identity: Whose clients these are (the app id is part of the key).
            default_audience: The audience ``inner`` uses when asked for none, so that both
                ways of asking share a client.
        """
        if isinstance(inner, _PooledFactory):
            return inner
        return _PooledFactory(inner, self, app_id=app_id_of(claims_identity), default_audience=default_audience)

    async def client(self, *, key: tuple[str, str, str | None],
                     create: Callable[[], Awaitable[ConnectorClient]]) -> ConnectorClient:
        """The pooled client for ``key``, built with ``create`` when there is none."""
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
            return client
        client = await create()
        send_with_aiohttp(client, http=self._http, clock=self._clock)
        self._clients[key] = client
        if len(self._clients) > self._max:
            self._clients.popitem(last=False)
        return client

    async def user_token_client(self, app_id: str,
                                create: Callable[[], Awaitable[UserTokenClient]]) -> UserTokenClient:
        """The user-token client for ``app_id`` (the bot never signs users in, but the adapter asks every turn)."""
        client = self._token_clients.get(app_id)
        if client is None:
            client = self._token_clients[app_id] = await create()
        return client


class _PooledFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, pool: ConnectorPool, *, app_id: str, default_audience: str | None):
        self._inner = inner
        self._pool = pool
        self._app_id = app_id
        self._default_audience = default_audience

    async def create(self, service_url: str, audience: str = None) -> ConnectorClient:  # type: ignore[assignment]
        return await self._pool.client(key=(self._app_id, service_url, audience or self._default_audience),
                                       create=lambda: self._inner.create(service_url, audience))


class PooledAuthentication(BotFrameworkAuthentication):
    """The configured authentication, unchanged, except that its connector clients come from a pool.

    Args:
        inner: The configured ``BotFrameworkAuthentication`` (validation stays the SDK's).
        pool: Where the clients are kept.
    """

    def __init__(self, inner: BotFrameworkAuthentication, pool: ConnectorPool):
        self._inner = inner
        self._pool = pool

    async def authenticate_request(self, activity: Any, auth_header: str) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = self._pool.factory(
                result.connector_factory, claims_identity=result.claims_identity,
                default_audience=self._inner.get_originating_audience())
        return result

    async def authenticate_streaming_request(self, auth_header: str,
                                             channel_id_header: str) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._pool.factory(self._inner.create_connector_factory(claims_identity),
                                  claims_identity=claims_identity,
                                  default_audience=self._inner.get_originating_audience())

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        return await self._pool.user_token_client(
            app_id_of(claims_identity), lambda: self._inner.create_user_token_client(claims_identity))

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)
