"""Validate the ``deadlines:`` and ``events:`` sections of a programme file.

Same style as :mod:`bot.domain.directory`: every problem goes to ``report(path, message)``
and nothing of a bad entry is accepted. Times are local wall-clock times in the programme's
time zone, written ``"2027-03-28 12:00"``; a bare date (``2027-03-28``) means 12:00 that day,
so a "by 28 March" deadline falls during office hours and its summary reaches the coordinator
the same afternoon. PyYAML turns some unquoted values into ``date``/``datetime`` (accepted)
or, for ``10:30``, into the number 630 (rejected with a hint to quote it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import date, datetime, time
from typing import Any

from bot.domain.deadlines import AUDIENCE_ROLES, DOCUMENT_CATEGORIES, Audience, Deadline, Event, Fulfilment

Report = Callable[[tuple[Any, ...], str], None]
SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2})(?::00)?)?$")
CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
DATE_ONLY_TIME = time(12, 0)
DEADLINE_FIELDS = {"id", "title", "description", "due", "audience", "fulfilled_by", "reminders", "reminder_time"}
EVENT_FIELDS = {"id", "title", "description", "starts", "ends", "place", "audience", "announce_days",
                "reminder_time"}
MOMENT_HINT = "must be a local date and time like 2027-03-28 12:00"


def parse_deadlines(raw: Any, report: Report, *, themes: Collection[str] | None = None) -> list[Deadline]:
    """Check the ``deadlines:`` section and build its deadlines.

    Args:
        raw: The section's value (``None`` when absent: no deadlines).
        report: Called with ``(path, message)`` per problem, e.g. ``(("deadlines", 0, "due"), "...")``.
        themes: The programme's themes; when given, ``fulfilled_by.question_theme`` must be one.

    Returns:
        The valid deadlines (callers fail the whole file if anything was reported).
    """
    deadlines = []
    for index, entry in _entries(raw, "deadlines", DEADLINE_FIELDS, report):
        path = ("deadlines", index)
        texts, ok = _texts(entry, path, report)
        due = _moment(entry.get("due"), (*path, "due"), report)
        audience = _audience(entry.get("audience", "all"), (*path, "audience"), report)
        fulfilment = _fulfilment(entry.get("fulfilled_by"), (*path, "fulfilled_by"), report, themes)
        days = entry.get("reminders", [14, 3, 1])
        if not isinstance(days, list) or not all(type(d) is int and 0 <= d <= 365 for d in days):
            report((*path, "reminders"), "must be a list of whole numbers of days before, 0 to 365, like [14, 3, 1]")
            ok = False
        at = _clock(entry.get("reminder_time", "09:00"), (*path, "reminder_time"), report)
        if ok and None not in (due, audience, fulfilment, at):
            deadlines.append(Deadline(texts["id"], texts["title"], texts["description"], due, audience,
                                      fulfilment, tuple(sorted(set(days), reverse=True)), at))
    return deadlines


def parse_events(raw: Any, report: Report) -> list[Event]:
    """Check the ``events:`` section and build its events.

    Args:
        raw: The section's value (``None`` when absent: no events).
        report: Called with ``(path, message)`` per problem.

    Returns:
        The valid events.
    """
    events = []
    for index, entry in _entries(raw, "events", EVENT_FIELDS, report):
        path = ("events", index)
        texts, ok = _texts(entry, path, report)
        starts = _moment(entry.get("starts"), (*path, "starts"), report)
        ends = _moment(entry["ends"], (*path, "ends"), report) if entry.get("ends") is not None else None
        if entry.get("ends") is not None and ends is None:
            ok = False
        elif starts and ends and ends <= starts:
            report((*path, "ends"), "must be after 'starts'")
            ok = False
        place = entry.get("place", "")
        if not isinstance(place, str):
            report((*path, "place"), "must be a text")
            ok = False
        audience = _audience(entry.get("audience", "all"), (*path, "audience"), report)
        announce = entry.get("announce_days", 21)
        if type(announce) is not int or not 1 <= announce <= 365:
            report((*path, "announce_days"), "must be a whole number of days, 1 to 365")
            ok = False
        at = _clock(entry.get("reminder_time", "09:00"), (*path, "reminder_time"), report)
        if ok and None not in (starts, audience, at):
            events.append(Event(texts["id"], texts["title"], texts["description"], starts, ends,
                                " ".join(place.split()), audience, announce, at))
    return events


def _entries(raw: Any, section: str, allowed: set[str], report: Report) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Yield ``(index, mapping)`` per entry; report unknown fields and duplicate ids."""
    if raw is None:
        return
    if not isinstance(raw, list):
        report((section,), "must be a list")
        return
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            report((section, index), "each entry must be a mapping with at least id, title and a date")
            continue
        for key in entry:
            if key not in allowed:
                report((section, index, key), f"unknown field (expected one of {', '.join(sorted(allowed))})")
        entry_id = entry.get("id")
        if isinstance(entry_id, str) and entry_id in seen:
            report((section, index, "id"), f"duplicate id {entry_id!r} (also entry {seen[entry_id] + 1})")
        elif isinstance(entry_id, str):
            seen[entry_id] = index
        yield index, entry


def _texts(entry: Mapping[str, Any], path: tuple[Any, ...], report: Report) -> tuple[dict[str, str], bool]:
    texts, ok = {}, True
    if not isinstance(entry.get("id"), str) or not SLUG.match(entry["id"]):
        report((*path, "id"), "required; lowercase letters, digits, '.', '_' or '-', at most 64")
        ok = False
    for key, required in (("title", True), ("description", False)):
        value = entry.get(key, None if required else "")
        if not isinstance(value, str) or (required and not value.strip()):
            report((*path, key), "required, a non-empty text" if required else "must be a text")
            ok = False
        else:
            texts[key] = " ".join(value.split())
    texts["id"] = entry.get("id") if ok else ""
    return texts, ok


def _moment(value: Any, path: tuple[Any, ...], report: Report) -> datetime | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(second=0, microsecond=0)
    elif isinstance(value, date):
        return datetime.combine(value, DATE_ONLY_TIME)
    elif isinstance(value, str) and (match := MOMENT.match(value.strip())):
        try:
            day = date.fromisoformat(match[1])
            return datetime.combine(day, time(int(match[2]), int(match[3])) if match[2] else DATE_ONLY_TIME)
        except ValueError:
            pass
    report(path, f"{MOMENT_HINT} (local time, no time zone); got {value!r}")
    return None


def _clock(value: Any, path: tuple[Any, ...], report: Report) -> time | None:
    match = CLOCK.match(value.strip()) if isinstance(value, str) else None
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    report(path, f'must be a time like "09:00" (in quotes); got {value!r}')
    return None


def _audience(value: Any, path: tuple[Any, ...], report: Report) -> Audience | None:
    if value in ("all", "libraries"):
        return Audience(value)
    if isinstance(value, Mapping) and set(value) == {"role"} and value["role"] in AUDIENCE_ROLES:
        return Audience("role", role=value["role"])
    people = value.get("people") if isinstance(value, Mapping) and set(value) == {"people"} else None
    if isinstance(people, list) and people and all(isinstance(p, str) and p.strip() for p in people):
        return Audience("people", people=tuple(p.strip().lower() for p in people))
    report(path, f"must be 'all', 'libraries', {{role: {'|'.join(AUDIENCE_ROLES)}}} or {{people: [ids or e-mails]}}")
    return None


def _fulfilment(value: Any, path: tuple[Any, ...], report: Report, themes: Collection[str] | None) -> Fulfilment | None:
    if not isinstance(value, Mapping) or not (set(value) <= {"question_theme", "documents", "require"}):
        report(path, "required, a mapping with question_theme and/or documents, and require: any|all")
        return None
    theme, documents, require = value.get("question_theme"), value.get("documents", []), value.get("require", "any")
    ok = True
    if theme is not None and (not isinstance(theme, str) or (themes is not None and theme not in themes)):
        report((*path, "question_theme"), "must be one of the programme's themes"
               + (f": {', '.join(themes)}" if themes is not None else " (a text)"))
        ok = False
    if not isinstance(documents, list) or not all(d in DOCUMENT_CATEGORIES for d in documents):
        report((*path, "documents"), f"must be a list of: {', '.join(DOCUMENT_CATEGORIES)}")
        ok = False
    if require not in ("any", "all"):
        report((*path, "require"), "must be 'any' or 'all'")
        ok = False
    if ok and theme is None and not documents:
        report(path, "needs a question_theme, documents, or both")
        ok = False
    return Fulfilment(theme, tuple(documents), require == "all") if ok else None
