"""Participant rows ↔ domain ``Participant`` and ``Address``."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.models import Address, Participant, ParticipantSeen
from storage.statements import Statements
from storage.tables import ParticipantRow


class SqlParticipantRepository:
    """Implements ``bot.domain.ports.ParticipantRepository`` on one session."""

    def __init__(self, session: AsyncSession, statements: Statements):
        self._session = session
        self._sql = statements
        # Plain rows read by id in this unit of work: a proactive send asks for the participant,
        # then for the address. Every write through this repository forgets them.
        self._by_id: dict[int, Any] = {}

    async def get(self, participant_id: int) -> Participant | None:
        """One participant by database id."""
        row = await self._row_by_id(participant_id)
        return _to_participant(row) if row else None

    async def by_teams_id(self, teams_id: str) -> Participant | None:
        """One participant by Teams user id."""
        # Every turn asks this; plain columns cost less than a mapped object that nobody changes.
        row = (await self._sql.execute(_by_teams_id_columns(), {"teams_id": teams_id})).first()
        return _to_participant(row) if row else None

    async def by_person(self, person_id: str) -> Participant | None:
        """The active participant linked to a directory person, if they were seen."""
        row = (await self._sql.execute(_by_person(), {"person_id": person_id})).first()
        return _to_participant(row) if row else None

    async def upsert(self, seen: ParticipantSeen, *, now: datetime) -> Participant:
        """Insert or refresh a participant; known fields are never blanked by a sparse activity."""
        self._by_id.clear()
        row = await self._row_by_teams_id(seen.teams_id)
        if row is None:
            try:
                async with self._session.begin_nested():
                    row = ParticipantRow(teams_id=seen.teams_id, active=True, created_at=now, updated_at=now)
                    self._session.add(row)
            except IntegrityError:
                # Teams delivers install, conversationUpdate and a first message at once: another
                # turn created this participant a moment ago. Update that row instead.
                row = await self._row_by_teams_id(seen.teams_id)
                assert row is not None
        for field_name in ("tenant_id", "aad_object_id", "name", "locale", "service_url"):
            value = getattr(seen, field_name)
            if value:
                setattr(row, field_name, value)
        if seen.email:
            row.email = seen.email.strip().lower()
        if seen.upn:
            row.upn = seen.upn.strip().lower()
        row.active = True
        row.updated_at = now
        await self._session.flush()
        return _to_participant(row)

    async def link_person(self, participant_id: int, person_id: str | None, *, now: datetime,
                          method: str | None = None) -> None:
        """Link (or unlink) the participant to a directory person, recording how (``LinkMethod``)."""
        self._by_id.pop(participant_id, None)
        row = await self._session.get(ParticipantRow, participant_id)
        method = method if person_id else None
        if row is not None and (row.person_id, row.link_method) != (person_id, method):
            row.person_id, row.link_method, row.updated_at = person_id, method, now

    async def linked(self, person_id: str | None = None) -> list[Participant]:
        """Participants linked to ``person_id`` (active or not), or to anyone when it is None."""
        statement = select(ParticipantRow).where(ParticipantRow.person_id.is_not(None))
        if person_id is not None:
            statement = statement.where(ParticipantRow.person_id == person_id)
        return [_to_participant(r) for r in (await self._session.scalars(statement.order_by(ParticipantRow.id)))]

    async def set_active(self, teams_id: str, active: bool, *, now: datetime) -> bool:
        """Activate or deactivate; True when something changed."""
        self._by_id.clear()
        row = await self._row_by_teams_id(teams_id)
        if row is None or row.active == active:
            return False
        row.active, row.updated_at = active, now
        return True

    async def address(self, participant_id: int) -> Address | None:
        """The stored conversation reference for proactive messages."""
        row = await self._row_by_id(participant_id)
        if row is None or not row.conversation_reference or not row.conversation_id:
            return None
        return Address(conversation_id=row.conversation_id, reference=dict(row.conversation_reference))

    async def set_address(self, participant_id: int, address: Address, *, now: datetime) -> None:
        """Remember the personal conversation to use for proactive messages."""
        self._by_id.pop(participant_id, None)
        row = await self._session.get(ParticipantRow, participant_id)
        if row is not None and row.conversation_reference != address.reference:
            row.conversation_id = address.conversation_id
            row.conversation_reference = dict(address.reference)
            row.updated_at = now

    async def unlinked_with_email(self) -> list[Participant]:
        """Participants with an e-mail but no directory person yet."""
        statement = select(ParticipantRow).where(
            ParticipantRow.person_id.is_(None), ParticipantRow.email.is_not(None)
        )
        return [_to_participant(r) for r in (await self._session.scalars(statement)).all()]

    async def unlinked_identified(self) -> list[Participant]:
        """Participants without a directory person but with an identifier Teams reported."""
        statement = select(ParticipantRow).where(
            ParticipantRow.person_id.is_(None),
            or_(ParticipantRow.email.is_not(None), ParticipantRow.upn.is_not(None),
                ParticipantRow.aad_object_id.is_not(None)),
        ).order_by(ParticipantRow.id)
        return [_to_participant(r) for r in (await self._session.scalars(statement)).all()]

    async def active(self, *, after: int = 0, limit: int | None = None) -> list[Participant]:
        """Active participants by id: all of them, or a page of ``limit`` with ids above ``after``."""
        statement = _active() if limit is None else _active_page()
        rows = await self._session.execute(statement, {"after": after, "limit": limit})
        return [_to_participant(r) for r in rows]

    async def set_reminders(self, participant_id: int, enabled: bool) -> None:
        """Turn reminders on or off for a participant."""
        self._by_id.pop(participant_id, None)
        row = await self._session.get(ParticipantRow, participant_id)
        if row is not None:
            row.reminders_enabled = enabled

    async def set_library(self, participant_id: int, library: str, *, now: datetime) -> None:
        """Remember the library a participant said they work for (already checked by the domain)."""
        self._by_id.pop(participant_id, None)
        row = await self._session.get(ParticipantRow, participant_id)
        if row is not None:
            row.library, row.updated_at = library, now

    async def count_library_asked(self, participant_id: int) -> int:
        """Count one more time the bot asked for the participant's library; returns the new count."""
        self._by_id.pop(participant_id, None)
        row = await self._session.get(ParticipantRow, participant_id)
        if row is None:
            return 0
        row.library_asked = (row.library_asked or 0) + 1
        return row.library_asked

    async def libraries(self) -> list[str]:
        """The libraries participants outside the directory named, each once."""
        statement = select(ParticipantRow.library).where(ParticipantRow.library.is_not(None)).distinct()
        return sorted({name for name in (await self._session.scalars(statement)).all() if name})

    async def delete(self, participant_id: int) -> None:
        """Remove the participant; the database cascades to their requests and planned messages."""
        row = await self._session.get(ParticipantRow, participant_id)
        self._by_id.pop(participant_id, None)
        if row is not None:
            await self._session.delete(row)
            await self._session.flush()

    async def linked_person_ids(self) -> set[str]:
        """Directory people that already have a Teams user."""
        statement = select(ParticipantRow.person_id).where(ParticipantRow.person_id.is_not(None)).distinct()
        return {p for p in (await self._session.scalars(statement)).all() if p}

    async def count(self, *, active_only: bool = True) -> int:
        """How many participants there are."""
        statement = select(func.count()).select_from(ParticipantRow)
        if active_only:
            statement = statement.where(ParticipantRow.active.is_(True))
        return int((await self._session.execute(statement)).scalar_one())

    async def change_marker(self) -> tuple[int, int, datetime | None]:
        """(how many, highest id, latest ``updated_at``): every write here moves it."""
        count, highest, latest = (await self._sql.execute(_change_marker())).first()
        return int(count), int(highest or 0), latest

    async def _row_by_id(self, participant_id: int) -> Any:
        if participant_id not in self._by_id:
            # A select built once: Session.get builds its statement anew every time.
            self._by_id[participant_id] = (
                await self._sql.execute(_by_id(), {"participant_id": participant_id})).first()
        return self._by_id[participant_id]

    async def _row_by_teams_id(self, teams_id: str) -> ParticipantRow | None:
        return (await self._session.scalars(_by_teams_id(), {"teams_id": teams_id})).first()


@cache
def _by_teams_id() -> Select[tuple[ParticipantRow]]:
    # Every turn runs this; built once, the statement keeps its cache key (storage/bot_state.py).
    return select(ParticipantRow).where(ParticipantRow.teams_id == bindparam("teams_id"))


@cache
def _by_teams_id_columns() -> Select[Any]:
    return _plain_rows().where(ParticipantRow.teams_id == bindparam("teams_id"))


def _to_participant(row: Any) -> Participant:
    return Participant(
        id=row.id, teams_id=row.teams_id, tenant_id=row.tenant_id,
        aad_object_id=row.aad_object_id, name=row.name, email=row.email, locale=row.locale,
        person_id=row.person_id, active=row.active,
        has_address=bool(row.conversation_reference), service_url=row.service_url,
        reminders_enabled=row.reminders_enabled is not False, conversation_id=row.conversation_id,
        upn=row.upn, link_method=row.link_method, library=row.library, library_asked=row.library_asked or 0,
    )


_PARTICIPANT_COLUMNS = ("id", "teams_id", "tenant_id", "aad_object_id", "name", "email", "locale", "person_id",
                        "active", "conversation_reference", "service_url", "reminders_enabled", "conversation_id",
                        "upn", "link_method", "library", "library_asked")


@cache
def _plain_rows() -> Select[Any]:
    # The columns ``_to_participant`` reads, as plain rows: mapped objects cost three times as
    # much to build, and reads that change nothing do not need them.
    return select(*(getattr(ParticipantRow, name) for name in _PARTICIPANT_COLUMNS))


@cache
def _active() -> Select[Any]:
    # Every participant, for the reminder planner.
    return (_plain_rows().where(ParticipantRow.active.is_(True), ParticipantRow.id > bindparam("after"))
            .order_by(ParticipantRow.id))


@cache
def _active_page() -> Select[Any]:
    return _active().limit(bindparam("limit"))


@cache
def _change_marker() -> Select[Any]:
    return select(func.count(), func.max(ParticipantRow.id), func.max(ParticipantRow.updated_at))


@cache
def _by_id() -> Select[Any]:
    # Read for every proactive send.
    return _plain_rows().where(ParticipantRow.id == bindparam("participant_id"))


@cache
def _by_person() -> Select[Any]:
    # Read for the coordinator on every submitted question.
    return (_plain_rows()
            .where(ParticipantRow.person_id == bindparam("person_id"), ParticipantRow.active.is_(True))
            .order_by(ParticipantRow.updated_at.desc()))
