"""Outbox rows ↔ domain ``OutboxMessage``; claiming is atomic on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Float, Text, and_, bindparam, case, cast, delete, func, or_, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

from bot.domain.outbox import OutboxMessage, OutboxState
from storage.db import dialect_insert, insert_new
from storage.statements import Statements
from storage.tables import OutboxRow, SendBudgetRow

PENDING, SENDING = OutboxState.PENDING.value, OutboxState.SENDING.value
# The one budget row every dispatcher of the app draws its sends from.
GLOBAL_BUDGET = "global"


class SqlOutboxRepository:
    """Implements ``bot.domain.ports.OutboxRepository`` on one session."""

    def __init__(self, session: AsyncSession, statements: Statements):
        self._session = session
        self._sql = statements

    async def plan(self, messages: Iterable[OutboxMessage], *, now: datetime) -> int:
        """Insert messages whose key is new; planning again changes nothing. Returns how many were new."""
        rows = [{"key": m.key, "recipient_id": m.recipient_id, "about_id": m.about_id, "kind": m.kind,
                 "payload": dict(m.payload), "state": PENDING, "due_at": m.due_at, "attempts": 0, "last_error": "",
                 "created_at": now}
                for m in messages]
        if not rows:
            return 0
        # One statement, built once, for one row (a notification) or a list (the reminder planner),
        # which SQLAlchemy then sends in batches ("insertmanyvalues"). A statement with 500 rows of
        # values built per call was compiled anew each time: 0.1 s each, 8 s for 40,000 reminders.
        statement = _plan(self._session.bind.dialect.name, tuple(rows[0]))
        if len(rows) == 1:
            return len(await self._sql.execute(statement, rows[0]))
        return len((await self._session.execute(statement, rows)).all())

    async def any_due(self, *, now: datetime) -> bool:
        """True when :meth:`claim_due` would find a row now (a read: nothing is claimed)."""
        return bool(await self._sql.execute(_any_due(), {"now": now}))

    async def claim_due(self, *, now: datetime, limit: int, worker: str, lease_until: datetime) -> list[OutboxMessage]:
        """Take up to ``limit`` due rows for ``worker``; other workers skip them.

        Rows whose lease expired (their dispatcher died mid-send, or could not record an outcome)
        are claimed again, and that lost claim counts as a failed attempt: a row that can never be
        finished runs out of attempts instead of coming back forever. This is the one place a
        message can be sent twice. One statement: atomic on its own.

        A row whose payload cannot be decoded comes back with ``broken`` set instead of failing
        the whole claim (which would leave every row of the batch claimed and unsent).
        """
        rows = await self._sql.execute(_claim(self._session.bind.dialect.name), {
            "now": now, "limit": limit, "worker": worker, "new_lease": lease_until})
        return sorted((_to_message(r) for r in rows), key=lambda m: (m.due_at, m.id))

    async def renew(self, message_ids: list[int], *, worker: str, lease_until: datetime) -> set[int]:
        """Extend ``worker``'s lease on these claimed rows; returns the ids it still holds."""
        statement = (update(OutboxRow)
                     .where(OutboxRow.id.in_(message_ids), OutboxRow.claimed_by == worker, OutboxRow.state == SENDING)
                     .values(lease_until=lease_until).returning(OutboxRow.id)
                     .execution_options(synchronize_session=False))
        return set((await self._session.scalars(statement)).all())

    async def record(self, message_id: int, *, worker: str, outcome: str, error: str, now: datetime,
                     retry_at: datetime | None = None) -> bool:
        """Store the outcome of a send attempt made by ``worker``; False when ``worker`` no longer held the row."""
        # PostgreSQL's text refuses NUL; an error text must never be the reason an outcome is lost.
        parameters = {"message_id": message_id, "worker": worker, "error": error.replace("\x00", ""), "now": now,
                      "retry_at": retry_at}
        return (await self._sql.execute(_record(outcome), parameters)).rowcount > 0

    async def release(self, message_ids: list[int], *, worker: str) -> int:
        """Hand rows ``worker`` claimed but did not send back to ``pending``, without counting an attempt.

        Returns:
            How many rows it still held and gave back.
        """
        if not message_ids:
            return 0
        statement = (update(OutboxRow)
                     .where(OutboxRow.id.in_(message_ids), OutboxRow.claimed_by == worker, OutboxRow.state == SENDING)
                     .values(state=PENDING, claimed_by=None, lease_until=None)
                     .execution_options(synchronize_session=False))
        return (await self._session.execute(statement)).rowcount or 0

    async def reserve_send(self, *, now: datetime, spacing: float, horizon: float) -> datetime:
        """Reserve the next moment the app may send, ``spacing`` seconds after the one reserved before.

        One upsert on one row, atomic on both databases, so every dispatcher sharing the database
        (other instances, a process restarted after a crash) draws from the same budget. Moments
        are on the dispatchers' own clocks (see ``bot.domain.rate_limit.send_spacing`` for skew); a
        reservation more than ``horizon`` seconds ahead of ``now`` (a clock that ran far ahead once)
        is ignored rather than waited for.

        Returns:
            When this send may go (``now`` or later).
        """
        rows = await self._sql.execute(_reserve(self._session.bind.dialect.name), {
            "name": GLOBAL_BUDGET, "now": now.timestamp(), "spacing": spacing, "horizon": horizon})
        return datetime.fromtimestamp(rows.scalar_one() - spacing, UTC)

    async def drop_pending(self, key_prefix: str) -> int:
        """Forget pending messages whose key starts with ``key_prefix``, so they can be planned anew
        (a deadline moved: its reminders must move too)."""
        statement = delete(OutboxRow).where(OutboxRow.key.startswith(key_prefix, autoescape=True),
                                            OutboxRow.state == PENDING)
        return (await self._session.execute(statement)).rowcount or 0

    async def sent_recipients(self, key_prefix: str, kinds: Iterable[str]) -> list[int]:
        """Who was sent a message of one of ``kinds`` whose key starts with ``key_prefix`` (each once).

        A deadline or session changed: these are the people who were told about it.
        """
        statement = (select(OutboxRow.recipient_id).distinct()
                     .where(OutboxRow.key.startswith(key_prefix, autoescape=True),
                            OutboxRow.kind.in_(list(kinds)), OutboxRow.state == OutboxState.SENT.value)
                     .order_by(OutboxRow.recipient_id))
        return list((await self._session.scalars(statement)).all())

    async def forget_participant(self, participant_id: int) -> int:
        """Delete every message to or about the participant, planned or sent (AVG erasure).

        Planned ones are thereby cancelled; sent ones still hold what they said.
        Returns how many rows went.
        """
        statement = delete(OutboxRow).where(
            or_(OutboxRow.recipient_id == participant_id, OutboxRow.about_id == participant_id))
        return (await self._session.execute(statement)).rowcount or 0

    async def prune(self, *, finished_before: datetime) -> int:
        """Delete messages that were sent, cancelled or failed before ``finished_before``.

        A sent row counts from ``sent_at``; a cancelled or failed one from ``due_at``, the moment
        of its last attempt. Planning never brings one back: planners plan only what is still
        ahead, and follow-ups only when a request moves. Returns how many rows went.
        """
        sent = and_(OutboxRow.state == OutboxState.SENT.value, OutboxRow.sent_at < finished_before)
        given_up = and_(OutboxRow.state.in_([OutboxState.CANCELLED.value, OutboxState.FAILED.value]),
                        OutboxRow.due_at < finished_before)
        return (await self._session.execute(delete(OutboxRow).where(or_(sent, given_up)))).rowcount or 0

    async def listing(self, *, states: Iterable[OutboxState] | None = None, limit: int = 200) -> list[OutboxMessage]:
        """Planned messages, soonest first (for ``reminders list``)."""
        statement = select(*_message_columns()).order_by(OutboxRow.due_at, OutboxRow.id).limit(limit)
        if states is not None:
            statement = statement.where(OutboxRow.state.in_([s.value for s in states]))
        return [_to_message(r) for r in (await self._session.execute(statement)).all()]


def _to_message(row: Any) -> OutboxMessage:
    due = row.due_at if row.due_at.tzinfo else row.due_at.replace(tzinfo=UTC)
    payload, broken = _payload(row.payload)
    return OutboxMessage(key=row.key, recipient_id=row.recipient_id, kind=row.kind, due_at=due,
                         payload=payload, about_id=row.about_id, id=row.id, state=OutboxState(row.state),
                         attempts=row.attempts, last_error=row.last_error or "", broken=broken)


def _payload(raw: Any) -> tuple[dict[str, Any], str]:
    """The payload as a dict, or ``({}, why)`` when the stored value is not a JSON object."""
    try:
        value = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError as error:  # the text is not JSON at all (only SQLite stores such text)
        return {}, f"payload is not JSON ({type(error).__name__})"
    if value is None:
        return {}, ""
    if not isinstance(value, dict):
        return {}, f"payload is a JSON {type(value).__name__}, not an object"
    return value, ""


def _message_columns() -> list[Any]:
    # The payload as text, decoded per row in _payload: the JSON type would decode every row of a
    # result at once, and one unreadable row would fail them all.
    return [cast(OutboxRow.payload, Text).label("payload") if name == "payload" else getattr(OutboxRow, name)
            for name in _MESSAGE_COLUMNS]


def _due() -> Any:
    """Rows to send now: due ones, and ones whose sender's lease ran out."""
    now = bindparam("now")
    return or_(and_(OutboxRow.state == PENDING, OutboxRow.due_at <= now),
               and_(OutboxRow.state == SENDING, OutboxRow.lease_until < now))


@cache
def _any_due() -> Any:
    # Built once: the dispatcher asks every couple of seconds, idle or not.
    return select(OutboxRow.id).where(_due()).limit(1)


@cache
def _claim(dialect: str) -> Any:
    # Built once: the dispatcher claims whenever something is due.
    candidates = select(OutboxRow.id).where(_due()).order_by(OutboxRow.due_at, OutboxRow.id).limit(bindparam("limit"))
    if dialect == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    return (update(OutboxRow)
            .where(OutboxRow.id.in_(candidates.scalar_subquery()))
            .values(state=SENDING, claimed_by=bindparam("worker"), lease_until=bindparam("new_lease"),
                    # A row still 'sending' here lost its claim without an outcome: that try counts.
                    attempts=case((OutboxRow.state == SENDING, OutboxRow.attempts + 1), else_=OutboxRow.attempts))
            .returning(*_message_columns())
            .execution_options(synchronize_session=False))


_MESSAGE_COLUMNS = ("id", "key", "recipient_id", "about_id", "kind", "payload", "state", "due_at", "attempts",
                    "last_error")


@cache
def _plan(dialect: str, columns: tuple[str, ...]) -> Any:
    # On the table, not the mapped class: given a list, the ORM's bulk insert would want objects.
    return insert_new(dialect, OutboxRow.__table__, columns, unique=("key",))


@cache
def _reserve(dialect: str) -> Any:
    # INSERT ... ON CONFLICT DO UPDATE ... RETURNING: one statement, so two dispatchers reserving
    # at once get two different moments (PostgreSQL locks the row; SQLite has one writer).
    table = SendBudgetRow.__table__
    now, spacing = bindparam("now", type_=Float), bindparam("spacing", type_=Float)
    latest = func.greatest if dialect == "postgresql" else func.max  # SQLite's max(a, b) is scalar
    start = case((table.c.next_at > now + bindparam("horizon", type_=Float), now),
                 else_=latest(table.c.next_at, now))
    return (dialect_insert(dialect)(table).values(name=bindparam("name"), next_at=now + spacing)
            .on_conflict_do_update(index_elements=["name"], set_={"next_at": start + spacing})
            # Both drivers hand back a float; asyncpg's Float processor wants a column type it
            # only learns from a result, which a statement compiled once does not have.
            .returning(type_coerce(table.c.next_at, NullType()).label("next_at")))


@cache
def _record(outcome: str) -> Any:
    # One statement per outcome, built once: the dispatcher records an outcome for every send.
    values: dict[str, object] = {"claimed_by": None, "lease_until": None, "last_error": bindparam("error")}
    if outcome == "sent":
        values.update(state=OutboxState.SENT.value, sent_at=bindparam("now"))
    elif outcome == "cancel":
        values.update(state=OutboxState.CANCELLED.value)
    elif outcome == "retry":
        values.update(state=PENDING, due_at=bindparam("retry_at"), attempts=OutboxRow.attempts + 1)
    else:
        values.update(state=OutboxState.FAILED.value, attempts=OutboxRow.attempts + 1)
    return (update(OutboxRow)
            .where(OutboxRow.id == bindparam("message_id"), OutboxRow.claimed_by == bindparam("worker"))
            .values(**values).execution_options(synchronize_session=False))
