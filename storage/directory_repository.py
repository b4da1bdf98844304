"""Directory rows ↔ domain ``Programme`` and ``Person``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.models import Person, Programme, Role
from storage.statements import Statements
from storage.tables import PersonRow, ProgrammeRow


class SqlDirectoryRepository:
    """Implements ``bot.domain.ports.DirectoryRepository`` on one session."""

    def __init__(self, session: AsyncSession, statements: Statements):
        self._session = session
        self._sql = statements
        # The directory as read in this unit of work: a submitted question needs it to route and
        # again for the coordinator's card. Writes through this repository forget it.
        self._people: list[Person] | None = None

    async def programme(self) -> Programme | None:
        """The stored programme, if any was imported."""
        row = (await self._sql.execute(_programme())).first()
        if row is None:
            return None
        return Programme(name=row.name, timezone=row.timezone, language=row.language,
                         themes=tuple(row.themes))

    async def save_programme(self, programme: Programme) -> None:
        """Insert or replace the programme row."""
        row = await self._session.get(ProgrammeRow, 1)
        if row is None:
            row = ProgrammeRow(id=1)
            self._session.add(row)
        row.name, row.timezone, row.language = programme.name, programme.timezone, programme.language
        row.themes = list(programme.themes)

    async def people(self, *, active_only: bool = False) -> list[Person]:
        """All people, ordered by id."""
        if self._people is None:
            self._people = [_to_person(row) for row in await self._sql.execute(_people())]
        return [p for p in self._people if p.active] if active_only else list(self._people)

    async def person(self, person_id: str) -> Person | None:
        """One person by id."""
        if self._people is not None:
            return next((p for p in self._people if p.id == person_id), None)
        row = (await self._sql.execute(_person(), {"id": person_id})).first()
        return _to_person(row) if row else None

    async def person_by_email(self, email: str) -> Person | None:
        """The active person with this e-mail address (case-insensitive)."""
        if not email:
            return None
        statement = select(PersonRow).where(
            func.lower(PersonRow.email) == email.strip().lower(), PersonRow.active.is_(True)
        )
        row = (await self._session.scalars(statement)).first()
        return _to_person(row) if row else None

    async def save_person(self, person: Person, *, now: datetime) -> str:
        """Insert or update; return ``added``, ``updated`` or ``unchanged``."""
        self._people = None
        row = await self._session.get(PersonRow, person.id)
        values = {
            "name": person.name, "organisation": person.organisation, "role": person.role.value,
            "email": person.email, "topics": list(person.topics), "expertise": person.expertise,
            "capacity": person.capacity, "active": person.active, "aad_object_id": person.aad_object_id,
        }
        if row is None:
            self._session.add(PersonRow(id=person.id, updated_at=now, **values))
            return "added"
        if all(getattr(row, key) == value for key, value in values.items()):
            return "unchanged"
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = now
        return "updated"

    async def deactivate_people_except(self, keep: Iterable[str], *, now: datetime) -> int:
        """Deactivate every active person whose id is not in ``keep``."""
        self._people = None
        statement = (
            update(PersonRow)
            .where(PersonRow.id.not_in(list(keep)), PersonRow.active.is_(True))
            .values(active=False, updated_at=now)
        )
        return (await self._session.execute(statement)).rowcount or 0


def _to_person(row: Any) -> Person:
    return Person(
        id=row.id, name=row.name, organisation=row.organisation, role=Role(row.role),
        email=row.email, topics=tuple(row.topics or ()), expertise=row.expertise,
        capacity=row.capacity, active=row.active, aad_object_id=row.aad_object_id,
    )


@cache
def _programme() -> Select[tuple[str, str, str, list[str]]]:
    # Read by most turns of the question dialog; built once, the statement keeps its cache key.
    return select(ProgrammeRow.name, ProgrammeRow.timezone, ProgrammeRow.language,
                  ProgrammeRow.themes).where(ProgrammeRow.id == 1)


_PERSON_COLUMNS = ("id", "name", "organisation", "role", "email", "topics", "expertise", "capacity", "active",
                   "aad_object_id")


@cache
def _plain_rows() -> Select[Any]:
    # Columns, not entities: plain rows cost a fraction of mapped objects, and nobody changes them.
    return select(*(getattr(PersonRow, name) for name in _PERSON_COLUMNS))


@cache
def _people() -> Select[Any]:
    return _plain_rows().order_by(PersonRow.id)


@cache
def _person() -> Select[Any]:
    return _plain_rows().where(PersonRow.id == bindparam("id"))
