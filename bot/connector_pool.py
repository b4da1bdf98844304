"""Connector clients built once and sent over one aiohttp session (the SDK's edge, made cheap).

The stock ``CloudAdapter`` builds a new ``ConnectorClient`` and a new ``UserTokenClient`` for
every incoming turn and every proactive message: each builds an msrest ``Configuration``,
a ``requests.Session`` and a retry policy, and each reply then runs through ``requests`` in a
worker thread. Profiled, that was about a fifth of a turn on the event loop plus a thread hop
per reply. Here the clients are kept per (app id, audience, service URL) and their pipeline
sends with aiohttp on the event loop. Everything else (models, error types) is the SDK's own,
so callers see the same ``ErrorResponseException`` with a status code; replies are serialised
as msrest does, without its detours (``bot/model_serializer.py``).

``tests/unit/test_connector_pool.py`` fails if the SDK's factories change shape.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import aiohttp
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.auth._built_in_bot_framework_authentication import (
    _BuiltinBotFrameworkAuthentication,
)
from botframework.connector.auth._connector_factory_impl import _ConnectorFactoryImpl
from msrest.pipeline import AsyncHTTPPolicy, AsyncHTTPSender, AsyncPipeline, Request, Response
from msrest.pipeline.universal import RawDeserializer

from bot.connector_http import AccessToken, ConnectorHttp
from bot.connector_sends import FastConversations
from bot.model_serializer import FastBody

MAX_CLIENTS = 64


class AiohttpSender(AsyncHTTPSender):
    """The last step of an msrest pipeline: send the request with the shared aiohttp session.

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
            raise ValueError("multipart uploads are not supported by the pooled connector")
        response = await self._http.call(http_request, headers=dict(http_request.headers), data=http_request.data,
                                         timeout=self._timeout)
        return Response(request, response)


class _BearerToken(AsyncHTTPPolicy):
    """Adds the bot's access token to the calls that go through msrest's pipeline."""

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


class ConnectorPool:
    """Connector and user-token clients, one per (app id, audience, service URL).

    Args:
        http: The shared HTTP session.
        max_clients: How many clients to keep (the least recently used goes first).
        clock: Monotonic seconds, for how long an access token is reused.
    """

    def __init__(self, http: ConnectorHttp, *, max_clients: int = MAX_CLIENTS,
                 clock: Callable[[], float] = time.monotonic):
        self._http = http
        self._max = max_clients
        self._clock = clock
        self._clients: OrderedDict[tuple[str, str, str], ConnectorClient] = OrderedDict()
        self._token_clients: dict[str, UserTokenClient] = {}

    def factory(self, inner: ConnectorFactory) -> ConnectorFactory:
        """Wrap the SDK's per-turn factory so that it hands out pooled clients."""
        if isinstance(inner, _PooledFactory) or not isinstance(inner, _ConnectorFactoryImpl):
            return inner
        return _PooledFactory(inner, self)

    async def client(self, inner: _ConnectorFactoryImpl, service_url: str, audience: str | None) -> ConnectorClient:
        """The pooled client for this factory's app id, the audience and the service URL."""
        key = (inner._app_id or "", audience or inner._to_channel_from_bot_oauth_scope or "", service_url)
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
            return client
        client = await inner.create(service_url, audience)
        # msrest checks each outgoing model against its constraints before sending; the
        # connector checks them again, and the check was 6% of a proactive send.
        client._serialize.client_side_validation = False
        client._serialize.body = FastBody(client._serialize, client._serialize.body)
        config = client.config
        token = AccessToken(config.credentials, self._clock)
        config.pipeline = AsyncPipeline(
            [config.user_agent_policy, _BearerToken(token), RawDeserializer(), config.http_logger_policy],
            AiohttpSender(self._http, timeout=config.connection.timeout),
        )
        client.conversations = FastConversations(client.conversations, http=self._http, token=token,
                                                 base_url=config.base_url, user_agent=config.user_agent,
                                                 timeout=config.connection.timeout)
        self._clients[key] = client
        if len(self._clients) > self._max:
            self._clients.popitem(last=False)
        return client

    async def user_token_client(self, app_id: str, create: Callable[[], Any]) -> UserTokenClient:
        """The user-token client for ``app_id`` (the bot never signs users in, but the SDK asks)."""
        client = self._token_clients.get(app_id)
        if client is None:
            client = await create()
            self._token_clients[app_id] = client
        return client


class _PooledFactory(ConnectorFactory):
    def __init__(self, inner: _ConnectorFactoryImpl, pool: ConnectorPool):
        self._inner = inner
        self._pool = pool

    async def create(self, service_url: str, audience: str = None) -> ConnectorClient:  # type: ignore[assignment]
        return await self._pool.client(self._inner, service_url, audience)


class PooledAuthentication(BotFrameworkAuthentication):
    """The SDK's authentication, unchanged, except that its connector clients come from a pool.

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
            result.connector_factory = self._pool.factory(result.connector_factory)
        return result

    async def authenticate_streaming_request(self, auth_header: str,
                                             channel_id_header: str) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._pool.factory(self._inner.create_connector_factory(claims_identity))

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = _BuiltinBotFrameworkAuthentication.get_app_id(claims_identity) or ""
        return await self._pool.user_token_client(
            app_id, lambda: self._inner.create_user_token_client(claims_identity))

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)
