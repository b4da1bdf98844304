"""These fail when the botbuilder/msrest behaviour we patch around changes."""

from botbuilder.core import MemoryStorage
from botbuilder.schema import InvokeResponse

from bot.teams.sdk_fixes import invoke_body_to_json


def test_invoke_bodies_that_are_dicts_pass_through():
    body = {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": {"a": 1}}
    assert invoke_body_to_json(body) is body


def test_invoke_bodies_that_are_models_are_serialised():
    assert invoke_body_to_json(InvokeResponse(status=200, body={"x": 1})) == {"status": 200, "body": {"x": 1}}


def test_the_sdk_still_needs_the_fix():
    """When this starts passing without our helper, the SDK bug is gone and the fix can go."""
    from botbuilder.core import serializer_helper

    try:
        broken = serializer_helper({"statusCode": 200, "value": {"a": 1}}) != {"statusCode": 200, "value": {"a": 1}}
    except Exception:
        broken = True
    assert broken


def test_the_sdks_malformed_card_action_error_is_serialised():
    """botbuilder answers a malformed adaptiveCard/action with an Exception as value (msrest: 500)."""
    from botbuilder.core import ActivityHandler
    from botbuilder.schema import AdaptiveCardInvokeResponse

    response = ActivityHandler()._create_adaptive_card_invoke_error_response(400, "BadRequest", "no action")
    assert isinstance(response, AdaptiveCardInvokeResponse) and isinstance(response.value, Exception)
    assert invoke_body_to_json(response) == {"statusCode": 400, "type": "application/vnd.microsoft.error",
                                             "value": {"code": "BadRequest", "message": "no action"}}


def test_state_fingerprint_still_sees_every_change():
    """After the speed-up the SDK's change check still notices nested changes and only those."""
    from botbuilder.core.bot_state import CachedBotState
    from botbuilder.dialogs import DialogInstance, DialogState

    from bot.teams.sdk_fixes import speed_up_state_hash

    speed_up_state_hash()
    speed_up_state_hash()  # idempotent
    stack = DialogState([DialogInstance("question", {"values": {"text": "Hoe?"}})])
    cached = CachedBotState({"DialogState": stack, "locale": "nl"})
    assert not cached.is_changed
    stack.dialog_stack[0].state["values"]["text"] = "Hoe dan?"
    assert cached.is_changed
    unpicklable = CachedBotState({"callback": lambda: None})  # falls back to jsonpickle, no error
    assert not unpicklable.is_changed


def test_the_sdk_fingerprints_state_with_jsonpickle():
    """When this fails the SDK changed its change check: look again at speed_up_state_hash."""
    import inspect

    import botbuilder.core.bot_state as module

    assert "return str(Pickler().flatten(obj))" in inspect.getsource(module)


def test_the_sdk_still_saves_as_the_saved_once_states_assume():
    """When this fails the SDK's save changed: look again at sdk_fixes._SavedWithOneFingerprint."""
    import inspect

    from botbuilder.core import BotState

    source = inspect.getsource(BotState.save_changes)
    assert "cached_state.is_changed" in source
    assert "await self._storage.write(changes)" in source
    assert source.rstrip().endswith("cached_state.hash = cached_state.compute_hash(cached_state.state)")


class CountingStorage(MemoryStorage):
    """botbuilder's MemoryStorage that counts writes (a fake over the public Storage interface)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    async def write(self, changes):  # type: ignore[no-untyped-def]
        self.writes += 1
        await super().write(changes)


async def test_saved_once_states_write_changes_only_and_fingerprint_once_a_save(monkeypatch):
    from botbuilder.core import TurnContext
    from botbuilder.core.adapters import TestAdapter
    from botbuilder.core.bot_state import CachedBotState
    from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

    from bot.teams.sdk_fixes import SavedOnceConversationState, SavedOnceUserState

    fingerprints = []
    original = CachedBotState.compute_hash

    def counting(self, obj):  # type: ignore[no-untyped-def]
        fingerprints.append(1)
        return original(self, obj)

    monkeypatch.setattr(CachedBotState, "compute_hash", counting)
    incoming = Activity(type="message", channel_id="msteams", from_property=ChannelAccount(id="29:anna"),
                        conversation=ConversationAccount(id="a:1"), recipient=ChannelAccount(id="28:bot"))
    for make in (SavedOnceConversationState, SavedOnceUserState):
        storage = CountingStorage()
        state = make(storage)
        context = TurnContext(TestAdapter(), incoming)
        await state.load(context)
        await state.save_changes(context)  # the SDK writes a new (empty) document once
        await state.save_changes(context)
        assert storage.writes == 1  # unchanged: nothing written
        await state.create_property("locale").set(context, "nl")
        fingerprints.clear()
        await state.save_changes(context)
        assert storage.writes == 2 and len(fingerprints) == 1  # the SDK's own save takes two
        await state.save_changes(context)
        assert storage.writes == 2  # what was written is remembered as unchanged
        await state.save_changes(context, force=True)
        assert storage.writes == 3
        reread, fresh = make(storage), TurnContext(TestAdapter(), incoming)
        await reread.load(fresh)
        assert await reread.create_property("locale").get(fresh) == "nl"
