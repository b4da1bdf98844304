"""Local time: Dutch and English formatting, DST-safe conversion of local wall-clock times."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.localtime import format_date, format_moment, local_to_utc

AMS = ZoneInfo("Europe/Amsterdam")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_dutch_moment_on_a_real_friday():
    # 28 March 2025 was a Friday, before the DST change (CET, UTC+1).
    assert format_moment(utc(2025, 3, 28, 11, 0), AMS) == "vrijdag 28 maart, 12:00"


def test_28_march_2027_is_a_sunday_in_summer_time():
    # The DST change is that very night, so 12:00 local is 10:00Z.
    assert format_moment(utc(2027, 3, 28, 10, 0), AMS) == "zondag 28 maart, 12:00"


def test_english_and_date_only():
    assert format_moment(utc(2025, 3, 28, 11, 0), AMS, "en") == "Friday 28 March, 12:00"
    assert format_date(utc(2027, 4, 14, 8, 0), AMS) == "woensdag 14 april"
    assert format_date(utc(2027, 4, 14, 8, 0), AMS, "en") == "Wednesday 14 April"


def test_no_leading_zero_on_the_day_but_on_the_time():
    assert format_moment(utc(2027, 4, 1, 7, 5), AMS) == "donderdag 1 april, 09:05"


def test_unknown_language_falls_back_to_dutch():
    assert format_date(utc(2027, 12, 6, 12, 0), AMS, "de") == "maandag 6 december"


def test_local_date_differs_from_utc_date_near_midnight():
    assert format_moment(utc(2027, 6, 30, 22, 30), AMS) == "donderdag 1 juli, 00:30"


def test_naive_moments_are_refused():
    with pytest.raises(ValueError):
        format_moment(datetime(2027, 3, 28, 12, 0), AMS)
    with pytest.raises(ValueError):
        local_to_utc(utc(2027, 3, 28, 12, 0), AMS)


@pytest.mark.parametrize(("local", "expected"), [
    (datetime(2027, 1, 11, 9, 0), utc(2027, 1, 11, 8, 0)),        # winter: UTC+1
    (datetime(2027, 7, 12, 9, 0), utc(2027, 7, 12, 7, 0)),        # summer: UTC+2
    (datetime(2027, 3, 28, 1, 59), utc(2027, 3, 28, 0, 59)),      # just before the spring change
    (datetime(2027, 3, 28, 3, 0), utc(2027, 3, 28, 1, 0)),        # first time after it
    (datetime(2027, 3, 27, 9, 0), utc(2027, 3, 27, 8, 0)),        # 09:00 the day before: 08:00Z
    (datetime(2027, 3, 29, 9, 0), utc(2027, 3, 29, 7, 0)),        # 09:00 the day after: 07:00Z
    (datetime(2027, 10, 30, 9, 0), utc(2027, 10, 30, 7, 0)),      # autumn, before: 07:00Z
    (datetime(2027, 11, 1, 9, 0), utc(2027, 11, 1, 8, 0)),        # autumn, after: 08:00Z
])
def test_local_to_utc_across_dst(local: datetime, expected: datetime):
    assert local_to_utc(local, AMS) == expected


def test_a_time_in_the_spring_gap_moves_forward_to_the_first_valid_time():
    # 02:30 does not exist on 28 March 2027; 03:00 CEST (01:00Z) is the first valid time.
    moment = local_to_utc(datetime(2027, 3, 28, 2, 30), AMS)
    assert moment == utc(2027, 3, 28, 1, 0)
    assert format_moment(moment, AMS) == "zondag 28 maart, 03:00"
    assert local_to_utc(datetime(2027, 3, 28, 2, 0), AMS) == utc(2027, 3, 28, 1, 0)


def test_gap_in_another_zone():
    # New York: 14 March 2027 02:00 -> 03:00 EDT (07:00Z).
    assert local_to_utc(datetime(2027, 3, 14, 2, 15), ZoneInfo("America/New_York")) == utc(2027, 3, 14, 7, 0)


def test_an_ambiguous_autumn_time_means_its_first_occurrence():
    # 02:30 happens twice on 31 October 2027: first in CEST (00:30Z), then in CET (01:30Z).
    assert local_to_utc(datetime(2027, 10, 31, 2, 30), AMS) == utc(2027, 10, 31, 0, 30)


def test_result_is_aware_utc():
    assert local_to_utc(datetime(2027, 5, 1, 12, 0), AMS).tzinfo is UTC
