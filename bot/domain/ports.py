"""The domain's ports: what it needs from storage and the channel, as Protocols.

Production adapters live in ``storage/`` and ``bot/``; tests use in-memory fakes that
implement the same Protocols.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

from bot.domain.models import (
    Address,
    OutgoingMessage,
    Participant,
    ParticipantSeen,
    Person,
    Programme,
)


class DirectoryRepository(Protocol):
    """The programme and its people."""

    async def programme(self) -> Programme | None: ...
    async def save_programme(self, programme: Programme) -> None: ...
    async def people(self, *, active_only: bool = False) -> list[Person]: ...
    async def person(self, person_id: str) -> Person | None: ...
    async def person_by_email(self, email: str) -> Person | None: ...
    async def save_person(self, person: Person, *, now: datetime) -> str:
        """Insert or update; return ``added``, ``updated`` or ``unchanged``."""
        ...
    async def deactivate_people_except(self, keep: Iterable[str], *, now: datetime) -> int: ...


class ParticipantRepository(Protocol):
    """Teams users the bot has seen."""

    async def get(self, participant_id: int) -> Participant | None: ...
    async def by_teams_id(self, teams_id: str) -> Participant | None: ...
    async def by_person(self, person_id: str) -> Participant | None: ...
    async def upsert(self, seen: ParticipantSeen, *, now: datetime) -> Participant: ...
    async def link_person(self, participant_id: int, person_id: str | None) -> None: ...
    async def set_active(self, teams_id: str, active: bool, *, now: datetime) -> bool: ...
    async def address(self, participant_id: int) -> Address | None: ...
    async def set_address(self, participant_id: int, address: Address, *, now: datetime) -> None: ...
    async def unlinked_with_email(self) -> list[Participant]: ...
    async def count(self, *, active_only: bool = True) -> int: ...


class OnceRepository(Protocol):
    """Remembers keys so that something happens at most once, across instances."""

    async def claim(self, key: str, *, now: datetime) -> bool:
        """Record ``key``; True the first time, False when it was already claimed."""
        ...


class UnitOfWork(Protocol):
    """One transaction over the repositories: commit all or nothing."""

    directory: DirectoryRepository
    participants: ParticipantRepository
    once: OnceRepository

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class Messenger(Protocol):
    """Sends a proactive message to a participant, whether or not they chatted before."""

    async def send(self, participant_id: int, message: OutgoingMessage) -> None: ...
