"""Sliding-window rate limits, so the bot stays under Teams' limits instead of meeting 429s.

Teams allows per bot and conversation 7 sends a second, 8 per 2 s, 60 per 30 s and 1800 an
hour, and per app and tenant a global rate (30 a second in Microsoft's stored page; a
setting). The limiter answers "how long until this send is allowed", never sleeps itself.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

PER_CONVERSATION: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
# Teams counts a send when it arrives, we when it leaves: two sends a window apart here can
# arrive closer together there. Measured against the fake connector, 15-25 sends of 10,000
# met a 429 without a margin; 50 ms longer windows leave room for that jitter.
JITTER_MARGIN_SECONDS = 0.05


@dataclass
class SlidingWindowLimiter:
    """Limits per key: each ``(window_seconds, max_events)`` pair must hold at once.

    ``margin`` lengthens every window by that many seconds (room for network jitter).
    """

    limits: tuple[tuple[float, int], ...]
    margin: float = 0.0
    _events: dict[str, deque[float]] = field(default_factory=dict)

    def wait_time(self, key: str, now: float) -> float:
        """Seconds until one more event for ``key`` would respect every limit (0 = now)."""
        events = self._events.get(key)
        if not events:
            return 0.0
        longest = max(window for window, _ in self.limits) + self.margin
        while events and events[0] <= now - longest:
            events.popleft()
        wait = 0.0
        for window, maximum in self.limits:
            window += self.margin
            recent = [t for t in events if t > now - window] if len(events) >= maximum else ()
            if len(recent) >= maximum:
                wait = max(wait, recent[-maximum] + window - now)
        return wait

    def record(self, key: str, now: float) -> None:
        """Count one event for ``key`` at ``now``."""
        self._events.setdefault(key, deque()).append(now)


def send_spacing(per_second: float, margin: float = JITTER_MARGIN_SECONDS) -> float:
    """Seconds between two sends so that no window of one second holds more than ``per_second``.

    Sends spaced ``s`` apart put at most ``(1 + d) / s`` of them in any second when each may be
    up to ``d`` late or early against the others (network jitter, or the clocks of two instances
    disagreeing). ``s = (1 + margin) / limit`` therefore keeps any second at ``limit`` for every
    ``d <= margin``; the price is a throughput of ``limit / (1 + margin)`` (95% with 50 ms).
    """
    return (1.0 + margin) / max(1, int(per_second))


class SendRateLimiter:
    """Per-conversation Teams limits plus one global rate for the whole app.

    The per-conversation windows live in this process. The global rate is shared by every
    dispatcher on the database (``OutboxRepository.reserve_send``); :attr:`global_spacing` is what
    they reserve per send. The in-process global window (:meth:`global_wait`) remains for callers
    without a database.
    """

    def __init__(self, global_per_second: float = 30.0):
        self._conversations = SlidingWindowLimiter(PER_CONVERSATION, JITTER_MARGIN_SECONDS)
        self._global = SlidingWindowLimiter(((1.0, max(1, int(global_per_second))),), JITTER_MARGIN_SECONDS)
        self.global_spacing = send_spacing(global_per_second)

    def wait_time(self, conversation: str, now: float) -> float:
        """Seconds to wait before sending to ``conversation``."""
        return max(self.conversation_wait(conversation, now), self.global_wait(now))

    def conversation_wait(self, conversation: str, now: float) -> float:
        """Seconds until ``conversation``'s own limits allow one more send."""
        return self._conversations.wait_time(conversation, now)

    def global_wait(self, now: float) -> float:
        """Seconds until the app's global rate allows one more send."""
        return self._global.wait_time("*", now)

    def record(self, conversation: str, now: float) -> None:
        """Count a send."""
        self._conversations.record(conversation, now)
        self._global.record("*", now)
