"""Deadlines and events of the programme, and the pure planning of their proactive messages.

Planning never reads a clock: callers pass ``now``. It returns :class:`PlannedMessage` records
with stable keys, so planning can run as often as it likes and the outbox plans each key once.
Whether a recipient still needs a reminder (fulfilled, opted out) is decided at send time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.localtime import local_to_utc
from bot.domain.quiet_hours import QuietHours

DOCUMENT_CATEGORIES = ("evaluatieformat", "ambitiebrief", "accountplan", "kostenberekening",
                       "factsheet-input", "overig")
AUDIENCE_ROLES = ("coordinator", "colleague", "adviser", "participant")  # participant: not in the directory
# The libraries: the directory's library colleagues and the participants outside the directory (who
# work at libraries too), never Probiblio's advisers or the coordinator.
LIBRARY_ROLES = frozenset({"colleague", "participant"})
SUMMARY_GRACE = timedelta(days=7)  # a deadline imported later than this after its due moment gets no summary


@dataclass(frozen=True)
class Audience:
    """Who a deadline or event is for: ``all``, the ``libraries``, one ``role``, or listed ``people`` (ids or e-mails).

    ``all`` leaves the coordinators out (they get the summary); ``libraries`` is everyone of
    :data:`LIBRARY_ROLES`, so a deadline for the libraries never reminds an adviser.
    """

    kind: str = "all"
    role: str | None = None
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fulfilment:
    """What counts as handing in: a question with ``question_theme``, a document, or both."""

    question_theme: str | None = None
    document_categories: tuple[str, ...] = ()
    require_all: bool = False


@dataclass(frozen=True)
class Deadline:
    """Something participants hand in by ``due_local`` (naive, in the programme's time zone)."""

    id: str
    title: str
    description: str
    due_local: datetime
    audience: Audience = field(default_factory=Audience)
    fulfilment: Fulfilment = field(default_factory=Fulfilment)
    reminder_days: tuple[int, ...] = (14, 3, 1)
    reminder_time: time = time(9, 0)


@dataclass(frozen=True)
class Event:
    """A session with a start (naive local time), an optional end and a place."""

    id: str
    title: str
    description: str
    starts_local: datetime
    ends_local: datetime | None = None
    place: str = ""
    audience: Audience = field(default_factory=Audience)
    announce_days: int = 21
    reminder_time: time = time(9, 0)  # for the announcement and the reminder the day before


@dataclass(frozen=True)
class PlannedMessage:
    """One proactive message to put in the outbox; ``key`` is unique and stable across runs."""

    key: str
    recipient: int
    due_at: datetime
    kind: str
    subject_id: str


def _send_moment(day_local: datetime, at: time, zone: ZoneInfo, quiet: QuietHours) -> datetime:
    return quiet.next_allowed(local_to_utc(datetime.combine(day_local.date(), at), zone), zone)


def _fan_out(prefix: str, subject_id: str, recipients: Iterable[int], moments: dict[str, tuple[str, datetime]],
             now: datetime, before: datetime) -> list[PlannedMessage]:
    # Keys name subject, recipient and slot only (not the time), so re-planning never duplicates.
    return sorted((PlannedMessage(f"{prefix}:p{r}:{slot}", r, at, kind, subject_id)
                   for r in sorted(set(recipients)) for slot, (kind, at) in moments.items() if now <= at < before),
                  key=lambda m: (m.due_at, m.recipient, m.key))


def plan_deadline_reminders(deadline: Deadline, *, recipients: Iterable[int], zone: ZoneInfo,
                            quiet: QuietHours, now: datetime) -> list[PlannedMessage]:
    """Plan a reminder per recipient per offset ("N days before, at reminder time", local).

    Quiet hours move a send later; one that is then in the past or not before the due moment
    is left out (a reminder after the deadline would only confuse).

    Args:
        deadline: The deadline.
        recipients: Participant ids in its audience.
        zone: The programme's time zone.
        quiet: When not to send.
        now: The current moment (aware).

    Returns:
        Messages keyed ``deadline:<id>:p<recipient>:<N>d``, sorted by due time.
    """
    moments = {f"{days}d": ("deadline_reminder", _send_moment(
        deadline.due_local - timedelta(days=days), deadline.reminder_time, zone, quiet))
        for days in deadline.reminder_days}
    return _fan_out(f"deadline:{deadline.id}", deadline.id, recipients, moments, now,
                    local_to_utc(deadline.due_local, zone))


def plan_event_messages(event: Event, *, recipients: Iterable[int], zone: ZoneInfo,
                        quiet: QuietHours, now: datetime) -> list[PlannedMessage]:
    """Plan the announcement (``announce_days`` before) and the reminder (the day before).

    Both go at the event's reminder time, moved by quiet hours, and only when not in the past
    and before the start. Arguments as in :func:`plan_deadline_reminders`.

    Returns:
        Messages keyed ``event:<id>:p<recipient>:announce`` and ``...:reminder``.
    """
    moments = {
        "announce": ("event_announcement", _send_moment(
            event.starts_local - timedelta(days=event.announce_days), event.reminder_time, zone, quiet)),
        "reminder": ("event_reminder", _send_moment(
            event.starts_local - timedelta(days=1), event.reminder_time, zone, quiet)),
    }
    return _fan_out(f"event:{event.id}", event.id, recipients, moments, now, local_to_utc(event.starts_local, zone))


def plan_deadline_summary(deadline: Deadline, *, coordinators: Iterable[int], zone: ZoneInfo,
                          now: datetime, quiet: QuietHours | None = None) -> list[PlannedMessage]:
    """Plan the coordinator's "who did, who did not" summary just after the due moment.

    Sent one minute after the due moment, moved by quiet hours (default :class:`QuietHours`).
    It is still planned when ``now`` is past that (late summaries are useful), unless the
    deadline ended more than :data:`SUMMARY_GRACE` ago (an old deadline imported afresh).

    Returns:
        Messages with keys ``deadline:<id>:p<coordinator>:summary``.
    """
    due = local_to_utc(deadline.due_local, zone)
    if now > due + SUMMARY_GRACE:
        return []
    at = (quiet or QuietHours()).next_allowed(due + timedelta(minutes=1), zone)
    return [PlannedMessage(f"deadline:{deadline.id}:p{c}:summary", c, at, "deadline_summary", deadline.id)
            for c in sorted(set(coordinators))]


def is_fulfilled(fulfilment: Fulfilment, *, question_themes: Collection[str],
                 document_categories: Collection[str]) -> bool:
    """Tell whether a participant's question themes and document categories fulfil a deadline.

    Themes compare case-insensitively. With ``require_all`` every part that is set is needed,
    otherwise one is enough. A fulfilment with no parts is never fulfilled (keeps reminding).
    """
    parts: list[bool] = []
    if fulfilment.question_theme:
        parts.append(fulfilment.question_theme.casefold() in {t.casefold() for t in question_themes})
    if fulfilment.document_categories:
        parts.append(any(c in set(document_categories) for c in fulfilment.document_categories))
    return bool(parts) and (all(parts) if fulfilment.require_all else any(parts))


def audience_includes(audience: Audience, *, person_id: str | None, email: str | None,
                      role: str | None) -> bool:
    """Tell whether someone belongs to an audience.

    ``person_id`` and ``role`` are ``None`` for participants not in the directory; they match
    the role ``participant`` and belong to the ``libraries``. Ids and e-mail addresses compare
    case-insensitively.
    """
    if audience.kind == "all":
        return True
    if audience.kind == "libraries":
        return (role or "participant") in LIBRARY_ROLES
    if audience.kind == "role":
        return audience.role == (role or "participant")
    if audience.kind == "people":
        wanted = {p.casefold() for p in audience.people}
        return bool(person_id and person_id.casefold() in wanted) or bool(email and email.casefold() in wanted)
    return False
