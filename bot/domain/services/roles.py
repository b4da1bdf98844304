"""Who may do what: the coordinator is the participant linked to an active coordinator person."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.models import Participant, Person, Role
from bot.domain.ports import UnitOfWork


async def is_coordinator(uow: UnitOfWork, participant: Participant | None) -> bool:
    """True when ``participant`` is linked to an active coordinator of the directory."""
    if participant is None or not participant.person_id:
        return False
    person = await uow.directory.person(participant.person_id)
    return person is not None and person.active and person.role is Role.COORDINATOR


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
