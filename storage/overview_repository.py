"""The coordinator overview's reads: one paged, filtered query per list (``bot.domain.overview``).

Each list is one statement with its joins and a LIMIT, plus one COUNT, so a page costs the
same with ten requests as with ten thousand (``bench/dashboard.py`` measures it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.overview import PAGE_SIZE, RequestFilter
from bot.domain.requests import Action, SparringRequest, State
from storage.request_repository import _aware, _to_request
from storage.tables import OutboxRow, ParticipantRow, PersonRow, RequestEventRow, RequestRow

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
