"""Statements run straight on the driver give what SQLAlchemy gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from storage.autocommit import transaction
from storage.db import insert_new
from storage.direct_sql import prepare
from storage.tables import OutboxRow, ParticipantRow

NOW = datetime(2026, 3, 3, 9, 0, 0, 123456, tzinfo=UTC)
COLUMNS = select(ParticipantRow.id, ParticipantRow.teams_id, ParticipantRow.active, ParticipantRow.created_at,
                 ParticipantRow.conversation_reference, ParticipantRow.name)
BY_TEAMS_ID = COLUMNS.where(ParticipantRow.teams_id == bindparam("teams_id"))
ACTIVE_OF_TWO = COLUMNS.where(ParticipantRow.teams_id.in_(["29:a", "29:b"]),
                              ParticipantRow.active.is_(True)).order_by(ParticipantRow.id)
RENAME = update(ParticipantRow).where(ParticipantRow.teams_id == bindparam("teams_id")).values(
    name=bindparam("new_name"))


def new_participant(dialect: str):  # type: ignore[no-untyped-def]
    return insert_new(dialect, ParticipantRow.__table__, ("teams_id", "active", "created_at", "updated_at",
                                                           "conversation_reference", "name"), unique=("teams_id",))


def row(teams_id: str, *, active: bool = True, reference: dict | None = None) -> dict:
    return {"teams_id": teams_id, "active": active, "created_at": NOW, "updated_at": NOW,
            "conversation_reference": reference, "name": None}


async def test_rows_come_back_as_sqlalchemy_returns_them(engine, autocommit) -> None:  # type: ignore[no-untyped-def]
    statement = new_participant(engine.dialect.name)
    async with autocommit.connection() as direct:
        inserted = await direct.execute(statement, row("29:a", reference={"conversation": {"id": "a:1"}}))
        again = await direct.execute(statement, row("29:a"))
        await direct.execute(statement, row("29:b", active=False))
        read = (await direct.execute(BY_TEAMS_ID, {"teams_id": "29:a"})).first()
        both = (await direct.execute(ACTIVE_OF_TWO)).all()
    async with engine.connect() as connection:
        expected = (await connection.execute(BY_TEAMS_ID, {"teams_id": "29:a"})).first()
        expected_both = (await connection.execute(ACTIVE_OF_TWO)).all()
    assert len(inserted) == 1 and inserted.first().id == read.id
    assert len(again) == 0  # the insert skipped a taken teams id and returned nothing
    assert tuple(read) == tuple(expected)
    assert read.active is True and read.conversation_reference == {"conversation": {"id": "a:1"}}
    assert read.created_at.replace(tzinfo=UTC) == NOW  # SQLite hands back naive UTC, as through SQLAlchemy
    assert [tuple(r) for r in both] == [tuple(r) for r in expected_both] == [tuple(read)]


async def test_rowcount_and_a_missing_row(engine, autocommit) -> None:  # type: ignore[no-untyped-def]
    async with autocommit.connection() as direct:
        await direct.execute(new_participant(engine.dialect.name), row("29:a"))
        assert (await direct.execute(RENAME, {"teams_id": "29:a", "new_name": "Anna"})).rowcount == 1
        assert (await direct.execute(RENAME, {"teams_id": "29:x", "new_name": "X"})).rowcount == 0
        assert (await direct.execute(BY_TEAMS_ID, {"teams_id": "29:x"})).first() is None
        assert (await direct.execute(BY_TEAMS_ID, {"teams_id": "29:a"})).first().name == "Anna"


async def test_a_broken_constraint_is_sqlalchemys_integrity_error(engine, autocommit) -> None:  # type: ignore[no-untyped-def]
    plain_insert = insert(ParticipantRow).values({name: bindparam(name) for name in row("29:a")})
    async with autocommit.connection() as direct:
        await direct.execute(plain_insert, row("29:a"))
        with pytest.raises(IntegrityError):
            await direct.execute(plain_insert, row("29:a"))
        # The connection is still good afterwards.
        assert (await direct.execute(BY_TEAMS_ID, {"teams_id": "29:a"})).first() is not None


async def test_a_transaction_that_fails_writes_nothing(engine, autocommit) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError):
        async with transaction(engine) as direct:
            await direct.execute(new_participant(engine.dialect.name), row("29:a"))
            raise RuntimeError("half way")
    async with transaction(engine) as direct:
        await direct.execute(new_participant(engine.dialect.name), row("29:b"))
    async with autocommit.connection() as direct:
        assert (await direct.execute(BY_TEAMS_ID, {"teams_id": "29:a"})).first() is None
        assert (await direct.execute(BY_TEAMS_ID, {"teams_id": "29:b"})).first() is not None


async def test_unit_of_work_statements_join_its_transaction(uow_factory, engine) -> None:  # type: ignore[no-untyped-def]
    async with uow_factory() as uow:
        # An ORM change still pending is flushed before the direct statement reads.
        uow._session.add(ParticipantRow(teams_id="29:orm", active=True, created_at=NOW, updated_at=NOW))
        assert (await uow._statements.execute(BY_TEAMS_ID, {"teams_id": "29:orm"})).first() is not None
        await uow._statements.execute(new_participant(engine.dialect.name), row("29:direct"))
        # Not committed: both rows go with the rollback.
    async with uow_factory() as uow:
        assert await uow.participants.by_teams_id("29:orm") is None
        assert await uow.participants.by_teams_id("29:direct") is None
        await uow._statements.execute(new_participant(engine.dialect.name), row("29:kept"))
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.participants.by_teams_id("29:kept")) is not None


def test_a_list_given_at_run_time_is_refused_at_compile_time(engine) -> None:  # type: ignore[no-untyped-def]
    statement = select(OutboxRow.id).where(OutboxRow.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="list given at run time"):
        prepare(statement, engine.dialect)


def test_a_missing_value_is_named(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(KeyError, match="teams_id"):
        prepare(BY_TEAMS_ID, engine.dialect).arguments({})


async def test_a_reading_unit_of_work_reads_on_its_own_and_needs_no_session(  # type: ignore[no-untyped-def]
        engine, sessions, uow_factory, autocommit) -> None:
    from storage.unit_of_work import SqlUnitOfWork

    async with uow_factory() as writer:
        await writer._statements.execute(new_participant(engine.dialect.name), row("29:a"))
        async with SqlUnitOfWork(sessions, autocommit=autocommit) as reader:
            # The writer holds its transaction (on SQLite the pool's one connection): the reader
            # neither waits for it nor sees what it has not committed.
            assert await reader.participants.by_teams_id("29:a") is None
        await writer.commit()
    async with SqlUnitOfWork(sessions, autocommit=autocommit) as reader:
        assert (await reader.participants.by_teams_id("29:a")).teams_id == "29:a"
        assert reader._session.session is None  # no ORM session was opened
