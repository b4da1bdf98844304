"""Everything we change about the archived botbuilder SDK's behaviour, in one place.

Each fix has a test in ``tests/unit/test_sdk_fixes.py`` that fails when the SDK changes, so
the channel layer can be upgraded or swapped (Microsoft 365 Agents SDK) knowingly.
"""

from __future__ import annotations

import pickle
from typing import Any

from botbuilder.core import bot_state, serializer_helper
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


def speed_up_state_hash() -> None:
    """Make the state change check cheap.

    ``BotState`` keeps a fingerprint of the state it loaded and compares it with a new one
    on save, to skip writing unchanged state. Both fingerprints are jsonpickle's flattening
    of the whole state (dialog stack included), twice a turn: about 5% of a turn. A pickle
    of the same objects is a fingerprint too (any change of a value changes the bytes) and
    is made in C. Objects pickle cannot handle fall back to the SDK's way. Idempotent.
    """
    if getattr(bot_state.CachedBotState.compute_hash, "_sparringbot", False):
        return
    original = bot_state.CachedBotState.compute_hash

    def compute_hash(self: Any, obj: object) -> Any:
        try:
            return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an object pickle refuses (a lambda, a lock): jsonpickle copes
            return original(self, obj)

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
