"""The Bot Framework adapter and the HTTP handling of ``POST /api/messages``."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity

from bot.config import Settings
from bot.teams.connector_pool import ConnectorPool, PooledAuthentication
from bot.teams.sdk_fixes import apply_sdk_fixes, invoke_body_to_json

log = logging.getLogger(__name__)

# How deep arrays and objects may nest in a body. A Teams activity nests about eight deep (a
# card's columns inside a container inside the card inside an attachment); anything recursive
# over a much deeper body (json, msrest, copies, state pickles) would run out of stack.
MAX_JSON_DEPTH = 64


def create_adapter(settings: Settings, pool: ConnectorPool) -> CloudAdapter:
    """A ``CloudAdapter`` configured from settings (authentication off without an app id).

    Args:
        settings: Validated settings.
        pool: Where the adapter's connector clients are kept between turns.
    """
    apply_sdk_fixes()
    return CloudAdapter(PooledAuthentication(ConfigurationBotFrameworkAuthentication(settings), pool))


async def process_activity_request(
    request: web.Request, *, adapter: CloudAdapter, bot: Bot, max_body_bytes: int,
    allowed_channels: frozenset[str] = frozenset({"msteams"}),
) -> web.Response:
    """Validate, authenticate and run one incoming activity.

    Unlike ``CloudAdapter.process``, every authentication failure is a 401 (the SDK lets
    several token errors escape as 500), bad bodies are a 400 or 413 with a short reason,
    and invoke responses are serialised without the SDK's dict bug. Every check on the body
    runs before the token is validated, so nothing of a refused request reaches the bot.

    Args:
        request: The incoming ``POST /api/messages``.
        adapter: The Bot Framework adapter (its authentication validates the token).
        bot: The bot that runs the turn.
        max_body_bytes: Larger bodies are refused with 413.
        allowed_channels: Channel ids the bot answers (``ALLOWED_CHANNELS``); others get 403.
    """
    if "application/json" not in request.headers.get("Content-Type", ""):
        return _error(415, "Content-Type must be application/json")
    if request.content_length is not None and request.content_length > max_body_bytes:
        return _error(413, f"body larger than {max_body_bytes} bytes")
    raw = await _read_at_most(request, max_body_bytes + 1)
    if len(raw) > max_body_bytes:
        return _error(413, f"body larger than {max_body_bytes} bytes")
    try:
        activity = read_activity(raw)
    except BadBody as refusal:
        return _error(400, str(refusal))
    except RecursionError:  # anything recursive over the body that the depth check missed: still the body's fault
        return _error(400, "body is not a valid activity")
    channel = activity.channel_id
    if not isinstance(channel, str) or channel not in allowed_channels:
        # Refused before the token is even looked at: a token endorsed for Web Chat is valid
        # for Web Chat, and the SDK skips the endorsement check when channelId is missing.
        log.warning("refused activity: channel %.64s is not in ALLOWED_CHANNELS", channel)
        return _error(403, "channel not allowed")
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


class BadBody(Exception):
    """The body cannot be an activity; the message is the reason the caller gets."""


def read_activity(raw: bytes) -> Activity:
    """The activity in ``raw``, read as the SDK's own ``CloudAdapter.process`` reads it (msrest's ``deserialize``).

    Args:
        raw: The request body.

    Raises:
        BadBody: Not JSON, not an object, nested deeper than ``MAX_JSON_DEPTH``, or not an activity.
    """
    try:
        body = json.loads(raw.decode("utf-8"))  # strict: json.loads(bytes) would let lone surrogates in
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadBody("body is not valid JSON") from error
    except RecursionError as error:  # json's own guard gives up about a thousand levels deep
        raise BadBody(f"body nests arrays and objects deeper than {MAX_JSON_DEPTH} levels") from error
    if not isinstance(body, dict):
        raise BadBody("body must be a JSON object (an activity)")
    if nested_deeper_than(body, MAX_JSON_DEPTH):
        raise BadBody(f"body nests arrays and objects deeper than {MAX_JSON_DEPTH} levels")
    try:
        activity = Activity.deserialize(body)
    except Exception as error:  # msrest raises several unrelated types for wrong-typed fields
        raise BadBody("body is not a valid activity") from error
    if not activity.type or not isinstance(activity.type, str):
        raise BadBody("activity has no type")
    return activity


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects in ``value`` nest more than ``limit`` levels (the outermost is level 1).

    Walks with a stack of its own instead of recursing, so no body can exhaust Python's.

    Args:
        value: A parsed JSON value.
        limit: The deepest nesting allowed.
    """
    pending: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, (dict, list)) else []
    while pending:
        container, depth = pending.pop()
        if depth > limit:
            return True
        children = container.values() if isinstance(container, dict) else container
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


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
