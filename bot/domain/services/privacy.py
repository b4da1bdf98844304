"""The AVG rights of a participant: see what the bot holds, and have it deleted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.documents import Document
from bot.domain.file_store import FileStore
from bot.domain.models import OutgoingMessage, Participant
from bot.domain.ports import Messenger, UnitOfWorkFactory
from bot.domain.requests import SparringRequest
from bot.domain.services.roles import coordinator_participants


@dataclass(frozen=True)
class PersonalData:
    """Everything stored about one participant."""

    participant: Participant
    requests: list[SparringRequest]
    documents: list[Document]


class PrivacyService:
    """``mijn gegevens`` and ``verwijder mijn gegevens``."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, store: FileStore, messenger: Messenger):
        self._uow_factory = uow_factory
        self._store = store
        self._messenger = messenger

    async def summary(self, participant: Participant) -> PersonalData:
        """What the bot holds about ``participant``."""
        async with self._uow_factory() as uow:
            return PersonalData(participant, await uow.requests.for_asker(participant.id),
                                await uow.documents.for_owner(participant.id))

    async def erase(self, participant: Participant, *, notice: Callable[[int, int], str]) -> tuple[int, int]:
        """Delete the participant, their requests (with history and redirect notes), documents and files.

        Anonymous cost-split figures stay for the overview. The coordinators get
        ``notice(requests, documents)``.

        Returns:
            How many requests and documents were deleted.
        """
        async with self._uow_factory() as uow:
            requests = await uow.requests.for_asker(participant.id)
            stored = await uow.documents.delete_for_owner(participant.id)
            await uow.requests.forget_feedback([r.text for r in requests])
            await uow.participants.delete(participant.id)  # cascades to requests, events and outbox rows
            coordinators = [c for c in await coordinator_participants(uow) if c.id != participant.id]
            await uow.commit()
        for name in stored:  # after the commit: a failed commit must not lose files
            await self._store.delete(name)
        for coordinator in coordinators:
            await self._messenger.send(coordinator.id, OutgoingMessage(text=notice(len(requests), len(stored))))
        return len(requests), len(stored)
