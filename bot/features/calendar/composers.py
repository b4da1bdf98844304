"""Composer of the chat message about a moved, cancelled or restored deadline or session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.deadlines import Deadline, Event
from bot.domain.models import OutgoingMessage
from bot.domain.outbox import OutboxMessage
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.services.calendar import CalendarService
from bot.domain.services.schedule_changes import CHANGE_KIND, before_from_payload
from bot.features.calendar.cards import change_card
from bot.texts import Catalogue, language_for


class CalendarComposers:
    """``composers`` mapping for the dispatcher: the change message."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, texts: Catalogue, service: CalendarService,
                 item_url: Callable[[Deadline | Event], str], zone: ZoneInfo):
        self._uow_factory = uow_factory
        self._texts = texts
        self._service = service
        self._item_url = item_url
        self._zone = zone

    def mapping(self) -> dict[str, Any]:
        """Kind → composer."""
        return {CHANGE_KIND: self.change}

    async def change(self, message: OutboxMessage) -> OutgoingMessage | None:
        """Said at send time from the item's current version; a later change's message replaces this one."""
        payload = message.payload
        async with self._uow_factory() as uow:
            recipient = await uow.participants.get(message.recipient_id)
        entry = await self._service.entry(str(payload.get("item_kind")), str(payload.get("subject_id")))
        if recipient is None or not recipient.active or entry is None or entry.sequence != payload.get("sequence"):
            return None
        before = before_from_payload(payload, entry.item)
        card = change_card(self._texts, language_for(recipient.locale), str(payload.get("what")), before, entry.item,
                           self._zone, self._item_url(entry.item))
        return OutgoingMessage(card=card)
