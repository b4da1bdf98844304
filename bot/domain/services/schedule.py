"""What each participant still owes: deadlines with their fulfilment, events, and opt-outs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.clock import Clock
from bot.domain.deadlines import AUDIENCE_ROLES, Deadline, Event, is_fulfilled
from bot.domain.documents import Document
from bot.domain.errors import DomainError
from bot.domain.libraries import labels_of
from bot.domain.localtime import local_to_utc
from bot.domain.models import Participant
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.programme_schedule import parse_deadlines, parse_events
from bot.domain.services.directory_import import drop_planned
from bot.domain.services.libraries import labels
from bot.domain.services.reminder_planner import audience_members
from bot.domain.services.roles import is_coordinator, people_by_id, require_coordinator
from bot.domain.services.schedule_changes import plan_change_messages, schedule_snapshot


class InvalidDeadline(DomainError):
    """The deadline form has wrong fields; ``fields`` names them (file field names)."""

    def __init__(self, fields: list[str]):
        super().__init__(", ".join(fields))
        self.fields = fields


AUDIENCE_CHOICES = ("libraries", "all", "colleague", "adviser", "participant")
"""The audiences the deadline form offers: the two groups, then the roles one by one (not the coordinator)."""
KEEP_AUDIENCE = "people"  # the form's value for "the people the file names, unchanged"


def _audience_entry(chosen: str, current: Deadline | None) -> Any:
    """The form's audience choice as the programme file writes it (checked by its parser).

    Nothing chosen (a card from before the choice existed) or "unchanged" keeps the deadline's
    own audience, so changing a date never widens who is reminded; a new deadline is then ``all``.
    """
    if chosen in ("all", "libraries"):
        return chosen
    if chosen in AUDIENCE_ROLES:
        return {"role": chosen}
    if chosen not in ("", KEEP_AUDIENCE):
        return chosen  # not a choice of the form: the parser reports the field
    audience = current.audience if current else None
    if audience is None or audience.kind in ("all", "libraries"):
        return audience.kind if audience else "all"
    return {"role": audience.role} if audience.kind == "role" else {"people": list(audience.people)}


def deadline_from_form(values: Mapping[str, Any], existing: set[str],
                       current: Deadline | None = None) -> dict[str, Any]:
    """Turn the card form's flat values into the programme file's deadline entry.

    Args:
        values: The form's inputs.
        existing: Ids of the deadlines and sessions there are (a new deadline gets a fresh one).
        current: The deadline the form changes, if any (its audience stays when none is chosen).

    Returns:
        The entry, as in the programme file.
    """
    title = " ".join(str(values.get("title") or "").split())
    deadline_id = str(values.get("deadline_id") or "") or _new_id(title, existing)
    documents = [d for d in str(values.get("documents") or "").split(",") if d]
    try:
        days = [int(d) for d in str(values.get("reminders") or "14,3,1").replace(" ", "").split(",") if d]
    except ValueError:
        days = ["?"]  # type: ignore[list-item]  # reported as a wrong field by the file checks
    return {"id": deadline_id, "title": title, "description": str(values.get("description") or ""),
            "due": f"{values.get('due_date') or ''} {values.get('due_time') or '12:00'}".strip(),
            "audience": _audience_entry(str(values.get("audience") or ""), current),
            "fulfilled_by": {"question_theme": values.get("theme") or None, "documents": documents, "require": "any"},
            "reminders": days, "reminder_time": "09:00"}


def event_from_form(values: Mapping[str, Any], existing: set[str]) -> dict[str, Any]:
    """Turn the session form's flat values into the programme file's event entry."""
    title = " ".join(str(values.get("title") or "").split())
    day = str(values.get("date") or "")
    entry: dict[str, Any] = {
        "id": str(values.get("event_id") or "") or _new_id(title, existing), "title": title,
        "description": str(values.get("description") or ""), "place": str(values.get("place") or ""),
        "starts": f"{day} {values.get('starts') or '10:00'}".strip(), "audience": "all"}
    if values.get("ends"):
        entry["ends"] = f"{day} {values['ends']}"
    return entry


def _new_id(title: str, existing: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower())
    base = base.strip("-")[:50] or "deadline"
    candidate, number = base, 2
    while candidate in existing:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


@dataclass(frozen=True)
class DeadlineStatus:
    """One deadline as seen by one participant, or by the coordinator (counts)."""

    deadline: Deadline
    due_at: datetime
    done: bool = False
    done_ids: tuple[int, ...] = ()
    open_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Submissions:
    """The coordinator's submissions view: documents, deadlines, names by participant id, and per
    deadline that asks for documents the participants who have not met it."""

    documents: list[Document]
    deadlines: list[Deadline]
    names: dict[int, str]
    missing: dict[str, list[Participant]]


@dataclass(frozen=True)
class _Evidence:
    """What participants handed in: question themes, document categories, documents per deadline."""

    themes: dict[int, set[str]]
    categories: dict[int, set[str]]
    answered: dict[str, set[int]]

    @classmethod
    async def load(cls, uow: Any, documents: list[Document] | None = None) -> _Evidence:
        """Read the evidence; ``documents``: every document, when the caller read them already."""
        answered: dict[str, set[int]] = {}
        for document in documents if documents is not None else await uow.documents.listing():
            if document.deadline_id:
                answered.setdefault(document.deadline_id, set()).add(document.owner_id)
        return cls(await uow.requests.themes_by_asker(), await uow.documents.categories_by_owner(), answered)

    def met(self, deadline: Deadline, participant_id: int) -> bool:
        """A document handed in for this deadline counts, and so does what its rule asks for."""
        return participant_id in self.answered.get(deadline.id, set()) or is_fulfilled(
            deadline.fulfilment, question_themes=self.themes.get(participant_id, set()),
            document_categories=self.categories.get(participant_id, set()))


class ScheduleService:
    """Read side of deadlines and events, plus the reminder opt-out."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock, zone: ZoneInfo):
        self._uow_factory = uow_factory
        self._clock = clock
        self._zone = zone

    async def for_participant(self, participant: Participant) -> tuple[list[DeadlineStatus], list[Event]]:
        """The participant's deadlines (done or not) and the events they are invited to."""
        async with self._uow_factory() as uow:
            people = await people_by_id(uow)
            evidence = await _Evidence.load(uow)
            deadlines = [d for d in await uow.schedule.deadlines()
                         if participant.id in audience_members(d.audience, [participant], people)]
            events = [e for e in await uow.schedule.events()
                      if participant.id in audience_members(e.audience, [participant], people)]
        statuses = [DeadlineStatus(d, local_to_utc(d.due_local, self._zone), done=evidence.met(d, participant.id))
                    for d in deadlines]
        return statuses, events

    async def overview(self, deadline_id: str | None = None, *,
                       participants: list[Participant] | None = None) -> tuple[list[DeadlineStatus], list[Participant]]:
        """Coordinator: per deadline who did and who did not; and who turned reminders off.

        Args:
            deadline_id: One deadline, or every one.
            participants: The active participants when the caller read them already (the overview
                reads a narrow roster: audiences need ids, person ids, e-mails, not addresses).
        """
        async with self._uow_factory() as uow:
            people = await people_by_id(uow)
            if participants is None:
                participants = await uow.participants.active()
            evidence = await _Evidence.load(uow)
            deadlines = [d for d in await uow.schedule.deadlines() if deadline_id in (None, d.id)]
        statuses = []
        for deadline in deadlines:
            members = audience_members(deadline.audience, participants, people)
            done = [m for m in members if evidence.met(deadline, m)]
            # A set to look in: a list made this quadratic (2.7 s with 10,000 participants).
            done_set = set(done)
            statuses.append(DeadlineStatus(deadline, local_to_utc(deadline.due_local, self._zone),
                                           done_ids=tuple(done), open_ids=tuple(m for m in members
                                                                                if m not in done_set)))
        return statuses, [p for p in participants if not p.reminders_enabled]

    async def submissions(self, actor: Participant) -> Submissions:
        """Coordinator: every document, the deadlines, who still owes a document and everyone's name, read at once.

        Raises:
            NotAllowed: ``actor`` is not a coordinator (checked before anything else is read).
        """
        async with self._uow_factory() as uow:
            await require_coordinator(uow, actor)
            documents = await uow.documents.listing()
            people = await people_by_id(uow)
            participants = await uow.participants.active()
            evidence = await _Evidence.load(uow, documents)
            deadlines = await uow.schedule.deadlines()
        by_id = {p.id: p for p in participants}
        missing: dict[str, list[Participant]] = {}
        for deadline in deadlines:
            if deadline.fulfilment.document_categories:
                members = audience_members(deadline.audience, participants, people)
                missing[deadline.id] = [by_id[m] for m in members if not evidence.met(deadline, m) and m in by_id]
        names = labels_of(participants, people)  # "Name (Library)"
        return Submissions(documents, deadlines, names, missing)

    async def is_fulfilled_by(self, deadline_id: str, participant_id: int) -> bool | None:
        """Whether the participant met the deadline (``None``: no such deadline any more)."""
        deadline = await self.deadline(deadline_id)
        if deadline is None:
            return None
        async with self._uow_factory() as uow:
            evidence = await _Evidence.load(uow)
        return evidence.met(deadline, participant_id)

    async def save_deadline(self, actor: Participant, values: Mapping[str, Any]) -> Deadline:
        """Coordinator: add or change a deadline from the card form (same checks as the file).

        Raises:
            NotAllowed: The actor is not the coordinator.
            InvalidDeadline: With the names of the wrong fields.
        """
        return await self._save_item(actor, values, kind="deadline")  # type: ignore[return-value]

    async def save_event(self, actor: Participant, values: Mapping[str, Any]) -> Event:
        """Coordinator: add or change a session from the card form (same checks as the file)."""
        return await self._save_item(actor, values, kind="event")  # type: ignore[return-value]

    async def _save_item(self, actor: Participant, values: Mapping[str, Any], *, kind: str) -> Deadline | Event:
        async with self._uow_factory() as uow:
            await require_coordinator(uow, actor)
            programme = await uow.directory.programme()
            deadlines = await uow.schedule.deadlines()
            existing = {i.id for i in [*deadlines, *await uow.schedule.events()]}
            current = next((d for d in deadlines if d.id == values.get("deadline_id")), None)
            problems: list[tuple[Any, ...]] = []

            def report(path: tuple[Any, ...], _message: str) -> None:
                problems.append(path)

            if kind == "deadline":
                parsed: list[Any] = parse_deadlines([deadline_from_form(values, existing, current)], report,
                                                    themes=programme.themes if programme else None)
            else:
                parsed = parse_events([event_from_form(values, existing)], report)
            if problems or not parsed:
                raise InvalidDeadline(sorted({str(path[2]) for path in problems if len(path) > 2}))
            before = await schedule_snapshot(uow)
            if await uow.schedule.save(parsed[0], now=self._clock.now(), source="teams"):
                await drop_planned(uow, parsed[0].id)
                await plan_change_messages(uow, before, now=self._clock.now())
            await uow.commit()
        return parsed[0]

    async def labels(self, participants: list[Participant]) -> dict[int, str]:
        """Participant id → "Name (Library)", as the coordinator's overviews name people."""
        async with self._uow_factory() as uow:
            return await labels(uow, participants)

    async def cancel_item(self, actor: Participant, item_id: str) -> Deadline | Event | None:
        """Coordinator: take a deadline or session off the programme.

        Its pending reminders go; calendars show it cancelled; whoever was told hears of it.

        Returns:
            The cancelled item, or ``None`` when there is no such active item (already cancelled).

        Raises:
            NotAllowed: The actor is not the coordinator.
        """
        async with self._uow_factory() as uow:
            await require_coordinator(uow, actor)
            before = await schedule_snapshot(uow)
            if item_id not in before or not await uow.schedule.cancel(item_id, now=self._clock.now()):
                return None
            await drop_planned(uow, item_id)
            await plan_change_messages(uow, before, now=self._clock.now())
            await uow.commit()
        return before[item_id].item

    async def set_reminders(self, participant: Participant, enabled: bool) -> None:
        """``herinneringen uit`` / ``aan``."""
        async with self._uow_factory() as uow:
            await uow.participants.set_reminders(participant.id, enabled)
            await uow.commit()

    async def deadline(self, deadline_id: str) -> Deadline | None:
        """One active deadline, or ``None``."""
        async with self._uow_factory() as uow:
            return next((d for d in await uow.schedule.deadlines() if d.id == deadline_id), None)

    async def events(self) -> list[Event]:
        """Every active session (the coordinator's view)."""
        async with self._uow_factory() as uow:
            return await uow.schedule.events()

    async def event(self, event_id: str) -> Event | None:
        """One active session, or ``None``."""
        return next((e for e in await self.events() if e.id == event_id), None)

    async def themes(self) -> list[str]:
        """The programme's themes."""
        async with self._uow_factory() as uow:
            programme = await uow.directory.programme()
        return list(programme.themes) if programme else []

    async def is_coordinator(self, participant: Participant) -> bool:
        """True for a participant linked to an active coordinator."""
        async with self._uow_factory() as uow:
            return await is_coordinator(uow, participant)
