"""Everything we change about the archived botbuilder SDK's behaviour, in one module.

Each change is kept because a measured figure or a safety problem justifies it (instructions a
turn from ``python -m bench.instructions --turns 70 --participants 10 --seeded 1000``;
``docs/architecture.md``, "Where the SDK is changed"), and each has a test that fails when the
SDK changes under it (``tests/unit/test_sdk_fixes.py``, ``tests/unit/test_signing_keys.py``):

- :class:`SavedOnceConversationState` and :class:`SavedOnceUserState` (built by ``bot.bootstrap``
  only): ordinary subclasses of the SDK's state classes whose public ``save_changes`` takes the
  state's fingerprint once a save instead of twice (about 1.3 M of 25 M a turn).

:func:`apply_sdk_fixes` (called once, by ``bot.teams.adapter.create_adapter``) installs the only
process-wide changes:

- :func:`speed_up_state_hash`: the state change check fingerprints with the store's JSON form
  instead of jsonpickle, by replacing the public ``CachedBotState.compute_hash`` (about 0.9 M a
  turn; the states above rely on the fingerprint leaving out the ``e_tag`` the store sets).
  ``CachedBotState`` is built inside ``BotState.load``, so there is no public way to choose it.
- ``bot.teams.signing_keys.fetch_signing_keys_off_the_loop``: a safety fix, not a speed-up. The SDK
  downloads its token signing keys with blocking calls without a timeout inside the turn;
  they are fetched in a worker thread within 10 s instead (``bot/teams/signing_keys.py``).

:func:`invoke_body_to_json` patches nothing: ``bot.teams.adapter`` calls it to answer invokes whose
handler returned a dict (the SDK answers those with a 500). The connector clients' one msrest
shortcut (an aiohttp sender) is applied per client in ``bot/teams/connector_http.py``.

Dropped on purpose, with what they had bought (``docs/benchmarks.md``): replies copied one level
deep instead of the SDK's deep copy (a replaced module global of ``botbuilder.core.turn_context``,
0.5 M a turn), a replaced ``BotState.save_changes`` that read the SDK's private ``_storage``
(now the subclasses above), msrest's retry-policy speed-up (nothing once connector and user-token
clients are kept, see ``bot/teams/connector_pool.py``) and dialog memory built only when asked
(0.2 M of 6.7 M a turn, for a copy of ``DialogContext.__init__`` that an upgrade would silently undo).
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import (
    BotAssert,
    BotState,
    ConversationState,
    Storage,
    TurnContext,
    UserState,
    bot_state,
    serializer_helper,
)
from msrest.serialization import Model

from bot.teams.signing_keys import fetch_signing_keys_off_the_loop
from storage.state_codec import fingerprint


def apply_sdk_fixes() -> None:
    """Install every process-wide change to the SDK listed in this module's docstring. Idempotent."""
    speed_up_state_hash()
    fetch_signing_keys_off_the_loop()


def speed_up_state_hash() -> None:
    """Make the state change check cheap (coupled to ``storage.state_codec``: its JSON form is the fingerprint).

    ``BotState`` keeps a fingerprint of the state it loaded and compares it with a new one
    on save, to skip writing unchanged state. The SDK's fingerprint is jsonpickle's flattening
    of the whole state (dialog stack included). The store's own JSON form
    (``storage.state_codec.fingerprint``, without the ``e_tag``, which only the store changes)
    is a fingerprint too, and cheaper. Objects the codec cannot store fall back to the SDK's
    way (the write then reports them). Only ``CachedBotState.compute_hash``, a public method,
    is replaced; ``BotState.save_changes`` stays the SDK's (the states of this module override
    it in their own class). Idempotent.
    """
    if getattr(bot_state.CachedBotState.compute_hash, "_sparringbot", False):
        return
    original = bot_state.CachedBotState.compute_hash

    def compute_hash(self: Any, obj: object) -> Any:
        text = fingerprint(obj)
        return text if text is not None else original(self, obj)

    compute_hash._sparringbot = True  # type: ignore[attr-defined]
    bot_state.CachedBotState.compute_hash = compute_hash


class _SavedWithOneFingerprint(BotState):
    """``BotState.save_changes`` with the state's fingerprint taken once a save instead of twice.

    The SDK's save fingerprints the state to see whether it changed, writes it, then fingerprints
    it again to remember what it wrote; the state cannot change in between (the write only sets
    its ``e_tag``, which the fingerprint leaves out), so the first one is kept. Ordinary
    subclasses of the SDK's state classes (built by ``bot.bootstrap``), overriding the public
    ``save_changes`` with the SDK's public parts; the store is kept by this class itself.
    ``tests/unit/test_sdk_fixes.py`` fails when the SDK's save changes.
    """

    def __init__(self, storage: Storage, *args: Any, **kwargs: Any):
        super().__init__(storage, *args, **kwargs)
        self._store = storage

    async def save_changes(self, turn_context: TurnContext, force: bool = False) -> None:
        """Write the state cached for this turn if it changed (or ``force``), as the SDK does.

        Args:
            turn_context: The turn whose state is saved.
            force: Write even when nothing changed.
        """
        BotAssert.context_not_none(turn_context)
        cached_state = self.get_cached_state(turn_context)
        state_fingerprint = cached_state.compute_hash(cached_state.state) if cached_state is not None else None
        if force or (cached_state is not None and cached_state.hash != state_fingerprint):
            await self._store.write({self.get_storage_key(turn_context): cached_state.state})
            cached_state.hash = state_fingerprint


class SavedOnceConversationState(_SavedWithOneFingerprint, ConversationState):
    """The SDK's ``ConversationState``, fingerprinted once a save (see :class:`_SavedWithOneFingerprint`)."""


class SavedOnceUserState(_SavedWithOneFingerprint, UserState):
    """The SDK's ``UserState``, fingerprinted once a save (see :class:`_SavedWithOneFingerprint`)."""


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
