"""A ``Messenger`` that plans messages in the durable outbox instead of sending at once.

Features use this one; only the dispatcher holds the real ``TeamsMessenger``. So a crash or a
connector outage never loses a notification: it waits in the outbox and is retried.
"""

from __future__ import annotations

import asyncio
import uuid

from bot.domain.clock import Clock
from bot.domain.models import OutgoingMessage
from bot.domain.outbox import OutboxMessage
from bot.domain.ports import UnitOfWork, UnitOfWorkFactory

MESSAGE_KIND = "message"


class OutboxMessenger:
    """Plans a ready-made message for delivery now; wakes the dispatcher."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock, wake: asyncio.Event | None = None):
        self._uow_factory = uow_factory
        self._clock = clock
        self._wake = wake

    async def send(self, participant_id: int, message: OutgoingMessage, *, about: int | None = None) -> None:
        """Queue ``message`` for the participant (delivered by the dispatcher, in order).

        Args:
            participant_id: The recipient.
            message: What to send.
            about: The participant, other than the recipient, whose data the message carries.
        """
        async with self._uow_factory() as uow:
            await self.plan(uow, participant_id, message, about=about)
            await uow.commit()

    async def plan(self, uow: UnitOfWork, participant_id: int, message: OutgoingMessage, *,
                   about: int | None) -> None:
        """Queue ``message`` in ``uow``'s transaction: it is sent once that commits, never otherwise.

        Args:
            uow: The use case's unit of work.
            participant_id: The recipient.
            message: What to send, rendered now.
            about: The participant, other than the recipient, whose question, name or address the
                message carries (``None``: nobody's). Required, so that every message decides: an
                erasure of that participant cancels the message (``bot.domain.services.privacy``).
        """
        now = self._clock.now()
        planned = OutboxMessage(key=f"msg:{uuid.uuid4().hex}", recipient_id=participant_id, kind=MESSAGE_KIND,
                                due_at=now, payload={"text": message.text, "card": message.card},
                                about_id=about if about != participant_id else None)
        await uow.outbox.plan([planned], now=now)
        if self._wake is not None:
            # Woken before the commit, the dispatcher of another database connection would find nothing.
            uow.after_commit(self._wake.set)


async def compose_stored_message(message: OutboxMessage) -> OutgoingMessage | None:
    """The composer for ``message`` rows: the content was rendered when it was planned."""
    text, card = message.payload.get("text"), message.payload.get("card")
    if not text and not card:
        return None
    return OutgoingMessage(text=text, card=card)
