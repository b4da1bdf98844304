"""Everything we change about the archived botbuilder SDK's behaviour, in one place.

Each fix has a test in ``tests/unit/test_sdk_fixes.py`` that fails when the SDK changes, so
the channel layer can be upgraded or swapped (Microsoft 365 Agents SDK) knowingly.
"""

from __future__ import annotations

import copy
from typing import Any

from botbuilder.core import bot_state, serializer_helper, turn_context
from botbuilder.core.bot_assert import BotAssert
from botbuilder.dialogs import DialogContext
from botbuilder.dialogs.memory import DialogStateManager
from msrest.serialization import Model
from msrest.universal_http.requests import ClientRetryPolicy

from storage.state_codec import fingerprint


def speed_up_retry_policy() -> None:
    """Make msrest's retry policy cheap to build.

    ``CloudAdapter`` builds new connector clients every turn; each builds a
    ``ClientRetryPolicy`` whose constructor tests ``i not in safe_codes`` for 999 codes
    against a 500-element list, about three quarters of a turn. A frozenset gives the
    same ``status_forcelist`` at a fraction of the cost. Idempotent.
    """
    if not isinstance(ClientRetryPolicy.safe_codes, frozenset):
        ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)


def speed_up_state_hash() -> None:
    """Make the state change check cheap.

    ``BotState`` keeps a fingerprint of the state it loaded and compares it with a new one
    on save, to skip writing unchanged state; after a write it takes the fingerprint once more.
    The SDK's fingerprint is jsonpickle's flattening of the whole state (dialog stack included).
    The store's own JSON form (``storage.state_codec.fingerprint``, without the ``e_tag``, which
    only the store changes) is a fingerprint too, and cheaper; the one taken to decide about a
    write is kept as the state's after it. Objects the codec cannot store fall back to the SDK's
    way (the write then reports them). Idempotent.
    """
    if getattr(bot_state.CachedBotState.compute_hash, "_sparringbot", False):
        return
    original = bot_state.CachedBotState.compute_hash

    def compute_hash(self: Any, obj: object) -> Any:
        text = fingerprint(obj)
        return text if text is not None else original(self, obj)

    async def save_changes(self: Any, turn_context: Any, force: bool = False) -> None:
        # The SDK's save_changes, with the fingerprint taken once instead of before and after the write.
        BotAssert.context_not_none(turn_context)
        cached_state = self.get_cached_state(turn_context)
        state_fingerprint = cached_state.compute_hash(cached_state.state) if cached_state is not None else None
        if force or (cached_state is not None and cached_state.hash != state_fingerprint):
            storage_key = self.get_storage_key(turn_context)
            await self._storage.write({storage_key: cached_state.state})
            cached_state.hash = state_fingerprint

    compute_hash._sparringbot = True  # type: ignore[attr-defined]
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


def build_dialog_memory_when_asked() -> None:
    """Build a dialog context's memory manager when something asks for it, not for every context.

    ``DialogContext.__init__`` builds a ``DialogStateManager`` (memory scopes, path resolvers,
    a component registration) for each context: three a turn in the question dialog, and nothing
    here reads them (only declarative dialogs and ``DialogExtensions`` do). ``state`` becomes a
    property that builds the same manager on first use. Idempotent.
    """
    if isinstance(DialogContext.__dict__.get("state"), property):
        return

    def __init__(self: Any, dialog_set: Any, turn_context: Any, state: Any) -> None:
        # The SDK's __init__, without building the memory manager.
        if dialog_set is None:
            raise TypeError("DialogContext(): dialog_set cannot be None.")
        if turn_context is None:
            raise TypeError("DialogContext(): turn_context cannot be None.")
        self._turn_context = turn_context
        self._dialogs = dialog_set
        self._stack = state.dialog_stack
        self.services = {}
        self.parent = None

    def memory(self: Any) -> DialogStateManager:
        manager = self.__dict__.get("_memory")
        if manager is None:
            manager = self.__dict__["_memory"] = DialogStateManager(self)
        return manager

    def set_memory(self: Any, manager: DialogStateManager) -> None:
        self.__dict__["_memory"] = manager

    DialogContext.__init__ = __init__  # type: ignore[method-assign]
    DialogContext.state = property(memory, set_memory)  # type: ignore[assignment]


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
