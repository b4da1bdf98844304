"""Request rows ↔ domain ``SparringRequest`` and ``RequestEvent``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, Update, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.requests import (
    Action,
    Preference,
    RequestEvent,
    SparringRequest,
    StaleRequest,
    State,
    Suggestion,
    new_public_ref,
)
from storage.db import insert_new
from storage.statements import Statements
from storage.tables import RequestEventRow, RequestRow, RoutingFeedbackRow

LOAD_STATES = (State.ASSIGNED.value, State.ACCEPTED.value)


class SqlRequestRepository:
    """Implements ``bot.domain.ports.RequestRepository`` on one session."""

    def __init__(self, session: AsyncSession, statements: Statements):
        self._session = session
        self._sql = statements

    async def add(self, request: SparringRequest, *, source_key: str) -> tuple[SparringRequest, bool]:
        """Insert, or return the request already made from ``source_key`` (a redelivery)."""
        if not request.public_ref:
            request = dataclasses.replace(request, public_ref=new_public_ref())
        values = {"source_key": source_key[:300], "public_ref": request.public_ref, **_columns(request)}
        # One statement: a redelivered (or concurrently delivered) activity inserts nothing.
        inserted = (await self._sql.execute(_insert(self._session.bind.dialect.name, tuple(values)), values)).first()
        if inserted is not None:
            return dataclasses.replace(request, id=inserted.id), True
        existing = await self._by_source_key(source_key)
        assert existing is not None
        return _to_request(existing), False

    async def get(self, request_id: int) -> SparringRequest | None:
        """One request by id."""
        row = await self._session.get(RequestRow, request_id)
        return _to_request(row) if row else None

    async def by_ref(self, public_ref: str) -> SparringRequest | None:
        """The request a card's random reference names."""
        if not public_ref:
            return None
        row = (await self._session.scalars(select(RequestRow).where(RequestRow.public_ref == public_ref))).first()
        return _to_request(row) if row else None

    async def save(self, request: SparringRequest, *, expected_version: int) -> SparringRequest:
        """Compare-and-set on ``version``: two clicks or two coordinators cannot both win."""
        columns = _columns(request)
        parameters = {f"new_{name}": value for name, value in columns.items()}
        parameters.update(request_id=request.id, expected_version=expected_version)
        if not (await self._sql.execute(_save(tuple(columns)), parameters)).rowcount:
            raise StaleRequest(f"request {request.id} was changed by someone else")
        return request

    async def add_event(self, event: RequestEvent) -> None:
        """Append one transition to the history."""
        await self._sql.execute(_add_event(), {
            "request_id": event.request_id, "at": event.at, "actor": event.actor, "action": event.action.value,
            "from_state": event.from_state.value if event.from_state else None, "to_state": event.to_state.value,
            "detail": dict(event.detail),
        })

    async def events(self, request_id: int) -> list[RequestEvent]:
        """The history of a request, oldest first."""
        statement = select(RequestEventRow).where(RequestEventRow.request_id == request_id).order_by(RequestEventRow.id)
        return [
            RequestEvent(request_id=r.request_id, at=_aware(r.at), actor=r.actor, action=Action(r.action),
                         from_state=State(r.from_state) if r.from_state else None, to_state=State(r.to_state),
                         detail=dict(r.detail or {}))
            for r in (await self._session.scalars(statement)).all()
        ]

    async def for_asker(self, participant_id: int) -> list[SparringRequest]:
        """An asker's requests, newest first."""
        statement = select(RequestRow).where(RequestRow.asker_id == participant_id).order_by(RequestRow.id.desc())
        return [_to_request(r) for r in (await self._session.scalars(statement)).all()]

    async def for_assignee(self, person_id: str, states: Iterable[State]) -> list[SparringRequest]:
        """Requests assigned to a person in the given states, oldest first."""
        statement = select(RequestRow).where(
            RequestRow.assignee_id == person_id, RequestRow.state.in_([s.value for s in states])
        ).order_by(RequestRow.id)
        return [_to_request(r) for r in (await self._session.scalars(statement)).all()]

    async def in_states(self, states: Iterable[State]) -> list[SparringRequest]:
        """All requests in the given states, oldest first."""
        statement = select(RequestRow).where(RequestRow.state.in_([s.value for s in states])).order_by(RequestRow.id)
        return [_to_request(r) for r in (await self._session.scalars(statement)).all()]

    async def open_load(self) -> dict[str, int]:
        """How many assigned or accepted requests each person carries."""
        return {person: int(count) for person, count in await self._sql.execute(_open_load())}

    async def themes_by_asker(self) -> dict[int, set[str]]:
        """The themes each asker asked about (withdrawn requests do not count)."""
        statement = select(RequestRow.asker_id, RequestRow.theme).where(RequestRow.state != State.WITHDRAWN.value)
        themes: dict[int, set[str]] = {}
        for asker, theme in (await self._session.execute(statement)).all():
            themes.setdefault(asker, set()).add(theme)
        return themes

    async def forget_feedback(self, questions: list[str]) -> None:
        """Delete redirect notes made from these question texts (AVG erasure)."""
        if questions:
            await self._session.execute(delete(RoutingFeedbackRow).where(RoutingFeedbackRow.question.in_(questions)))

    async def redact_actor(self, actor: str, *, replacement: str) -> int:
        """Replace ``actor`` in every request's history (AVG erasure of someone who acted on others'
        requests); returns how many events changed."""
        statement = (update(RequestEventRow).where(RequestEventRow.actor == actor).values(actor=replacement)
                     .execution_options(synchronize_session=False))
        return (await self._session.execute(statement)).rowcount or 0

    async def add_feedback(self, question: str, person_id: str, *, now: datetime) -> None:
        """Remember a redirect for the router."""
        self._session.add(RoutingFeedbackRow(question=question, person_id=person_id, created_at=now))

    async def feedback(self) -> list[tuple[str, str]]:
        """All redirects as (question, person id), oldest first."""
        return [(q, p) for q, p in await self._sql.execute(_feedback())]

    async def _by_source_key(self, source_key: str) -> RequestRow | None:
        return (await self._session.scalars(_by_source_key(), {"source_key": source_key[:300]})).first()


# The statements of every submitted question, built once: a statement object that is reused
# keeps its cache key, and building one costs more than SQLite takes to run it.
@cache
def _by_source_key() -> Select[tuple[RequestRow]]:
    return select(RequestRow).where(RequestRow.source_key == bindparam("source_key"))


@cache
def _insert(dialect: str, columns: tuple[str, ...]) -> Any:
    return insert_new(dialect, RequestRow.__table__, columns, unique=("source_key",))


@cache
def _add_event() -> Insert:
    return insert(RequestEventRow).values({name: bindparam(name) for name in (
        "request_id", "at", "actor", "action", "from_state", "to_state", "detail")})


@cache
def _open_load() -> Select[tuple[str | None, int]]:
    return (select(RequestRow.assignee_id, func.count())
            .where(RequestRow.state.in_(LOAD_STATES), RequestRow.assignee_id.is_not(None))
            .group_by(RequestRow.assignee_id))


@cache
def _feedback() -> Select[tuple[str, str]]:
    return select(RoutingFeedbackRow.question, RoutingFeedbackRow.person_id).order_by(RoutingFeedbackRow.id)


@cache
def _save(columns: tuple[str, ...]) -> Update:
    return (update(RequestRow)
            .where(RequestRow.id == bindparam("request_id"), RequestRow.version == bindparam("expected_version"))
            .values({name: bindparam(f"new_{name}") for name in columns})
            .execution_options(synchronize_session=False))


def _columns(request: SparringRequest) -> dict[str, Any]:
    return {
        "asker_id": request.asker_id, "text": request.text, "theme": request.theme,
        "preference": request.preference.value, "context": request.context, "state": request.state.value,
        "version": request.version,
        "suggestions": [{"person": s.person_id, "score": s.score, "reasons": list(s.reasons)}
                        for s in request.suggestions],
        "assignee_id": request.assignee_id, "declined_by": list(request.declined_by), "note": request.note,
        "rating": request.rating, "comment": request.comment, "introduced_at": request.introduced_at,
        "created_at": request.created_at, "updated_at": request.updated_at,
    }


def _to_request(row: RequestRow) -> SparringRequest:
    return SparringRequest(
        id=row.id, asker_id=row.asker_id, text=row.text, theme=row.theme, preference=Preference(row.preference),
        context=row.context, state=State(row.state), created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at), version=row.version,
        suggestions=tuple(Suggestion(s["person"], float(s["score"]), tuple(s.get("reasons", ())))
                          for s in row.suggestions or ()),
        assignee_id=row.assignee_id, declined_by=tuple(row.declined_by or ()), note=row.note or "",
        rating=row.rating, comment=row.comment or "",
        introduced_at=_aware(row.introduced_at) if row.introduced_at else None, public_ref=row.public_ref,
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone=True columns; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
