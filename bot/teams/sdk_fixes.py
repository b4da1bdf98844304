"""Everything we change about the archived botbuilder SDK's behaviour, applied in one place.

:func:`apply_sdk_fixes` (called once, by ``bot.teams.adapter.create_adapter``) installs the only
process-wide changes, each kept because a measured figure or a safety problem justifies it
(instructions a turn from ``python -m bench.instructions``, 140 turns; ``docs/architecture.md``):

- :func:`let_the_store_skip_unchanged_state`: the state change check is left to the store, which
  compares with what it read, instead of jsonpickle fingerprints on every load and save. Without
  any such fix a turn took 12.5 M instructions instead of 6.4 M (140 turns); the store's comparison
  instead of the codec's JSON fingerprints took a turn from 18.8 M to 16.3 M (70 turns, after the
  shortcuts of issue 17 were removed; ``docs/architecture.md``).
- :func:`copy_replies_shallowly`: replies copied one level deep, not value by value (7.1 M -> 6.4 M).
- ``bot.teams.signing_keys.fetch_signing_keys_off_the_loop``: a safety fix, not a speed-up. The SDK
  downloads its token signing keys with blocking calls without a timeout inside the turn;
  they are fetched in a worker thread within 10 s instead (``bot/teams/signing_keys.py``).

:func:`invoke_body_to_json` patches nothing: ``bot.teams.adapter`` calls it to answer invokes whose
handler returned a dict (the SDK answers those with a 500). The connector clients' msrest
shortcuts are applied per client in ``bot/teams/connector_http.py``.

Each fix has a test (``tests/unit/test_sdk_fixes.py``, ``tests/unit/test_signing_keys.py``)
that fails when the SDK changes under it, so the channel layer can be upgraded or swapped
(Microsoft 365 Agents SDK) knowingly. Dropped on purpose, with what they had bought: msrest's
retry-policy speed-up (nothing once connector and user-token clients are kept, see
``bot/teams/connector_pool.py``) and dialog memory built only when asked (0.2 M of 6.7 M a turn,
for a copy of ``DialogContext.__init__`` that an upgrade would silently undo).
"""

from __future__ import annotations

import copy
from typing import Any

from botbuilder.core import bot_state, serializer_helper, turn_context
from botbuilder.core.bot_assert import BotAssert
from msrest.serialization import Model

from bot.teams.signing_keys import fetch_signing_keys_off_the_loop


def apply_sdk_fixes() -> None:
    """Install every process-wide change to the SDK listed in this module's docstring. Idempotent."""
    let_the_store_skip_unchanged_state()
    copy_replies_shallowly()
    fetch_signing_keys_off_the_loop()


# What every loaded state's SDK fingerprint is: the store compares documents itself (see below).
_STORE_DECIDES = "compared by the store"


def let_the_store_skip_unchanged_state() -> None:
    """Leave the "did the state change?" check to the store, which compares with what it read.

    ``BotState`` fingerprints the state it loads and again on every save (jsonpickle's flattening
    of the whole state, dialog stack included) to skip writing unchanged state. The store does
    that comparison better and once: ``storage.bot_state.SqlStorage`` remembers the JSON it read
    under each e_tag and skips a write whose encoded document is still that JSON, so a save
    encodes the state once and a load not at all. Here the SDK's fingerprint becomes a constant
    and ``save_changes`` hands every loaded state to the store. Idempotent.
    """
    if getattr(bot_state.BotState.save_changes, "_sparringbot", False):
        return

    def compute_hash(self: Any, obj: object) -> Any:
        return _STORE_DECIDES

    async def save_changes(self: Any, turn_context: Any, force: bool = False) -> None:
        # The SDK's save_changes without its own change check: every loaded state goes to the
        # store, which writes only what changed. ``force`` and ``clear_state`` keep their meaning:
        # both write, the store skipping only a document it holds unchanged.
        BotAssert.context_not_none(turn_context)
        cached_state = self.get_cached_state(turn_context)
        if cached_state is not None:
            storage_key = self.get_storage_key(turn_context)
            await self._storage.write({storage_key: cached_state.state})
            cached_state.hash = _STORE_DECIDES

    save_changes._sparringbot = True  # type: ignore[attr-defined]
    bot_state.CachedBotState.compute_hash = compute_hash
    bot_state.BotState.save_changes = save_changes


def copy_replies_shallowly() -> None:
    """Copy each outgoing activity one level deep instead of all the way down.

    ``TurnContext.send_activities`` deep-copies every activity before addressing it, so that
    addressing cannot change the caller's object; for a reply with a card that is a copy of the
    whole card, value by value (a fifth of a help turn). Addressing (``apply_conversation_reference``
    and the SDK's own checks) only assigns attributes of the activity itself, so a copy of the
    activity's attributes protects the caller just as well; the card it shares is only read.
    ``deepcopy`` is used nowhere else in that module. Idempotent.
    """
    turn_context.deepcopy = copy.copy


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
