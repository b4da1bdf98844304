"""These fail when the botbuilder/msrest behaviour we patch around changes."""

from botbuilder.schema import InvokeResponse
from msrest.universal_http.requests import ClientRetryPolicy

from bot.sdk_fixes import invoke_body_to_json, speed_up_retry_policy


def test_retry_policy_speed_up_keeps_the_same_retry_codes():
    original = [i for i in range(999) if i not in ([i for i in range(500) if i != 408] + [501, 505])]
    speed_up_retry_policy()
    speed_up_retry_policy()  # idempotent
    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
    assert ClientRetryPolicy().policy.status_forcelist == original


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
