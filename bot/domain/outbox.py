"""The durable outbox: every proactive message is planned here once, then delivered.

Delivery guarantee: a message is sent at least once and, in practice, exactly once. The only
way to send one twice is a crash between the connector accepting it and the outbox recording
that (at most one repeat per message in flight at the crash). Nothing planned is lost: rows
stay until they are sent, cancelled or failed for good.

``attempts`` counts every try that did not end in ``sent`` or ``cancelled``: a failed send, a
composer or payload that raised, an outcome that could not be recorded, and a claim whose lease
ran out before its holder recorded anything (the holder died or lost the database). Rows a
stopping dispatcher hands back unsent are not counted.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.domain.errors import DomainError


class OutboxState(enum.StrEnum):
    """Where a planned message is."""

    PENDING = "pending"
    SENDING = "sending"      # claimed by a dispatcher; the lease says until when
    SENT = "sent"
    CANCELLED = "cancelled"  # no longer relevant at send time (e.g. the deadline was met)
    FAILED = "failed"        # final: blocked by the user, unknown conversation, or out of attempts


@dataclass(frozen=True)
class OutboxMessage:
    """A planned proactive message. ``payload`` says what to compose at send time.

    ``about_id`` is the participant, other than the recipient, whose question, name or address
    the message carries (the asker on the coordinator's review card): erasing that participant
    cancels the message (see ``bot.domain.services.privacy``). ``None``: it carries nobody's but
    the recipient's own.
    """

    key: str
    recipient_id: int
    kind: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    about_id: int | None = None
    id: int = 0
    state: OutboxState = OutboxState.PENDING
    attempts: int = 0
    last_error: str = ""
    # Why the stored payload could not be read back ("" = it could). Such a row is still handed
    # to the dispatcher, which counts it as a failed attempt, so it cannot block a whole claim.
    broken: str = ""


class DeliveryError(DomainError):
    """Sending failed; ``retryable`` says whether trying again can help."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message)
        self.retryable, self.status, self.retry_after = retryable, status, retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, honouring ``Retry-After`` (Teams' guidance)."""

    base_seconds: float = 2.0
    max_seconds: float = 600.0
    max_attempts: int = 8

    def next_attempt(self, now: datetime, attempts: int, retry_after: float | None,
                     rng: random.Random | None = None) -> datetime | None:
        """When to try again after ``attempts`` failures, or ``None`` to give up."""
        if attempts >= self.max_attempts:
            return None
        ceiling = min(self.max_seconds, self.base_seconds * (2 ** (attempts - 1)))
        delay = (rng or random).uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return now + timedelta(seconds=delay)
