"""The AVG rights of a participant: see what the bot holds, and have it deleted.

What an erasure does with each kind of stored data is declared column by column in
``storage/erasure_rules.py`` (a test fails for a column without a rule). Messages in the outbox
follow one rule per kind of message, decided here:

============================================  =================================================
message (recipient)                           when the person it is to or about is erased
============================================  =================================================
anything to the person (replies, reminders,   deleted, planned or sent
feedback question, introductions)
review card, escalation (coordinators)        deleted; each coordinator gets one notice with
                                              counts only (:data:`ERASURE_NOTICE`)
introduction offer, nudge, introduction,      deleted; the expert of each open (assigned or
withdrawal note (expert)                      accepted) request gets "request #N was withdrawn"
                                              instead (:data:`REQUEST_WITHDRAWN`): they were
                                              asked to act, so they must hear it is off
delivery-failure notice (coordinators),       deleted
introduction naming an erased expert (asker)
============================================  =================================================

A message is "about" someone when it was planned with their ``about_id``
(``bot.domain.outbox.OutboxMessage``); sent messages to or about the person are deleted too,
since their rows still hold what they said. Everyone's sent messages are pruned after
``OUTBOX_RETENTION_DAYS`` (``bot.domain.services.retention``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.clock import Clock
from bot.domain.documents import Document
from bot.domain.file_store import FileStore
from bot.domain.libraries import who
from bot.domain.models import Participant
from bot.domain.outbox import OutboxMessage
from bot.domain.ports import UnitOfWork, UnitOfWorkFactory
from bot.domain.requests import SparringRequest, State
from bot.domain.services.roles import coordinator_participants, people_by_id
from bot.domain.services.sparring import participant_actor

ERASURE_NOTICE = "privacy.erased"  # payload: how many requests and documents; no name
REQUEST_WITHDRAWN = "privacy.withdrawn"  # payload: the request's number only
ERASED_ACTOR = "participant:erased"  # stands in for the person in the history of others' requests
_EXPERT_KNOWS = (State.ASSIGNED, State.ACCEPTED)  # an expert was offered the question, or took it


@dataclass(frozen=True)
class PersonalData:
    """Everything stored about one participant."""

    participant: Participant
    requests: list[SparringRequest]
    documents: list[Document]
    library: str = ""  # the directory's organisation when linked, else what they said (may be empty)


@dataclass(frozen=True)
class Erasure:
    """What one erasure deleted."""

    requests: int
    documents: int
    messages: int  # planned or sent messages to or about the person


class PrivacyService:
    """``mijn gegevens`` and ``verwijder mijn gegevens``."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, store: FileStore, clock: Clock,
                 wake: Callable[[], None] | None = None):
        """Args:
            uow_factory: Makes the unit of work the whole erasure runs in.
            store: Where handed-in files are kept.
            clock: Stamps the notices the erasure plans.
            wake: Called once the erasure committed, to send its notices without waiting for the next round.
        """
        self._uow_factory = uow_factory
        self._store = store
        self._clock = clock
        self._wake = wake

    async def summary(self, participant: Participant) -> PersonalData:
        """What the bot holds about ``participant``."""
        async with self._uow_factory() as uow:
            current = await uow.participants.get(participant.id) or participant
            return PersonalData(current, await uow.requests.for_asker(participant.id),
                                await uow.documents.for_owner(participant.id),
                                library=who(current, await people_by_id(uow)).library)

    async def erase(self, participant: Participant, *, channel_keys: Iterable[str] = (),
                    once_keys: Iterable[str] = ()) -> Erasure:
        """Delete everything about the participant, in one transaction: all of it or nothing.

        Their requests (with history), redirect notes made from their questions, documents and
        files, the messages to or about them (see the module's table), their channel state and
        once-keys, and the participant itself. Their actions in others' requests' history are
        kept as :data:`ERASED_ACTOR`; their cost splits stay as anonymous figures. Coordinators
        and the experts of their open requests are told, in the same transaction.

        Args:
            participant: Who asked to be forgotten.
            channel_keys: The channel's state documents of their conversations and of the user.
            once_keys: At-most-once keys that name their conversations.

        Returns:
            How many requests, documents and messages went.
        """
        now = self._clock.now()
        async with self._uow_factory() as uow:
            requests = await uow.requests.for_asker(participant.id)
            stored = await uow.documents.delete_for_owner(participant.id)
            await uow.requests.forget_feedback([r.text for r in requests])
            await uow.requests.redact_actor(participant_actor(participant.id), replacement=ERASED_ACTOR)
            messages = await uow.outbox.forget_participant(participant.id)
            await uow.once.forget(once_keys)
            await uow.channel_state.forget(channel_keys)
            token = uuid.uuid4().hex  # participant and request ids can come back after a delete: keys must not
            notices = await self._withdrawal_notices(uow, participant, requests, token=token, now=now)
            notices += [OutboxMessage(key=f"erased:{token}:c{coordinator.id}", recipient_id=coordinator.id,
                                      kind=ERASURE_NOTICE, due_at=now,
                                      payload={"requests": len(requests), "documents": len(stored)})
                        for coordinator in await coordinator_participants(uow) if coordinator.id != participant.id]
            await uow.participants.delete(participant.id)  # cascades to their requests and events
            await uow.outbox.plan(notices, now=now)
            if self._wake is not None:
                uow.after_commit(self._wake)
            await uow.commit()
        for name in stored:  # after the commit: a failed commit must not lose files (a failed delete
            await self._store.delete(name)  # leaves a file no row refers to, which the start-up sweep removes)
        return Erasure(requests=len(requests), documents=len(stored), messages=messages)

    async def _withdrawal_notices(self, uow: UnitOfWork, participant: Participant,
                                  requests: list[SparringRequest], *, token: str,
                                  now: datetime) -> list[OutboxMessage]:
        notices = []
        for request in requests:
            if request.state not in _EXPERT_KNOWS or not request.assignee_id:
                continue
            expert = await uow.participants.by_person(request.assignee_id)
            if expert is not None and expert.id != participant.id:
                notices.append(OutboxMessage(key=f"erased:{token}:r{request.id}", recipient_id=expert.id,
                                             kind=REQUEST_WITHDRAWN, due_at=now, payload={"request_id": request.id}))
        return notices
