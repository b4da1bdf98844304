"""Asking people outside the directory which library they work for, and remembering the answer.

Asked at first contact; someone who lets it pass is asked at most once more, when they hand
something in (a question or a document). Nobody is ever blocked: the bot works without it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.domain.clock import Clock
from bot.domain.cost_split import ANONYMOUS_LIBRARY_PREFIX, PARTICIPANT_LIBRARY_PREFIX, CostSplit
from bot.domain.libraries import MAX_ASKS, Who, clean_library, known_libraries, labels_of, needs_library, who
from bot.domain.models import Participant
from bot.domain.ports import UnitOfWork, UnitOfWorkFactory
from bot.domain.requests import NotAllowed
from bot.domain.services.roles import people_by_id


async def labels(uow: UnitOfWork, participants: Iterable[Participant]) -> dict[int, str]:
    """Participant id → "Name (Library)" (just the name while the library is unknown), for overviews."""
    return labels_of(participants, await people_by_id(uow))


async def split_owners(uow: UnitOfWork, splits: Sequence[tuple[str, CostSplit]]) -> list[tuple[Who | None, CostSplit]]:
    """Each cost split with who handed it in, named by library.

    A split is stored under the owner's directory organisation, or as ``participant:<id>`` for
    someone outside the directory (so an erasure can make it anonymous). That key is read here
    as the participant's library as known now; ``None`` when the split stands for nobody any
    more (erased: ``anoniem:<hex>``). A directory organisation is a ``Who`` without a name.
    """
    people = await people_by_id(uow)
    found: list[tuple[Who | None, CostSplit]] = []
    for library, split in splits:
        if library.startswith(PARTICIPANT_LIBRARY_PREFIX):
            number = library[len(PARTICIPANT_LIBRARY_PREFIX):]
            owner = await uow.participants.get(int(number)) if number.isdigit() else None
            found.append((who(owner, people) if owner else None, split))
        elif library.startswith(ANONYMOUS_LIBRARY_PREFIX):
            found.append((None, split))
        else:
            found.append((Who("", library), split))
    return found


def _due(participant: Participant, *, handing_in: bool) -> bool:
    """Whether it is this participant's turn to be asked: never asked, or asked once and handing in now."""
    if not needs_library(participant) or participant.library_asked >= MAX_ASKS:
        return False
    return participant.library_asked == 0 or handing_in


class LibraryService:
    """Which library someone outside the directory works for."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock):
        self._uow_factory = uow_factory
        self._clock = clock

    async def turn_to_ask(self, participant: Participant, *, handing_in: bool) -> list[str] | None:
        """Whether to ask now, counted as asked when so: the libraries to choose from, or ``None``.

        The first time at any turn (first contact); the second only when ``handing_in``; never
        more, and never someone in the directory or whose library is known.
        """
        if not _due(participant, handing_in=handing_in):
            return None  # the common case, decided on the turn's own record: no database work per message
        async with self._uow_factory() as uow:
            current = await uow.participants.get(participant.id)  # read again: another turn may have asked
            if current is None or not _due(current, handing_in=handing_in):
                return None
            await uow.participants.count_library_asked(current.id)
            choices = known_libraries((await people_by_id(uow)).values(), await uow.participants.libraries())
            await uow.commit()
        return choices

    async def choices(self) -> list[str]:
        """The libraries to choose from (the directory's and those named before)."""
        async with self._uow_factory() as uow:
            return known_libraries((await people_by_id(uow)).values(), await uow.participants.libraries())

    async def current(self, participant: Participant) -> Who:
        """The participant's name and library as overviews show them."""
        async with self._uow_factory() as uow:
            fresh = await uow.participants.get(participant.id)
            return who(fresh or participant, await people_by_id(uow))

    async def save(self, participant: Participant, typed: str) -> str:
        """Remember the library; returns it as kept.

        Raises:
            LibraryRefused: The name is empty, too long, or holds markup or a link.
            NotAllowed: The participant is in the directory: their library is their organisation there.
        """
        library = clean_library(typed)
        async with self._uow_factory() as uow:
            current = await uow.participants.get(participant.id)
            if current is None or current.person_id is not None:
                raise NotAllowed("in the directory: the coordinator keeps their organisation")
            await uow.participants.set_library(current.id, library, now=self._clock.now())
            await uow.commit()
        return library
