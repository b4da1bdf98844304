"""Plans deadline reminders, event messages and deadline summaries in the outbox.

Planning is idempotent (each message has a unique key), so it runs at start-up, after an
import and on a timer. Whether a reminder is still needed (fulfilled? opted out?) is decided
again at send time by its composer.

It runs in the bot's process, next to the turns: with 10,000 participants a run plans 40,000
messages. So the messages are written in chunks, each in its own short transaction, and the
event loop gets a turn in between (on SQLite one long transaction would also hold the one
connection every turn needs). A run cut short by a crash leaves some chunks planned; the next
run plans the rest.

Most runs have nothing to do: the messages depend only on the directory, the schedule and who
the participants are, and what a later run would plan for the same inputs is a part of what an
earlier one planned (only moments still ahead are planned). So a run that completed records a
fingerprint of its inputs (a once-key, which survives restarts and is shared by instances), and
a run that finds its inputs' fingerprint recorded plans nothing: a few small reads instead of
planning 40,000 messages again, at every start and every ten minutes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.clock import Clock
from bot.domain.deadlines import (
    Audience,
    Deadline,
    Event,
    PlannedMessage,
    audience_includes,
    plan_deadline_reminders,
    plan_deadline_summary,
    plan_event_messages,
)
from bot.domain.models import Participant, Person, Role
from bot.domain.outbox import OutboxMessage
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.quiet_hours import QuietHours
from bot.domain.services.roles import people_by_id

log = logging.getLogger(__name__)
# Messages per transaction and participants per read: each about 20 ms of work here, so a turn
# that arrives meanwhile hardly waits.
PLAN_CHUNK = 500
READ_CHUNK = 1000
# Part of the fingerprint: a change to how messages are planned plans everything again.
PLANNING_VERSION = "1"


class ReminderPlanner:
    """Turns the programme's deadlines and events into planned outbox messages."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock, zone: ZoneInfo,
                 quiet: QuietHours | None = None):
        self._uow_factory = uow_factory
        self._clock = clock
        self._zone = zone
        self._quiet = quiet or QuietHours()

    async def plan_all(self) -> int:
        """Plan everything that is still ahead; returns how many messages were new."""
        now = self._clock.now()
        async with self._uow_factory() as uow:
            people = await people_by_id(uow)
            deadlines, events = await uow.schedule.deadlines(), await uow.schedule.events()
            inputs = self._fingerprint(people, deadlines, events, await uow.participants.change_marker())
            if await uow.once.claimed(inputs):
                return 0
        added = await self._plan(now, people, deadlines, events)
        async with self._uow_factory() as uow:
            await uow.once.claim(inputs, now=self._clock.now())
            await uow.commit()
        return added

    def _fingerprint(self, people: dict[str, Person], deadlines: list[Deadline], events: list[Event],
                     participants: tuple[object, ...]) -> str:
        text = repr((PLANNING_VERSION, str(self._zone), self._quiet, sorted(people.items()), deadlines, events,
                     participants))
        return "planned:" + hashlib.sha256(text.encode()).hexdigest()

    async def _plan(self, now: datetime, people: dict[str, Person], deadlines: list[Deadline],
                    events: list[Event]) -> int:
        participants = await self._participants()
        coordinators = [p.id for p in participants if _role(p, people) == Role.COORDINATOR.value]
        planned: list[PlannedMessage] = []
        for deadline in deadlines:
            members = audience_members(deadline.audience, participants, people)
            planned += plan_deadline_reminders(deadline, recipients=members, zone=self._zone, quiet=self._quiet,
                                               now=now)
            planned += plan_deadline_summary(deadline, coordinators=coordinators, zone=self._zone, now=now)
            await asyncio.sleep(0)
        for event in events:
            members = audience_members(event.audience, participants, people)
            planned += plan_event_messages(event, recipients=members, zone=self._zone, quiet=self._quiet, now=now)
            await asyncio.sleep(0)
        added = 0
        for start in range(0, len(planned), PLAN_CHUNK):
            async with self._uow_factory() as uow:
                added += await uow.outbox.plan([
                    OutboxMessage(key=p.key, recipient_id=p.recipient, kind=p.kind, due_at=p.due_at,
                                  payload={"subject_id": p.subject_id}) for p in planned[start:start + PLAN_CHUNK]],
                    now=now)
                await uow.commit()
            await asyncio.sleep(0)
        return added

    async def _participants(self) -> list[Participant]:
        """Every active participant, read a page at a time with the event loop free in between."""
        participants: list[Participant] = []
        while True:
            async with self._uow_factory() as uow:
                page = await uow.participants.active(after=participants[-1].id if participants else 0,
                                                     limit=READ_CHUNK)
            participants += page
            if len(page) < READ_CHUNK:
                return participants
            await asyncio.sleep(0)

    async def run_forever(self, stop: asyncio.Event, interval: float, wake: asyncio.Event | None = None) -> None:
        """Plan now and then every ``interval`` seconds until ``stop``; wakes the dispatcher after."""
        while not stop.is_set():
            try:
                if await self.plan_all() and wake is not None:
                    wake.set()
            except Exception:
                log.exception("planning reminders failed; trying again later")
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass


def audience_members(audience: Audience, participants: list[Participant], people: dict[str, Person]) -> list[int]:
    """Participant ids in the audience; "all" means every participant except the coordinators,
    who get the summary instead."""
    members = []
    for participant in participants:
        role = _role(participant, people)
        if audience.kind == "all" and role == Role.COORDINATOR.value:
            continue
        if audience_includes(audience, person_id=participant.person_id, email=participant.email, role=role):
            members.append(participant.id)
    return members


def _role(participant: Participant, people: dict[str, Person]) -> str | None:
    person = people.get(participant.person_id or "")
    return person.role.value if person else None
