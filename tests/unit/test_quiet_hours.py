"""Quiet hours (evenings, nights, weekends in local time) and working-day arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.localtime import local_to_utc
from bot.domain.quiet_hours import QuietHours, add_working_days

AMS = ZoneInfo("Europe/Amsterdam")
QUIET = QuietHours()


def at(*args: int) -> datetime:
    """A local Amsterdam wall-clock time as an aware UTC moment."""
    return local_to_utc(datetime(*args), AMS)


@pytest.mark.parametrize(("local", "expected"), [
    ((2027, 3, 23, 10, 0), (2027, 3, 23, 10, 0)),   # Tuesday morning: allowed
    ((2027, 3, 23, 8, 0), (2027, 3, 23, 8, 0)),     # the end of the night is allowed
    ((2027, 3, 23, 17, 59), (2027, 3, 23, 17, 59)),
    ((2027, 3, 23, 7, 0), (2027, 3, 23, 8, 0)),     # early morning: same day 08:00
    ((2027, 3, 23, 18, 0), (2027, 3, 24, 8, 0)),    # evening: next morning
    ((2027, 3, 23, 23, 30), (2027, 3, 24, 8, 0)),
    ((2027, 3, 24, 0, 15), (2027, 3, 24, 8, 0)),    # night
    ((2027, 3, 26, 19, 0), (2027, 3, 29, 8, 0)),    # Friday evening: Monday 08:00 (after DST change)
    ((2027, 3, 27, 10, 0), (2027, 3, 29, 8, 0)),    # Saturday
    ((2027, 3, 28, 23, 0), (2027, 3, 29, 8, 0)),    # Sunday night
    ((2027, 3, 29, 6, 0), (2027, 3, 29, 8, 0)),     # Monday early
])
def test_next_allowed(local: tuple[int, ...], expected: tuple[int, ...]):
    assert QUIET.next_allowed(at(*local), AMS) == at(*expected)


def test_friday_evening_to_monday_across_dst_is_0600z():
    moved = QUIET.next_allowed(datetime(2027, 3, 26, 18, 0, tzinfo=UTC), AMS)  # Friday 19:00 CET
    assert moved == datetime(2027, 3, 29, 6, 0, tzinfo=UTC)                     # Monday 08:00 CEST
    assert moved.tzinfo is UTC


def test_allowed_moment_is_returned_unchanged_in_utc():
    moment = datetime(2027, 3, 23, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert QUIET.next_allowed(moment, AMS) == moment
    assert QUIET.next_allowed(moment, AMS).tzinfo is UTC


def test_weekends_can_be_allowed():
    quiet = QuietHours(weekends=False)
    assert quiet.next_allowed(at(2027, 3, 27, 10, 0), AMS) == at(2027, 3, 27, 10, 0)
    assert quiet.next_allowed(at(2027, 3, 27, 19, 0), AMS) == at(2027, 3, 28, 8, 0)


def test_no_daily_quiet_period_when_start_equals_end():
    quiet = QuietHours(start=time(0, 0), end=time(0, 0))
    assert quiet.next_allowed(at(2027, 3, 23, 23, 0), AMS) == at(2027, 3, 23, 23, 0)
    assert quiet.next_allowed(at(2027, 3, 27, 23, 0), AMS) == at(2027, 3, 29, 0, 0)


def test_daytime_quiet_period():
    quiet = QuietHours(start=time(12, 0), end=time(13, 0))
    assert quiet.next_allowed(at(2027, 3, 23, 12, 30), AMS) == at(2027, 3, 23, 13, 0)
    assert quiet.next_allowed(at(2027, 3, 23, 13, 0), AMS) == at(2027, 3, 23, 13, 0)
    assert quiet.next_allowed(at(2027, 3, 23, 19, 0), AMS) == at(2027, 3, 23, 19, 0)


def test_naive_moment_is_refused():
    with pytest.raises(ValueError):
        QUIET.next_allowed(datetime(2027, 3, 23, 12, 0), AMS)


def test_add_working_days_skips_weekends_and_keeps_local_time_across_dst():
    friday = at(2027, 3, 26, 9, 0)                      # 08:00Z
    monday = add_working_days(friday, 1, AMS)
    assert monday == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)   # 09:00 CEST
    assert add_working_days(at(2027, 3, 22, 9, 0), 5, AMS) == at(2027, 3, 29, 9, 0)
    assert add_working_days(at(2027, 3, 29, 9, 0), -1, AMS) == at(2027, 3, 26, 9, 0)
    assert add_working_days(at(2027, 3, 27, 9, 0), 1, AMS) == at(2027, 3, 29, 9, 0)   # from Saturday
    assert add_working_days(at(2027, 3, 27, 9, 0), 0, AMS) == at(2027, 3, 27, 9, 0)
