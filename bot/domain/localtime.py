"""Local time for people, UTC for storage: formatting in Dutch or English, and DST-safe conversion.

Weekday and month names live here rather than in the locale module: ``locale`` depends on
what the server has installed, and the bot must say "vrijdag 28 maart" on any machine.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_WEEKDAYS = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}


def _local(moment_utc: datetime, zone: ZoneInfo) -> datetime:
    if moment_utc.tzinfo is None:
        # A naive moment is a bug upstream (storage is UTC and aware); guessing would hide it.
        raise ValueError("expected an aware datetime")
    return moment_utc.astimezone(zone)


def _day_text(day: date, language: str) -> str:
    lang = language if language in _WEEKDAYS else "nl"
    return f"{_WEEKDAYS[lang][day.weekday()]} {day.day} {_MONTHS[lang][day.month - 1]}"


def format_date(moment_utc: datetime, zone: ZoneInfo, language: str = "nl") -> str:
    """Format the local date of a moment, e.g. ``vrijdag 28 maart`` or ``Friday 28 March``.

    Args:
        moment_utc: An aware moment (normally UTC).
        zone: The programme's time zone.
        language: ``nl`` (default) or ``en``; anything else falls back to Dutch.

    Returns:
        Weekday, day without leading zero and month name.
    """
    return _day_text(_local(moment_utc, zone).date(), language)


def format_moment(moment_utc: datetime, zone: ZoneInfo, language: str = "nl") -> str:
    """Format a moment in local time, e.g. ``vrijdag 28 maart, 12:00``.

    Args:
        moment_utc: An aware moment (normally UTC).
        zone: The programme's time zone.
        language: ``nl`` (default) or ``en``; anything else falls back to Dutch.

    Returns:
        The local date as in :func:`format_date`, a comma and the 24-hour time.
    """
    local = _local(moment_utc, zone)
    return f"{_day_text(local.date(), language)}, {local:%H:%M}"


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Convert a naive local wall-clock time to an aware UTC moment, correctly across DST.

    A time in the spring gap (e.g. 02:30 on the last Sunday of March in Europe/Amsterdam) does
    not exist; it moves forward to the first valid time (03:00 local). An ambiguous autumn time
    (02:30 on the last Sunday of October) means its first occurrence (``fold=0``).

    Args:
        local: A naive datetime meaning wall-clock time in ``zone``.
        zone: The time zone.

    Returns:
        An aware datetime in UTC.
    """
    if local.tzinfo is not None:
        raise ValueError("expected a naive local datetime")
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == local:
        return first
    # In a gap: fold=0 uses the offset before the change (a moment after it), fold=1 the
    # offset after it (a moment before it). The change lies between; find it to the second.
    low = int(local.replace(tzinfo=zone, fold=1).timestamp())
    high = int(first.timestamp())
    offset_before = datetime.fromtimestamp(low, zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)

