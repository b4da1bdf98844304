"""Signed, expiring download links: ``<document id>.<expiry>.<signature>``; no database needed."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta


def sign(document_id: int, expires_at: datetime, secret: bytes) -> str:
    """A token that opens ``document_id`` until ``expires_at``."""
    payload = f"{document_id}.{int(expires_at.timestamp())}"
    signature = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{payload}.{signature}"


def verify(token: str, now: datetime, secret: bytes) -> int | None:
    """The document id of a valid, unexpired token, else ``None``."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    expected = hmac.new(secret, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(expected, parts[2]) or int(parts[1]) < now.timestamp():
        return None
    return int(parts[0])


LINK_LIFETIME = timedelta(hours=24)
