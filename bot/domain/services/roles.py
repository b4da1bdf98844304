"""Who may do what: the coordinator is the participant linked to an active coordinator person."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.models import Participant, Person, Role
from bot.domain.ports import UnitOfWork, UnitOfWorkFactory
from bot.domain.requests import NotAllowed


class CoordinatorOnly(NotAllowed):
    """Only the programme's coordinator may do this; the edge says so in one sentence."""


async def is_coordinator(uow: UnitOfWork, participant: Participant | None) -> bool:
    """True when ``participant`` is linked to an active coordinator of the directory."""
    if participant is None or not participant.person_id:
        return False
    person = await uow.directory.person(participant.person_id)
    return person is not None and person.active and person.role is Role.COORDINATOR


async def require_coordinator(uow: UnitOfWork, actor: Participant | None) -> None:
    """The one coordinator check of every use case that only the coordinator may run.

    Raises:
        CoordinatorOnly: ``actor`` is not linked to an active coordinator.
    """
    if not await is_coordinator(uow, actor):
        raise CoordinatorOnly("only the coordinator may do this")


async def people_by_id(uow: UnitOfWork) -> dict[str, Person]:
    """The whole directory, by person id (cards name people by their id)."""
    return {p.id: p for p in await uow.directory.people()}


class Roles:
    """Who someone is in the programme, for checks made before a use case runs (card actions)."""

    def __init__(self, uow_factory: UnitOfWorkFactory):
        self._uow_factory = uow_factory

    async def is_coordinator(self, participant: Participant | None) -> bool:
        """True for a participant linked to an active coordinator."""
        async with self._uow_factory() as uow:
            return await is_coordinator(uow, participant)

    async def require_coordinator(self, participant: Participant | None) -> None:
        """Raises :class:`CoordinatorOnly` unless ``participant`` is a coordinator."""
        async with self._uow_factory() as uow:
            await require_coordinator(uow, participant)


async def coordinator_participants(uow: UnitOfWork, people: Iterable[Person] | None = None) -> list[Participant]:
    """The participants of every active coordinator who has been seen in Teams.

    Args:
        uow: The unit of work to read in.
        people: The directory, when the caller has read it already.
    """
    found = []
    for person in people if people is not None else await uow.directory.people(active_only=True):
        if person.active and person.role is Role.COORDINATOR:
            participant = await uow.participants.by_person(person.id)
            if participant is not None:
                found.append(participant)
    return found
