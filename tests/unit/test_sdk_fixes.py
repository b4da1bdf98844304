"""These fail when the botbuilder/msrest behaviour we patch around changes."""

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


def test_the_store_decides_about_state_writes():
    """Every loaded state goes to the store on save; the SDK fingerprints nothing (idempotent)."""
    from botbuilder.core.bot_state import BotState, CachedBotState

    from bot.teams.sdk_fixes import let_the_store_skip_unchanged_state

    let_the_store_skip_unchanged_state()
    let_the_store_skip_unchanged_state()
    cached = CachedBotState({"callback": lambda: None})  # nothing is flattened: no error, no cost
    assert cached.hash == cached.compute_hash(cached.state)
    assert getattr(BotState.save_changes, "_sparringbot", False)


def test_the_sdk_still_decides_with_a_fingerprint_of_its_own():
    """When this fails the SDK changed its change check: look again at let_the_store_skip_unchanged_state."""
    import inspect

    import botbuilder.core.bot_state as module

    source = inspect.getsource(module)
    assert "return str(Pickler().flatten(obj))" in source
    assert "self.hash = self.compute_hash(state)" in source
    assert "cached_state.is_changed" in source and "await self._storage.write(changes)" in source


async def test_replies_are_copied_so_that_addressing_leaves_the_callers_activity_alone():
    import inspect

    from botbuilder.core import MessageFactory, TurnContext, turn_context
    from botbuilder.core.adapters import TestAdapter
    from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

    from bot.teams.sdk_fixes import copy_replies_shallowly

    copy_replies_shallowly()
    copy_replies_shallowly()  # idempotent
    # When this fails the SDK copies (or addresses) differently: look again at the fix.
    source = inspect.getsource(turn_context)
    assert source.count("deepcopy(") == 1 and "apply_conversation_reference(deepcopy(act), ref)" in source
    adapter = TestAdapter()
    incoming = Activity(type="message", id="in-1", channel_id="msteams", service_url="http://x/",
                        from_property=ChannelAccount(id="29:anna"), recipient=ChannelAccount(id="28:bot"),
                        conversation=ConversationAccount(id="a:1"))
    card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "Hallo"}]}
    reply = MessageFactory.attachment({"contentType": "application/vnd.microsoft.card.adaptive", "content": card})
    await TurnContext(adapter, incoming).send_activity(reply)
    sent = adapter.activity_buffer[-1]
    assert sent is not reply and sent.conversation.id == "a:1" and sent.reply_to_id == "in-1"
    assert reply.conversation is None and reply.reply_to_id is None and reply.recipient is None
    assert card == {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "Hallo"}]}
