"""Everything we change about the archived botbuilder SDK's behaviour, in one module.

Each change is kept because a measured figure or a safety problem justifies it (instructions a
turn from ``python -m bench.instructions --turns 70 --participants 10 --seeded 1000``;
``docs/architecture.md``, "Where the SDK is changed"), and each has a test that fails when the
SDK changes under it (``tests/unit/test_sdk_fixes.py``, ``tests/unit/test_signing_keys.py``).
:func:`apply_sdk_fixes` (called once, by ``bot.teams.adapter.create_adapter``) installs the only
process-wide changes:

- :func:`let_the_store_skip_unchanged_state`: the "did the state change?" check is left to the
  store, which compares with what it read, instead of jsonpickle fingerprints on every load and
  save. Only the public ``CachedBotState.compute_hash`` is replaced; ``BotState.save_changes``
  stays the SDK's. The store's comparison instead of the codec's JSON fingerprints took a turn
  from 18.8 M to 16.3 M instructions (70 turns); jsonpickle's instead of the codec's costs another
  0.9 M. ``CachedBotState`` is built inside ``BotState.load``, so no public way chooses it.
- ``bot.teams.signing_keys.fetch_signing_keys_off_the_loop``: a safety fix, not a speed-up. The SDK
  downloads its token signing keys with blocking calls without a timeout inside the turn;
  they are fetched in a worker thread within 10 s instead (``bot/teams/signing_keys.py``).

:func:`invoke_body_to_json` patches nothing: ``bot.teams.adapter`` calls it to answer invokes whose
handler returned a dict (the SDK answers those with a 500). The connector clients' one msrest
shortcut (an aiohttp sender) is applied per client in ``bot/teams/connector_http.py``.

Dropped on purpose, with what they had bought (``docs/benchmarks.md``): replies copied one level
deep instead of the SDK's deep copy (a replaced module global of ``botbuilder.core.turn_context``,
0.5 M a turn), a replaced ``BotState.save_changes`` that read the SDK's private ``_storage``
(1.3 M a turn, now nothing: the SDK's own save is cheap once its fingerprint is), msrest's
retry-policy speed-up (nothing once connector and user-token clients are kept, see
``bot/teams/connector_pool.py``) and dialog memory built only when asked (0.2 M of 6.7 M a turn,
for a copy of ``DialogContext.__init__`` that an upgrade would silently undo).
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import bot_state, serializer_helper
from msrest.serialization import Model

from bot.teams.signing_keys import fetch_signing_keys_off_the_loop


def apply_sdk_fixes() -> None:
    """Install every process-wide change to the SDK listed in this module's docstring. Idempotent."""
    let_the_store_skip_unchanged_state()
    fetch_signing_keys_off_the_loop()


class _StoreDecides:
    """The SDK fingerprint of every state: equal to no other, so the SDK's save hands it to the store."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<compared by the store>"


def let_the_store_skip_unchanged_state() -> None:
    """Leave the "did the state change?" check to the store, which compares with what it read.

    ``BotState`` fingerprints the state it loads and again on every save (jsonpickle's flattening
    of the whole state, dialog stack included) to skip writing unchanged state. The store does
    that comparison better and once: ``storage.bot_state.SqlStorage`` remembers the JSON it read
    under each e_tag and skips a write whose encoded document is still that JSON, so a save
    encodes the state once and a load not at all. Here the public ``CachedBotState.compute_hash``
    returns a new object each time, equal to no earlier fingerprint: the SDK's own
    ``save_changes`` then sees every loaded state as changed and hands it to the store, and any
    other ``BotState`` keeps saving correctly (it writes more often, never less). Idempotent.
    """
    if getattr(bot_state.CachedBotState.compute_hash, "_sparringbot", False):
        return

    def compute_hash(self: Any, obj: object) -> Any:
        return _StoreDecides()

    compute_hash._sparringbot = True  # type: ignore[attr-defined]
    bot_state.CachedBotState.compute_hash = compute_hash


def invoke_body_to_json(body: Any) -> Any:
    """Serialise an invoke response body the way Teams expects.

    botbuilder 4.17 runs every body through the msrest serializer, which fails (HTTP 500)
    on the plain dicts that ``adaptiveCard/action`` handlers return. Only msrest models
    need serialising; dicts, lists and scalars pass through untouched.
    """
    if isinstance(body, Model):
        value = getattr(body, "value", None)
        if isinstance(value, Exception):
            # botbuilder 4.17 answers a malformed adaptiveCard/action with
            # AdaptiveCardInvokeResponse(value=Exception(code, message)), which its own
            # serializer cannot handle (HTTP 500): send Teams' error shape instead.
            code, message = (list(value.args) + ["BadRequest", ""])[:2]
            return {"statusCode": int(getattr(body, "status_code", 400) or 400),
                    "type": getattr(body, "type", None) or "application/vnd.microsoft.error",
                    "value": {"code": str(code), "message": str(message)}}
        return serializer_helper(body)
    return body
