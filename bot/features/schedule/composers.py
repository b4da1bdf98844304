"""Composers for deadline reminders, summaries and event messages (decided at send time)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.deadlines import Deadline, Event
from bot.domain.models import OutgoingMessage
from bot.domain.outbox import OutboxMessage
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.services.libraries import labels
from bot.domain.services.schedule import ScheduleService
from bot.features.schedule.cards import deadline_reminder_card, event_card, summary_card
from bot.texts import Catalogue, language_for


class ScheduleComposers:
    """``composers`` mapping for the dispatcher: deadline and event messages."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, texts: Catalogue, schedule: ScheduleService,
                 zone: ZoneInfo, calendar_link: Callable[[Deadline | Event], str] | None = None):
        """``calendar_link`` makes an item's "Zet in mijn agenda" link (the calendar feature's)."""
        self._calendar_link = calendar_link
        self._uow_factory = uow_factory
        self._texts = texts
        self._schedule = schedule
        self._zone = zone

    def mapping(self) -> dict[str, Any]:
        """Kind → composer."""
        return {"deadline_reminder": self.deadline_reminder, "deadline_summary": self.deadline_summary,
                "event_announcement": self.event_message, "event_reminder": self.event_message}

    async def deadline_reminder(self, message: OutboxMessage) -> OutgoingMessage | None:
        """Only for who has not fulfilled the deadline and still wants reminders."""
        async with self._uow_factory() as uow:
            recipient = await uow.participants.get(message.recipient_id)
        deadline = await self._schedule.deadline(str(message.payload.get("subject_id")))
        if recipient is None or deadline is None or not recipient.reminders_enabled or not recipient.active:
            return None
        if await self._schedule.is_fulfilled_by(deadline.id, recipient.id):
            return None
        return OutgoingMessage(card=deadline_reminder_card(self._texts, language_for(recipient.locale), deadline,
                                                           self._zone, self._link(deadline)))

    async def deadline_summary(self, message: OutboxMessage) -> OutgoingMessage | None:
        """After the due moment: the coordinator sees who did and who did not."""
        statuses, opted_out = await self._schedule.overview(str(message.payload.get("subject_id")))
        async with self._uow_factory() as uow:
            recipient = await uow.participants.get(message.recipient_id)
            participants = await uow.participants.active()
            names = await labels(uow, participants)
        if recipient is None or not statuses:
            return None
        card = summary_card(self._texts, language_for(recipient.locale), statuses[0], participants, opted_out,
                            labels=names)
        return OutgoingMessage(card=card)

    async def event_message(self, message: OutboxMessage) -> OutgoingMessage | None:
        """The announcement of a session, or the reminder the day before."""
        async with self._uow_factory() as uow:
            recipient = await uow.participants.get(message.recipient_id)
            event = next((e for e in await uow.schedule.events() if e.id == message.payload.get("subject_id")), None)
        if recipient is None or event is None or not recipient.reminders_enabled or not recipient.active:
            return None
        return OutgoingMessage(card=event_card(self._texts, language_for(recipient.locale), event, self._zone,
                                               reminder=message.kind == "event_reminder",
                                               calendar_url=self._link(event)))

    def _link(self, item: Deadline | Event) -> str | None:
        return self._calendar_link(item) if self._calendar_link else None
