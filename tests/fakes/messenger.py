"""A ``Messenger`` that records sends and can be told to fail, for dispatcher tests."""

from __future__ import annotations

from collections import deque

from bot.domain.models import OutgoingMessage
from bot.domain.outbox import DeliveryError


class FakeMessenger:
    """Implements ``bot.domain.ports.Messenger``; ``sent`` lists (participant id, message)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, OutgoingMessage]] = []
        self._failures: deque[Exception] = deque()

    def fail_next(self, *errors: Exception) -> None:
        """Make the next sends raise these errors, in order."""
        self._failures.extend(errors)

    async def send(self, participant_id: int, message: OutgoingMessage) -> None:
        if self._failures:
            raise self._failures.popleft()
        self.sent.append((participant_id, message))


def throttled(retry_after: float | None = 3.0) -> DeliveryError:
    return DeliveryError("connector answered 429", retryable=True, status=429, retry_after=retry_after)


def blocked() -> DeliveryError:
    return DeliveryError("connector answered 403", retryable=False, status=403)
