"""The coordinator's overview: who may open it, the request lists, the programme's health figures.

Reading use cases only; every decision on a request still goes through ``SparringService`` (the
same role checks and compare-and-set as the cards). Each use case checks that the actor is an
active coordinator first (:class:`~bot.domain.services.roles.CoordinatorOnly` otherwise).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.clock import Clock
from bot.domain.dashboard_access import LoginTicket
from bot.domain.deadlines import Deadline, Event
from bot.domain.documents import Document
from bot.domain.localtime import local_to_utc
from bot.domain.models import Participant, Person, Role
from bot.domain.overview import RequestDetail, RequestFilter, RequestListItem, RequestPage
from bot.domain.ports import UnitOfWork, UnitOfWorkFactory
from bot.domain.requests import SparringRequest
from bot.domain.services.follow_ups import FEEDBACK_DAYS
from bot.domain.services.roles import is_coordinator, people_by_id, require_coordinator
from bot.domain.services.schedule import DeadlineStatus, ScheduleService

HEALTH_WEEKS = 12
# A board or figures computed from every participant are kept while nothing they read changed
# (``OverviewRepository.change_marker``), and at most this long (a change the marker cannot see,
# such as two accounts swapping e-mail addresses, shows after this at the latest).
KEEP_COMPUTED = timedelta(minutes=5)
DOCUMENTS_PAGE = 50
# How many names a list on the deadlines page shows; the rest is a number.
NAMES_SHOWN = 40
# Outbox kinds of the schedule's messages (bot.domain.deadlines): planned, sent, or cancelled.
REMINDER, ANNOUNCEMENT, EVENT_REMINDER = "deadline_reminder", "event_announcement", "event_reminder"
WAITING_STATES = ("pending", "sending")


@dataclass(frozen=True)
class NamedCount:
    """How many, and the first :data:`NAMES_SHOWN` names of them."""

    count: int
    names: list[str]


@dataclass(frozen=True)
class DeadlineBoard:
    """One deadline: who delivered and who not yet; reminders sent, planned and called off."""

    deadline: Deadline
    due_at: datetime
    delivered: NamedCount
    missing: NamedCount
    reminders_sent: int
    reminders_planned: int
    reminders_cancelled: int


@dataclass(frozen=True)
class EventBoard:
    """One session: who was told (announcement sent), reminders sent and planned."""

    event: Event
    starts_at: datetime
    told: NamedCount
    reminded: int
    planned: int


@dataclass(frozen=True)
class ExpertLoad:
    """One colleague or adviser: open requests against the capacity the directory gives."""

    person: Person
    open_requests: int


@dataclass(frozen=True)
class ProgrammeHealth:
    """The programme's figures; ``None`` where the data has nothing to measure yet."""

    per_week: list[tuple[date, int]]
    median_hours_to_introduction: float | None
    median_hours_to_first_answer: float | None
    accepted_share: float | None
    answers: int
    feedback_asked: int
    feedback_answered: int
    mean_score: float | None
    loads: list[ExpertLoad]


class OverviewService:
    """Use cases of the coordinator's overview tab."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock, zone: ZoneInfo,
                 schedule: ScheduleService, reads: UnitOfWorkFactory | None = None):
        self._schedule = schedule
        # name -> (marker, computed at, value): see KEEP_COMPUTED.
        self._computed: dict[str, tuple[object, datetime, object]] = {}
        self._uow_factory = uow_factory
        self._reads = reads or uow_factory
        self._clock = clock
        self._zone = zone

    async def coordinator(self, participant_id: int) -> Participant | None:
        """The participant a session names, while they are an active coordinator (else ``None``)."""
        async with self._reads() as uow:
            participant = await uow.participants.get(participant_id)
            return participant if participant and participant.active and await is_coordinator(uow, participant) \
                else None

    async def use_login(self, ticket: LoginTicket) -> Participant | None:
        """Spend a sign-in link: its coordinator, or ``None`` when it was used before or they are no coordinator."""
        async with self._uow_factory() as uow:
            participant = await uow.participants.get(ticket.participant_id)
            if participant is None or not participant.active or not await is_coordinator(uow, participant):
                return None
            if not await uow.once.claim(ticket.once_key, now=self._clock.now()):
                return None
            await uow.commit()
        return participant

    async def coordinator_by_object_id(self, object_id: str) -> Participant | None:
        """The coordinator whose Entra ID object id this is (a tab SSO token's ``oid``), else ``None``.

        The account must be known to the bot (a participant whose Teams account carries this
        object id, or the participant linked to a directory person with it), linked to an active
        coordinator: a token proves who someone is, the directory says what they may do.
        """
        wanted = object_id.strip().lower()
        if not wanted:
            return None
        async with self._reads() as uow:
            people = await people_by_id(uow)
            for participant in await uow.participants.linked():
                person = people.get(participant.person_id or "")
                identities = {(participant.aad_object_id or "").lower(), ((person.aad_object_id if person else "")
                                                                         or "").lower()}
                if wanted in identities and participant.active and await is_coordinator(uow, participant):
                    return participant
        return None

    async def requests(self, actor: Participant, wanted: RequestFilter) -> RequestPage:
        """A page of requests, newest first, matching ``wanted``."""
        async with self._reads() as uow:
            await require_coordinator(uow, actor)
            rows, total = await uow.overview.request_page(wanted)
            counts = await uow.overview.counts_by_state()
            people = await people_by_id(uow)
        return RequestPage(items=[_item(request, asker, people) for request, asker in rows], total=total,
                           filter=wanted, counts_by_state=counts)

    async def request(self, actor: Participant, request_id: int) -> RequestDetail | None:
        """One request with its history and the names of who acted."""
        async with self._reads() as uow:
            await require_coordinator(uow, actor)
            found = await uow.overview.request_with_asker(request_id)
            if found is None:
                return None
            people = await people_by_id(uow)
            events = await uow.requests.events(request_id)
            names = await _actor_names(uow, {event.actor for event in events}, people)
        request, asker = found
        return RequestDetail(item=_item(request, asker, people), events=events, actor_names=names)

    async def choices(self, actor: Participant) -> list[Person]:
        """Whom a request can be sent to ("iemand anders"): active people who are not coordinators."""
        async with self._reads() as uow:
            await require_coordinator(uow, actor)
            people = await uow.directory.people(active_only=True)
        return sorted((p for p in people if p.role is not Role.COORDINATOR), key=lambda p: p.name.lower())

    async def health(self, actor: Participant) -> ProgrammeHealth:
        """The programme's health figures over the last :data:`HEALTH_WEEKS` weeks (loads: now)."""
        async with self._reads() as uow:
            await require_coordinator(uow, actor)
            marker = await uow.overview.change_marker()
        return await self._kept("health", marker, self._health)  # type: ignore[return-value]

    async def _kept(self, name: str, marker: object, compute: Callable[[], Awaitable[object]]) -> object:
        """``compute()``'s value, or the one kept from before while ``marker`` is the same and it is young."""
        now = self._clock.now()
        kept = self._computed.get(name)
        if kept is not None and kept[0] == marker and now - kept[1] < KEEP_COMPUTED:
            return kept[2]
        value = await compute()
        self._computed[name] = (marker, now, value)
        return value

    async def _health(self) -> ProgrammeHealth:
        async with self._reads() as uow:
            times = await uow.overview.request_times()
            load = await uow.requests.open_load()
            people = await uow.directory.people(active_only=True)
        now = self._clock.now()
        answered = [t for t in times if t["answered_at"]]
        # The feedback question goes out FEEDBACK_DAYS after an introduction (services.follow_ups).
        asked = [t for t in times if t["introduced_at"] and t["introduced_at"] + timedelta(days=FEEDBACK_DAYS) <= now]
        rated = [t["rating"] for t in times if t["rating"] is not None]
        return ProgrammeHealth(
            per_week=self._per_week(times, now),
            median_hours_to_introduction=_median_hours(
                [t["introduced_at"] - t["created_at"] for t in times if t["introduced_at"]]),
            median_hours_to_first_answer=_median_hours([t["answered_at"] - t["created_at"] for t in answered]),
            accepted_share=_share(sum(1 for t in answered if t["accepted_at"]), len(answered)),
            answers=len(answered),
            feedback_asked=len(asked),
            feedback_answered=len(rated),
            mean_score=statistics.fmean(rated) if rated else None,
            loads=sorted((ExpertLoad(p, load.get(p.id, 0)) for p in people if p.role is not Role.COORDINATOR),
                         key=lambda e: (-e.open_requests, e.person.name.lower())),
        )

    async def participant_labels(self, actor: Participant) -> dict[int, str]:
        """Participant id → how the overview names them ("Name (Library)", else the Teams name)."""
        async with self._reads() as uow:
            await require_coordinator(uow, actor)
            return {participant.id: label for participant, label in await uow.overview.roster()}

    async def deadlines(self, actor: Participant) -> list[Deadline]:
        """The programme's deadlines (the submissions page filters on them)."""
        async with self._reads() as uow:
            await require_coordinator(uow, actor)
            return sorted(await uow.schedule.deadlines(), key=lambda d: d.due_local)

    async def documents(self, actor: Participant, *, category: str, deadline: str,
                        page: int) -> tuple[list[tuple[Document, str]], int]:
        """One page of handed-in documents (``DOCUMENTS_PAGE`` a page) with their owners' labels, and the total."""
        async with self._reads() as uow:
            await require_coordinator(uow, actor)
            return await uow.overview.document_page(category=category, deadline=deadline,
                                                    offset=(page - 1) * DOCUMENTS_PAGE, limit=DOCUMENTS_PAGE)

    async def schedule_board(self, actor: Participant) -> tuple[list[DeadlineBoard], list[EventBoard]]:
        """Per deadline who delivered and who not, and its reminders; per session who was told.

        Who delivered is worked out from every participant (the deadlines' own rules, the same
        ``ScheduleService.overview`` as the chat's ``deadlines``) and kept while nothing changes;
        the reminders are counted afresh every time.
        """
        async with self._reads() as uow:
            await require_coordinator(uow, actor)
            marker = await uow.overview.change_marker()
        statuses, labels = await self._kept("deadlines", marker, self._deadline_statuses)  # type: ignore[misc]
        async with self._reads() as uow:
            deadlines = []
            for status in sorted(statuses, key=lambda s: s.due_at):
                counts = await uow.overview.message_counts(f"deadline:{status.deadline.id}:")
                deadlines.append(DeadlineBoard(
                    deadline=status.deadline, due_at=status.due_at,
                    delivered=_named(status.done_ids, labels), missing=_named(status.open_ids, labels),
                    reminders_sent=counts.get((REMINDER, "sent"), 0),
                    reminders_planned=sum(counts.get((REMINDER, state), 0) for state in WAITING_STATES),
                    reminders_cancelled=counts.get((REMINDER, "cancelled"), 0)))
            events = []
            for event in sorted(await uow.schedule.events(), key=lambda e: e.starts_local):
                prefix = f"event:{event.id}:"
                counts = await uow.overview.message_counts(prefix)
                told = await uow.overview.recipients(prefix, kind=ANNOUNCEMENT, state="sent")
                events.append(EventBoard(
                    event=event, starts_at=local_to_utc(event.starts_local, self._zone), told=_named(told, labels),
                    reminded=counts.get((EVENT_REMINDER, "sent"), 0),
                    planned=sum(counts.get((kind, state), 0) for kind in (ANNOUNCEMENT, EVENT_REMINDER)
                                for state in WAITING_STATES)))
        return deadlines, events

    async def _deadline_statuses(self) -> tuple[list[DeadlineStatus], dict[int, str]]:
        async with self._reads() as uow:
            roster = await uow.overview.roster()
        statuses, _ = await self._schedule.overview(participants=[participant for participant, _ in roster])
        return statuses, {participant.id: label for participant, label in roster}

    def _per_week(self, times: list[dict[str, object]], now: datetime) -> list[tuple[date, int]]:
        def monday(moment: datetime) -> date:
            day = moment.astimezone(self._zone).date()
            return day - timedelta(days=day.weekday())

        counted = Counter(monday(t["created_at"]) for t in times)  # type: ignore[arg-type]
        this_week = monday(now)
        weeks = [this_week - timedelta(weeks=n) for n in range(HEALTH_WEEKS - 1, -1, -1)]
        return [(week, counted.get(week, 0)) for week in weeks]


def _item(request: SparringRequest, asker: dict[str, str], people: dict[str, Person]) -> RequestListItem:
    suggested = people.get(request.suggestions[0].person_id) if request.suggestions else None
    assigned = people.get(request.assignee_id or "")
    return RequestListItem(request=request, asker_name=asker["name"], library=asker["library"],
                           suggested=suggested.name if suggested else "", assigned=assigned.name if assigned else "")


async def _actor_names(uow: UnitOfWork, actors: set[str], people: dict[str, Person]) -> dict[str, str]:
    """``participant:<id>`` → the directory name (or Teams name); ``system`` etc. stay as they are."""
    names: dict[str, str] = {}
    for actor in actors:
        kind, _, number = actor.partition(":")
        if kind == "participant" and number.isdigit():
            participant = await uow.participants.get(int(number))
            person = people.get(participant.person_id or "") if participant else None
            names[actor] = person.name if person else (participant.name if participant and participant.name else "?")
    return names


def _named(ids: Sequence[int], labels: dict[int, str]) -> NamedCount:
    names = sorted(labels.get(i, f"#{i}") for i in ids)
    return NamedCount(count=len(names), names=names[:NAMES_SHOWN])


def _median_hours(spans: list[timedelta]) -> float | None:
    return statistics.median(span.total_seconds() / 3600 for span in spans) if spans else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
