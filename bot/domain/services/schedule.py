"""What each participant still owes: deadlines with their fulfilment, events, and opt-outs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.clock import Clock
from bot.domain.deadlines import Deadline, Event, is_fulfilled
from bot.domain.localtime import local_to_utc
from bot.domain.models import Participant, Role
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.services.reminder_planner import audience_members


@dataclass(frozen=True)
class DeadlineStatus:
    """One deadline as seen by one participant, or by the coordinator (counts)."""

    deadline: Deadline
    due_at: datetime
    done: bool = False
    done_ids: tuple[int, ...] = ()
    open_ids: tuple[int, ...] = ()


class ScheduleService:
    """Read side of deadlines and events, plus the reminder opt-out."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock, zone: ZoneInfo):
        self._uow_factory = uow_factory
        self._clock = clock
        self._zone = zone

    async def for_participant(self, participant: Participant) -> tuple[list[DeadlineStatus], list[Event]]:
        """The participant's deadlines (done or not) and the events they are invited to."""
        async with self._uow_factory() as uow:
            people = {p.id: p for p in await uow.directory.people()}
            themes = (await uow.requests.themes_by_asker()).get(participant.id, set())
            deadlines = [d for d in await uow.schedule.deadlines()
                         if participant.id in audience_members(d.audience, [participant], people)]
            events = [e for e in await uow.schedule.events()
                      if participant.id in audience_members(e.audience, [participant], people)]
        statuses = [DeadlineStatus(d, local_to_utc(d.due_local, self._zone),
                                   done=is_fulfilled(d.fulfilment, question_themes=themes, document_categories=()))
                    for d in deadlines]
        return statuses, events

    async def overview(self, deadline_id: str | None = None) -> tuple[list[DeadlineStatus], list[Participant]]:
        """Coordinator: per deadline who did and who did not; and who turned reminders off."""
        async with self._uow_factory() as uow:
            people = {p.id: p for p in await uow.directory.people()}
            participants = await uow.participants.active()
            themes = await uow.requests.themes_by_asker()
            deadlines = [d for d in await uow.schedule.deadlines() if deadline_id in (None, d.id)]
        statuses = []
        for deadline in deadlines:
            members = audience_members(deadline.audience, participants, people)
            done = [m for m in members if is_fulfilled(deadline.fulfilment, question_themes=themes.get(m, set()),
                                                       document_categories=())]
            statuses.append(DeadlineStatus(deadline, local_to_utc(deadline.due_local, self._zone),
                                           done_ids=tuple(done), open_ids=tuple(m for m in members if m not in done)))
        return statuses, [p for p in participants if not p.reminders_enabled]

    async def is_fulfilled_by(self, deadline_id: str, participant_id: int) -> bool | None:
        """Whether the participant met the deadline (``None``: no such deadline any more)."""
        async with self._uow_factory() as uow:
            deadline = next((d for d in await uow.schedule.deadlines() if d.id == deadline_id), None)
            themes = (await uow.requests.themes_by_asker()).get(participant_id, set())
        if deadline is None:
            return None
        return is_fulfilled(deadline.fulfilment, question_themes=themes, document_categories=())

    async def set_reminders(self, participant: Participant, enabled: bool) -> None:
        """``herinneringen uit`` / ``aan``."""
        async with self._uow_factory() as uow:
            await uow.participants.set_reminders(participant.id, enabled)
            await uow.commit()

    async def is_coordinator(self, participant: Participant) -> bool:
        """True for a participant linked to an active coordinator."""
        async with self._uow_factory() as uow:
            person = await uow.directory.person(participant.person_id) if participant.person_id else None
        return person is not None and person.active and person.role is Role.COORDINATOR
