"""The coordinator overview's reads: one paged, filtered query per list (``bot.domain.overview``).

Each list is one statement with its joins and a LIMIT, plus one COUNT, so a page costs the
same with ten requests as with ten thousand (``bench/dashboard.py`` measures it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.documents import Document
from bot.domain.models import Participant
from bot.domain.overview import PAGE_SIZE, RequestFilter
from bot.domain.requests import Action, SparringRequest, State
from storage.document_repository import _to_document
from storage.request_repository import _aware, _to_request
from storage.tables import (
    DocumentRow,
    OutboxRow,
    ParticipantRow,
    PersonRow,
    RequestEventRow,
    RequestRow,
    ScheduleItemRow,
)

_ASKER_PERSON = aliased(PersonRow)


class SqlOverviewRepository:
    """Implements ``bot.domain.ports.OverviewRepository`` on one session."""

    def __init__(self, session: AsyncSession):
        self._session = session

    async def request_page(self, wanted: RequestFilter) -> tuple[list[tuple[SparringRequest, dict[str, str]]], int]:
        """One page of requests, newest first, each with its asker's name, e-mail and library; and the total."""
        conditions = _conditions(wanted)
        listing = (_listing().where(*conditions)
                   .order_by(RequestRow.created_at.desc(), RequestRow.id.desc())
                   .limit(PAGE_SIZE).offset(wanted.offset))
        rows = (await self._session.execute(listing)).all()
        if wanted.search:
            counting = _with_asker(select(func.count(RequestRow.id)).select_from(RequestRow)).where(*conditions)
        else:  # no join needed to count by state alone
            counting = select(func.count()).select_from(RequestRow).where(*conditions)
        total = int((await self._session.execute(counting)).scalar_one())
        return [(_to_request(row[0]), _asker(row)) for row in rows], total

    async def request_with_asker(self, request_id: int) -> tuple[SparringRequest, dict[str, str]] | None:
        """One request with its asker's name, e-mail and library."""
        row = (await self._session.execute(_listing().where(RequestRow.id == request_id))).first()
        return (_to_request(row[0]), _asker(row)) if row else None

    async def counts_by_state(self) -> dict[State, int]:
        """How many requests are in each state."""
        statement = select(RequestRow.state, func.count()).group_by(RequestRow.state)
        return {State(state): int(count) for state, count in (await self._session.execute(statement)).all()}

    async def request_times(self) -> list[dict[str, Any]]:
        """Per request: created, state, introduced, the assignee's first answer and acceptance, rating."""
        answered = _first(Action.ACCEPT, Action.EXPERT_DECLINE).subquery()
        accepted = _first(Action.ACCEPT).subquery()
        statement = (select(RequestRow.created_at, RequestRow.state, RequestRow.introduced_at, answered.c.at,
                            accepted.c.at, RequestRow.assignee_id, RequestRow.rating)
                     .outerjoin(answered, answered.c.request_id == RequestRow.id)
                     .outerjoin(accepted, accepted.c.request_id == RequestRow.id))
        return [{"created_at": _aware(created), "state": State(state),
                 "introduced_at": _aware(introduced) if introduced else None,
                 "answered_at": _aware(answer) if answer else None,
                 "accepted_at": _aware(accept) if accept else None,
                 "assignee_id": assignee, "rating": rating}
                for created, state, introduced, answer, accept, assignee, rating
                in (await self._session.execute(statement)).all()]


    async def roster(self) -> list[tuple[Participant, str]]:
        """Every active participant (the columns audiences and labels need, no address) with their label.

        The label is "Name (Library)" from the directory when linked, else the Teams name or e-mail.
        Narrow on purpose: the full rows carry conversation references, ten times the cost to read.
        """
        statement = (select(ParticipantRow.id, ParticipantRow.teams_id, ParticipantRow.tenant_id,
                            ParticipantRow.person_id, ParticipantRow.name, ParticipantRow.email,
                            ParticipantRow.reminders_enabled, _ASKER_PERSON.name, _ASKER_PERSON.organisation)
                     .outerjoin(_ASKER_PERSON, _ASKER_PERSON.id == ParticipantRow.person_id)
                     .where(ParticipantRow.active.is_(True)).order_by(ParticipantRow.id))
        found = []
        for (number, teams_id, tenant, person_id, name, email, reminders, person_name,
             organisation) in (await self._session.execute(statement)).all():
            participant = Participant(id=number, teams_id=teams_id, tenant_id=tenant, aad_object_id=None, name=name,
                                      email=email, locale=None, person_id=person_id,
                                      reminders_enabled=reminders is not False)
            label = f"{person_name} ({organisation})" if person_name else (name or email or f"#{number}")
            found.append((participant, label))
        return found

    async def change_marker(self) -> tuple[Any, ...]:
        """Moves whenever what the deadlines board and the health figures are computed from changes.

        Requests (any transition bumps ``updated_at``), their history, documents, the schedule, the
        directory, and who is a participant, linked, active or opted out. Participants'
        ``updated_at`` is left out on purpose: it moves on every turn, and nothing the board shows.
        """
        def scalar(*columns: Any) -> list[Any]:
            return [select(column).scalar_subquery() for column in columns]

        statement = select(*scalar(
            func.count(ParticipantRow.id), func.max(ParticipantRow.id), func.count(ParticipantRow.person_id),
            func.sum(case((ParticipantRow.active.is_(True), 1), else_=0)),
            func.sum(case((ParticipantRow.reminders_enabled.is_(True), 1), else_=0)),
            func.max(PersonRow.updated_at), func.count(PersonRow.id),
            func.count(DocumentRow.id), func.max(DocumentRow.id),
            func.count(RequestRow.id), func.max(RequestRow.updated_at), func.max(RequestEventRow.id),
            func.count(ScheduleItemRow.id), func.max(ScheduleItemRow.updated_at)))
        return tuple((await self._session.execute(statement)).one())

    async def document_page(self, *, category: str, deadline: str, offset: int,
                            limit: int) -> tuple[list[tuple[Document, str]], int]:
        """Handed-in documents by deadline, kind and time, one page, each with its owner's label; the total.

        ``category`` and ``deadline`` filter when not empty; ``deadline`` ``"-"`` means none.
        """
        conditions: list[Any] = []
        if category:
            conditions.append(DocumentRow.category == category)
        if deadline == "-":
            conditions.append(DocumentRow.deadline_id.is_(None))
        elif deadline:
            conditions.append(DocumentRow.deadline_id == deadline)
        listing = (select(DocumentRow, ParticipantRow.name, ParticipantRow.email, _ASKER_PERSON.name,
                          _ASKER_PERSON.organisation)
                   .outerjoin(ParticipantRow, ParticipantRow.id == DocumentRow.owner_id)
                   .outerjoin(_ASKER_PERSON, _ASKER_PERSON.id == ParticipantRow.person_id)
                   .where(*conditions)
                   .order_by(DocumentRow.deadline_id.is_(None), DocumentRow.deadline_id, DocumentRow.category,
                             DocumentRow.created_at.desc(), DocumentRow.id.desc())
                   .limit(limit).offset(offset))
        total = int((await self._session.execute(
            select(func.count(DocumentRow.id)).where(*conditions))).scalar_one())
        found = []
        for row, name, email, person_name, organisation in (await self._session.execute(listing)).all():
            label = f"{person_name} ({organisation})" if person_name else (name or email or f"#{row.owner_id}")
            found.append((_to_document(row), label))
        return found, total

    async def message_counts(self, key_prefix: str) -> dict[tuple[str, str], int]:
        """How many outbox messages whose key starts with ``key_prefix`` there are, by (kind, state)."""
        statement = (select(OutboxRow.kind, OutboxRow.state, func.count()).where(*_key_range(key_prefix))
                     .group_by(OutboxRow.kind, OutboxRow.state))
        return {(kind, state): int(count) for kind, state, count in (await self._session.execute(statement)).all()}

    async def recipients(self, key_prefix: str, *, kind: str, state: str) -> list[int]:
        """The recipients of the messages of ``kind`` in ``state`` whose key starts with ``key_prefix``."""
        statement = (select(OutboxRow.recipient_id).where(*_key_range(key_prefix), OutboxRow.kind == kind,
                                                          OutboxRow.state == state).order_by(OutboxRow.recipient_id))
        return [int(r) for r in (await self._session.scalars(statement)).all()]


def _key_range(prefix: str) -> tuple[Any, Any]:
    """Keys starting with ``prefix``, as a range the unique index on ``key`` serves (LIKE would not, everywhere)."""
    return OutboxRow.key >= prefix, OutboxRow.key < prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _first(*actions: Action) -> Select[Any]:
    """Each request's first event of one of ``actions`` (an expert's answer)."""
    return (select(RequestEventRow.request_id, func.min(RequestEventRow.at).label("at"))
            .where(RequestEventRow.action.in_([a.value for a in actions]))
            .group_by(RequestEventRow.request_id))


def _with_asker(statement: Select[Any]) -> Select[Any]:
    return (statement.outerjoin(ParticipantRow, ParticipantRow.id == RequestRow.asker_id)
            .outerjoin(_ASKER_PERSON, _ASKER_PERSON.id == ParticipantRow.person_id))


def _listing() -> Select[Any]:
    return _with_asker(select(RequestRow, ParticipantRow.name, ParticipantRow.email, _ASKER_PERSON.name,
                              _ASKER_PERSON.organisation).select_from(RequestRow))


def _conditions(wanted: RequestFilter) -> list[Any]:
    conditions: list[Any] = []
    if wanted.states:
        conditions.append(RequestRow.state.in_([s.value for s in wanted.states]))
    if wanted.search:
        # The search text is data, never a pattern: % and _ typed by Dia match themselves.
        escaped = wanted.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        columns = (RequestRow.text, RequestRow.theme, ParticipantRow.name, ParticipantRow.email,
                   _ASKER_PERSON.name, _ASKER_PERSON.organisation)
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\") for column in columns)))
    return conditions


def _asker(row: Any) -> dict[str, str]:
    _, teams_name, email, person_name, organisation = row
    return {"name": person_name or teams_name or "?", "email": email or "", "library": organisation or ""}
