"""Tells the coordinator when a proactive message could not be delivered for good."""

from __future__ import annotations

import logging

from bot.domain.models import OutgoingMessage
from bot.domain.outbox import OutboxMessage
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.services.roles import coordinator_participants
from bot.teams.outbox_messenger import OutboxMessenger
from bot.texts import Catalogue, language_for

log = logging.getLogger(__name__)


class FailureReporter:
    """The dispatcher's ``on_failed`` hook: one notice per failed message, to each coordinator."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, messenger: OutboxMessenger, texts: Catalogue):
        self._uow_factory = uow_factory
        self._messenger = messenger
        self._texts = texts

    async def __call__(self, message: OutboxMessage, reason: str) -> None:
        """Queue a notice about ``message`` for the coordinators (never about their own notices)."""
        async with self._uow_factory() as uow:
            recipient = await uow.participants.get(message.recipient_id)
            coordinators = await coordinator_participants(uow)
        if recipient is None or any(c.id == recipient.id for c in coordinators):
            log.warning("delivery to a coordinator failed for good (outbox %d): %s", message.id, reason)
            return
        for coordinator in coordinators:
            text = self._texts.text("delivery.failed", language_for(coordinator.locale),
                                    name=recipient.name or recipient.email or recipient.teams_id, reason=reason)
            await self._messenger.send(coordinator.id, OutgoingMessage(text=text), about=recipient.id)
