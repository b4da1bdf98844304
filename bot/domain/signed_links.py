"""Signed, expiring download links: ``<subject>.<expiry>.<signature>``; no database needed.

A subject names what the link opens: ``doc-<id>`` for a document, ``export-submissions-xlsx-nl``
for an export (what, format, the language of its headings). It holds only letters, digits and
dashes, so the token needs no escaping.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta

LINK_LIFETIME = timedelta(hours=24)
_SUBJECT = re.compile(r"^[a-z0-9-]{1,160}$")


def sign(subject: str, expires_at: datetime, secret: bytes) -> str:
    """A token that opens ``subject`` until ``expires_at``."""
    if not _SUBJECT.match(subject):
        raise ValueError(f"bad link subject {subject!r}")
    payload = f"{subject}.{int(expires_at.timestamp())}"
    return f"{payload}.{_signature(payload, secret)}"


def verify(token: str, now: datetime, secret: bytes) -> str | None:
    """The subject of a valid, unexpired token, else ``None``."""
    parts = token.split(".")
    if len(parts) != 3 or not _SUBJECT.match(parts[0]) or not parts[1].isdigit():
        return None
    if not hmac.compare_digest(_signature(f"{parts[0]}.{parts[1]}", secret), parts[2]):
        return None
    return parts[0] if int(parts[1]) >= now.timestamp() else None


def _signature(payload: str, secret: bytes) -> str:
    return hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()[:32]
