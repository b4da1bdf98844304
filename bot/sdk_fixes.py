"""Everything we change about the archived botbuilder SDK's behaviour, in one place.

Each fix has a test in ``tests/unit/test_sdk_fixes.py`` that fails when the SDK changes, so
the channel layer can be upgraded or swapped (Microsoft 365 Agents SDK) knowingly.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import serializer_helper
from msrest.serialization import Model
from msrest.universal_http.requests import ClientRetryPolicy


def speed_up_retry_policy() -> None:
    """Make msrest's retry policy cheap to build.

    ``CloudAdapter`` builds new connector clients every turn; each builds a
    ``ClientRetryPolicy`` whose constructor tests ``i not in safe_codes`` for 999 codes
    against a 500-element list, about three quarters of a turn. A frozenset gives the
    same ``status_forcelist`` at a fraction of the cost. Idempotent.
    """
    if not isinstance(ClientRetryPolicy.safe_codes, frozenset):
        ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)


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
