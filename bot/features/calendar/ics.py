"""Calendar entries → an iCalendar file (RFC 5545), written with ``icalendar``.

Times are written in the programme's zone with its VTIMEZONE (``add_missing_timezones`` takes it
from zoneinfo), so Outlook shows 12:00 as 12:00 on both sides of a clock change. Texts come from
the catalogue in the reader's language; nothing here is Markdown (calendars show text as it is).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, vDuration
from icalendar import Event as VEvent

from bot.domain.calendar import DEADLINE_LENGTH, SESSION_LENGTH
from bot.domain.deadlines import Deadline, Event
from bot.domain.services.calendar import FeedItem
from bot.texts import Catalogue

PRODID = "-//Probiblio//Sparringbot dBos po//NL"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# Calendars that subscribe ask again after this long (Outlook reads REFRESH-INTERVAL and the X- form).
REFRESH = timedelta(hours=4)
# A deadline's alarm: a day before the due moment.
DEADLINE_ALARM = timedelta(days=1)


def render_calendar(items: Sequence[FeedItem], *, texts: Catalogue, language: str, zone: ZoneInfo,
                    now: datetime, name: str | None = None) -> bytes:
    """An ``.ics`` file holding ``items``.

    Args:
        items: The entries, each with whether its deadline was handed in (then marked, without alarm).
        texts: The catalogue.
        language: The reader's language.
        zone: The programme's time zone.
        now: When the file is made (its DTSTAMP when an entry has no change time).
        name: The calendar's name for a feed (``None`` for a single entry's file).

    Returns:
        The file's bytes (UTF-8, CRLF lines).
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name is not None:
        calendar.add("x-wr-calname", name)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})  # RFC 7986 wants VALUE
        calendar.add("x-published-ttl", vDuration(REFRESH))
    for item in items:
        calendar.add_component(_event(item, texts=texts, language=language, zone=zone, now=now))
    # The zone's rules for the years the entries span (a year either side), not 1970 to 2038.
    moments = [_start(item.entry.item).date() for item in items] or [now.date()]
    calendar.add_missing_timezones(first_date=date(min(moments).year - 1, 1, 1),
                                   last_date=date(max(moments).year + 2, 1, 1))
    return calendar.to_ical()


def _start(item: Deadline | Event) -> datetime:
    return item.due_local if isinstance(item, Deadline) else item.starts_local


def _event(item: FeedItem, *, texts: Catalogue, language: str, zone: ZoneInfo, now: datetime) -> VEvent:
    entry, t = item.entry, texts.plain
    event = VEvent()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    stamp = (entry.changed_at or now).astimezone(UTC)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    source = entry.item
    if isinstance(source, Deadline):
        start = source.due_local.replace(tzinfo=zone)
        key = "calendar.deadline_done_summary" if item.done else "calendar.deadline_summary"
        event.add("summary", t(key, language, title=source.title))
        event.add("dtstart", start)
        event.add("dtend", start + DEADLINE_LENGTH)
        event.add("description", _lines(source.description, t("calendar.deadline_hint", language)))
        event.add("categories", [t("calendar.deadline_category", language)])
        event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
        if not item.done and not entry.cancelled:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", t("calendar.deadline_alarm", language, title=source.title))
            alarm.add("trigger", -DEADLINE_ALARM)
            event.add_component(alarm)
    else:
        start = source.starts_local.replace(tzinfo=zone)
        end = source.ends_local.replace(tzinfo=zone) if source.ends_local else start + SESSION_LENGTH
        event.add("summary", source.title)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("description", source.description)
        if source.place:
            event.add("location", source.place)
        event.add("transp", "OPAQUE")
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    return event


def _lines(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)
