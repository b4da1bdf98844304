"""Replies and proactive messages sent straight over aiohttp, past msrest's pipeline.

Every reply of every turn is a ``reply_to_activity``, every proactive message a
``send_to_conversation``. msrest builds a request object, formats the URL with ``urlparse`` and
``urljoin``, walks four policies and a sender, and copies headers twice on the way, for one POST
of JSON. :class:`FastConversations` sends the same request (URL, headers, body) itself and reads
the answer with the client's own deserializer; an error is the SDK's ``ErrorResponseException``
built from the same response, so callers see what they saw before. Every other operation, and
any call with options these two do not know, goes to the SDK's operations unchanged.
``tests/unit/test_connector_pool.py`` compares the requests of both ways.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import aiohttp
from botframework.connector.models import ErrorResponseException
from msrest.universal_http import ClientRequest

from bot.connector_http import AccessToken, ConnectorHttp
from bot.model_reader import schema_reader


class FastConversations:
    """``ConnectorClient.conversations`` with its two hot calls sent directly.

    Args:
        operations: The SDK's ``ConversationsOperations`` of the same client.
        http: The shared aiohttp session.
        token: The client's access token.
        base_url: The service URL the client was built for.
        user_agent: The client's ``User-Agent``.
        timeout: Seconds a whole call may take (the client's own setting).
    """

    def __init__(self, operations: Any, *, http: ConnectorHttp, token: AccessToken, base_url: str,
                 user_agent: str, timeout: float):
        self._operations = operations
        self._http = http
        self._token = token
        self._base = base_url.rstrip("/") + "/"
        self._user_agent = user_agent
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._operations, name)

    async def reply_to_activity(self, conversation_id: str, activity_id: str, activity: Any, *,
                                custom_headers: Any = None, raw: bool = False, **operation_config: Any) -> Any:
        """``ConversationsOperations.reply_to_activity``: a reply to ``activity_id``."""
        if custom_headers or raw or operation_config or not _ids(conversation_id, activity_id):
            return await self._operations.reply_to_activity(conversation_id, activity_id, activity,
                                                            custom_headers=custom_headers, raw=raw,
                                                            **operation_config)
        return await self._post(f"v3/conversations/{quote(conversation_id, safe='')}/activities/"
                                f"{quote(activity_id, safe='')}", activity, {"x-ms-conversation-id": conversation_id})

    async def send_to_conversation(self, conversation_id: str, activity: Any, *, custom_headers: Any = None,
                                   raw: bool = False, **operation_config: Any) -> Any:
        """``ConversationsOperations.send_to_conversation``: a message at the end of the conversation."""
        if custom_headers or raw or operation_config or not _ids(conversation_id):
            return await self._operations.send_to_conversation(conversation_id, activity,
                                                               custom_headers=custom_headers, raw=raw,
                                                               **operation_config)
        return await self._post(f"v3/conversations/{quote(conversation_id, safe='')}/activities", activity, {})

    async def _post(self, path: str, activity: Any, extra_headers: dict[str, str]) -> Any:
        operations = self._operations
        url = self._base + path
        headers = {"Accept": "application/json", "Content-Type": "application/json; charset=utf-8",
                   **extra_headers, "User-Agent": self._user_agent}
        authorization = await self._token.authorization()
        if authorization is not None:
            headers["Authorization"] = authorization
        data = json.dumps(operations._serialize.body(activity, "Activity")).encode()
        response = await self._http.call(ClientRequest("POST", url), headers=headers, data=data,
                                         timeout=self._timeout)
        body = response.body()
        self._token.answered(response.status_code)
        if response.status_code not in (200, 201, 202):
            raise ErrorResponseException(operations._deserialize, response)
        if body and "json" in response.headers.get("Content-Type", "").lower():
            try:
                answer_json = json.loads(body)
            except ValueError:
                answer_json = None
            if isinstance(answer_json, dict):  # the usual {"id": ...}: read without msrest's detours
                return schema_reader()("ResourceResponse", answer_json)
        return operations._deserialize("ResourceResponse", response)


def _ids(*ids: Any) -> bool:
    # msrest refuses a missing id with its own error; leave those calls to it.
    return all(isinstance(value, str) for value in ids)
