"""People's calendars: personal feed links, what each feed holds, and telling people about changes.

The rules (UIDs, SEQUENCE, tokens) are in :mod:`bot.domain.calendar`; turning entries into an
``.ics`` file is presentation and lives with the calendar feature.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.calendar import (
    ITEM_LINK_LIFETIME,
    CalendarEntry,
    feed_participant,
    feed_token,
    feed_token_valid,
    item_from_subject,
    item_subject,
    new_feed_secret,
)
from bot.domain.clock import Clock
from bot.domain.deadlines import Deadline, Event, audience_includes
from bot.domain.models import Participant, Person
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.services.reminder_planner import audience_members
from bot.domain.services.roles import people_by_id
from bot.domain.services.schedule import ScheduleService
from bot.domain.signed_links import sign, verify


@dataclass(frozen=True)
class FeedItem:
    """One entry of a personal feed; ``done`` is whether they handed in the deadline (sessions: False)."""

    entry: CalendarEntry
    done: bool = False


@dataclass(frozen=True)
class PersonalCalendar:
    """What one person's feed holds."""

    participant: Participant
    items: tuple[FeedItem, ...]
    programme: str = ""


class CalendarService:
    """Feed links (made, renewed, checked), the feed's content and single entries."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock, schedule: ScheduleService,
                 link_secret: bytes):
        self._uow_factory = uow_factory
        self._clock = clock
        self._schedule = schedule
        self._link_secret = link_secret

    async def feed_token(self, participant: Participant) -> str:
        """The participant's feed token; the first time, a personal secret is drawn and stored."""
        async with self._uow_factory() as uow:
            secret = await uow.calendar_feeds.ensure_secret(participant.id, new_feed_secret(), now=self._clock.now())
            await uow.commit()
        return feed_token(participant.id, secret, self._link_secret)

    async def renew_feed(self, participant: Participant) -> str:
        """``agenda nieuw``: a new personal secret, so every older feed link opens nothing."""
        secret = new_feed_secret()
        async with self._uow_factory() as uow:
            await uow.calendar_feeds.set_secret(participant.id, secret, now=self._clock.now())
            await uow.commit()
        return feed_token(participant.id, secret, self._link_secret)

    async def feed(self, token: str) -> PersonalCalendar | None:
        """The feed a token opens: the person's own deadlines and their sessions; ``None`` for a bad,
        revoked or stranger's token, or a person who left (erased, or no longer active)."""
        participant_id = feed_participant(token)
        if participant_id is None:
            return None
        async with self._uow_factory() as uow:
            secret = await uow.calendar_feeds.secret(participant_id)
            if secret is None or not feed_token_valid(token, participant_id, secret, self._link_secret):
                return None
            participant = await uow.participants.get(participant_id)
            if participant is None or not participant.active:
                return None
            people = await people_by_id(uow)
            entries = await uow.schedule.entries()
            programme = await uow.directory.programme()
        statuses, _ = await self._schedule.for_participant(participant)
        done = {s.deadline.id for s in statuses if s.done}
        items = tuple(FeedItem(e, done=e.item.id in done) for e in entries if _is_for(e.item, participant, people))
        return PersonalCalendar(participant, items, programme.name if programme else "")

    def item_token(self, item: Deadline | Event) -> str:
        """A signed token for one entry's ``.ics`` ("Zet in mijn agenda"), valid for the programme's length."""
        return sign(item_subject(item), self._clock.now() + ITEM_LINK_LIFETIME, self._link_secret)

    async def item(self, token: str) -> CalendarEntry | None:
        """The entry a valid, unexpired item token opens (cancelled ones too), else ``None``."""
        subject = verify(token, self._clock.now(), self._link_secret)
        wanted = item_from_subject(subject) if subject else None
        if wanted is None:
            return None
        async with self._uow_factory() as uow:
            entries = await uow.schedule.entries()
        return next((e for e in entries if (e.kind, e.item.id) == wanted), None)

    async def entry(self, kind: str, item_id: str) -> CalendarEntry | None:
        """One entry by kind and id (cancelled ones too)."""
        async with self._uow_factory() as uow:
            entries = await uow.schedule.entries()
        return next((e for e in entries if (e.kind, e.item.id) == (kind, item_id)), None)


def _is_for(item: Deadline | Event, participant: Participant, people: dict[str, Person]) -> bool:
    """Deadlines as the reminders go (the coordinators get summaries instead); sessions for
    everyone invited, the coordinators included (they are there)."""
    if isinstance(item, Deadline):
        return participant.id in audience_members(item.audience, [participant], people)
    person = people.get(participant.person_id or "")
    return audience_includes(item.audience, person_id=participant.person_id, email=participant.email,
                             role=person.role.value if person else None)
