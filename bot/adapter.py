"""The Bot Framework adapter and the HTTP handling of ``POST /api/messages``."""

from __future__ import annotations

import json
import logging

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.config import Settings
from bot.connector_pool import ConnectorPool, PooledAuthentication
from bot.model_reader import schema_reader
from bot.sdk_fixes import (
    build_dialog_memory_when_asked,
    copy_replies_shallowly,
    invoke_body_to_json,
    speed_up_retry_policy,
    speed_up_state_hash,
)
from bot.signing_keys import fetch_signing_keys_off_the_loop

log = logging.getLogger(__name__)


def create_adapter(settings: Settings, pool: ConnectorPool) -> CloudAdapter:
    """A ``CloudAdapter`` configured from settings (authentication off without an app id).

    Args:
        settings: Validated settings.
        pool: Where the adapter's connector clients are kept between turns.
    """
    speed_up_retry_policy()
    speed_up_state_hash()
    copy_replies_shallowly()
    build_dialog_memory_when_asked()
    fetch_signing_keys_off_the_loop()
    return CloudAdapter(PooledAuthentication(ConfigurationBotFrameworkAuthentication(settings), pool))


async def process_activity_request(
    request: web.Request, *, adapter: CloudAdapter, bot: Bot, max_body_bytes: int
) -> web.Response:
    """Validate, authenticate and run one incoming activity.

    Unlike ``CloudAdapter.process``, every authentication failure is a 401 (the SDK lets
    several token errors escape as 500), bad bodies are a 400 or 413 with a short reason,
    and invoke responses are serialised without the SDK's dict bug.
    """
    if "application/json" not in request.headers.get("Content-Type", ""):
        return _error(415, "Content-Type must be application/json")
    if request.content_length is not None and request.content_length > max_body_bytes:
        return _error(413, f"body larger than {max_body_bytes} bytes")
    raw = await _read_at_most(request, max_body_bytes + 1)
    if len(raw) > max_body_bytes:
        return _error(413, f"body larger than {max_body_bytes} bytes")
    try:
        body = json.loads(raw.decode("utf-8"))  # strict: json.loads(bytes) would let lone surrogates in
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _error(400, "body is not valid JSON")
    if not isinstance(body, dict):
        return _error(400, "body must be a JSON object (an activity)")
    try:
        activity = schema_reader()("Activity", body)
    except Exception:  # msrest raises several unrelated types for wrong-typed fields
        return _error(400, "body is not a valid activity")
    if not activity.type or not isinstance(activity.type, str):
        return _error(400, "activity has no type")
    auth_header = request.headers.get("Authorization", "")
    try:
        authenticated = await adapter.bot_framework_authentication.authenticate_request(
            activity, auth_header
        )
    except Exception as error:  # every token problem is the caller's: 401, never 500
        log.warning("refused activity: authentication failed (%s)", type(error).__name__)
        return _error(401, "unauthorized")
    invoke_response = await adapter.process_activity(authenticated, activity, bot.on_turn)
    if invoke_response:
        return web.json_response(invoke_body_to_json(invoke_response.body), status=invoke_response.status)
    return web.Response(status=201)


async def _read_at_most(request: web.Request, limit: int) -> bytes:
    """Up to ``limit`` bytes of the body: ``StreamReader.read(n)`` returns only what has arrived."""
    raw = bytearray()
    while len(raw) < limit:
        chunk = await request.content.read(limit - len(raw))
        if not chunk:
            break
        raw += chunk
    return bytes(raw)


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)
