"""Quiet hours: when the bot does not send reminders (evenings, nights and weekends, local time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.localtime import local_to_utc

_SATURDAY = 5


def _is_weekend(day: datetime) -> bool:
    return day.weekday() >= _SATURDAY


@dataclass(frozen=True)
class QuietHours:
    """A daily quiet period from ``start`` to ``end`` (may cross midnight), plus weekends.

    ``start == end`` means no daily quiet period (only weekends, if ``weekends``).
    """

    start: time = time(18, 0)
    end: time = time(8, 0)
    weekends: bool = True

    def _quiet_at(self, clock_time: time) -> bool:
        if self.start == self.end:
            return False
        if self.start > self.end:  # crosses midnight, e.g. 18:00-08:00
            return clock_time >= self.start or clock_time < self.end
        return self.start <= clock_time < self.end

    def next_allowed(self, moment_utc: datetime, zone: ZoneInfo) -> datetime:
        """Return the first moment at or after ``moment_utc`` outside quiet hours.

        Examples (default settings): Friday 19:00 becomes Monday 08:00, Tuesday 07:00 becomes
        Tuesday 08:00, Wednesday 10:00 stays.

        Args:
            moment_utc: An aware moment.
            zone: The time zone the quiet hours are meant in.

        Returns:
            An aware UTC moment; the input itself (in UTC) when it is already allowed.
        """
        if moment_utc.tzinfo is None:
            raise ValueError("expected an aware datetime")
        local = moment_utc.astimezone(zone).replace(tzinfo=None)
        moved = False
        if self._quiet_at(local.time()):
            # The quiet period ends at ``end``: today if we are before it, else tomorrow.
            day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
            local, moved = datetime.combine(day, self.end), True
        if self.weekends and _is_weekend(local):
            monday = local.date() + timedelta(days=7 - local.weekday())
            # Monday starts at the end of the night's quiet period (midnight without one).
            start_of_day = self.end if self.start > self.end else time(0, 0)
            local, moved = datetime.combine(monday, start_of_day), True
            if self._quiet_at(local.time()):  # a daytime-only quiet period starting at midnight
                local = datetime.combine(monday, self.end)
        return local_to_utc(local, zone) if moved else moment_utc.astimezone(UTC)


def add_working_days(moment_utc: datetime, days: int, zone: ZoneInfo) -> datetime:
    """Move a moment by ``days`` working days (Monday to Friday), keeping its local time of day.

    Starting on a weekend, the first working day counted is the next (or, for negative
    ``days``, the previous) weekday.

    Args:
        moment_utc: An aware moment.
        days: Working days to add; negative goes back.
        zone: The time zone whose calendar and clock are meant.

    Returns:
        An aware UTC moment, converted with :func:`local_to_utc` so DST changes keep the
        wall-clock time.
    """
    if moment_utc.tzinfo is None:
        raise ValueError("expected an aware datetime")
    if days == 0:
        return moment_utc.astimezone(UTC)
    local = moment_utc.astimezone(zone).replace(tzinfo=None)
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    while remaining:
        local += timedelta(days=step)
        if not _is_weekend(local):
            remaining -= 1
    return local_to_utc(local, zone)
