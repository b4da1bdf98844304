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
        return serializer_helper(body)
    return body
