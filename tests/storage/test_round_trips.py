"""What a unit of work costs in trips to SQLite: each is a hop through aiosqlite's thread.

The counts come from SQLite's own connection: a ``sqlite3.Connection`` subclass (the public
``factory`` argument of ``sqlite3.connect``) that counts the calls the driver makes on it.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from storage.bot_state import SqlStorage
from storage.database import open_database
from storage.migrate import upgrade
from storage.tables import BotStateRow

STATE = BotStateRow.__table__
ROW = STATE.insert().values(key="k", data={}, e_tag="t", updated_at=datetime(2026, 3, 3, tzinfo=UTC))
CALLS: Counter[str] = Counter()


SQL: list[str] = []


class CountingConnection(sqlite3.Connection):
    """SQLite's connection, counting commits, rollbacks and cursors as the driver asks for them."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_trace_callback(SQL.append)  # every statement SQLite runs, BEGIN included

    def commit(self) -> None:
        CALLS["commit"] += 1
        super().commit()

    def rollback(self) -> None:
        CALLS["rollback"] += 1
        super().rollback()

    def cursor(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:
        CALLS["cursor"] += 1
        return super().cursor(*args, **kwargs)


@pytest.fixture
async def database(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with open_database(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}") as database:
        def counting(_dialect, _record, _cargs, cparams) -> None:  # type: ignore[no-untyped-def]
            cparams["factory"] = CountingConnection

        event.listen(database.engine.sync_engine, "do_connect", counting)
        await upgrade(database.engine)
        async with database.unit_of_work() as uow:  # the one connection is open and set up
            await uow.statements.execute(select(STATE.c.key))
        CALLS.clear()
        SQL.clear()
        yield database


async def test_a_committed_unit_of_work_is_not_rolled_back_as_well(database):  # type: ignore[no-untyped-def]
    async with database.unit_of_work() as uow:
        await uow.statements.execute(ROW)
        await uow.commit()
    assert CALLS["commit"] == 1
    assert CALLS["rollback"] == 0  # was 1: the pool's reset-on-return rolled back a finished transaction


async def test_a_unit_of_work_left_without_commit_rolls_back_once(database):  # type: ignore[no-untyped-def]
    async with database.unit_of_work() as uow:
        await uow.statements.execute(ROW)
    assert CALLS["rollback"] == 1  # was 2: the unit of work's own, then the pool's once more
    async with database.unit_of_work() as uow:  # nothing was kept, and the write lock is free again
        assert (await uow.statements.execute(select(STATE.c.key))).all() == []
        await uow.statements.execute(ROW)
        await uow.commit()


async def test_a_connection_returned_inside_a_transaction_is_rolled_back(database):  # type: ignore[no-untyped-def]
    # Raw SQL past SQLAlchemy's bookkeeping: only SQLite knows a transaction is open.
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        await raw.driver_connection.execute("BEGIN IMMEDIATE")
    assert CALLS["rollback"] >= 1
    async with database.unit_of_work() as uow:  # the write lock was given back
        await uow.statements.execute(ROW)
        await uow.commit()


async def test_loading_bot_state_is_one_select_and_no_transaction(database):  # type: ignore[no-untyped-def]
    storage = SqlStorage(database.sessions, dialect="sqlite")
    await storage.write({"conv": {"v": 1}})
    CALLS.clear()
    SQL.clear()
    assert (await storage.read(["conv"]))["conv"]["v"] == 1
    assert [statement.split()[0] for statement in SQL] == ["SELECT"]  # was BEGIN IMMEDIATE, SELECT, ROLLBACK
    assert CALLS["cursor"] == 1  # was 2: one more cursor (and trips) for the BEGIN


async def test_loading_bot_state_on_either_database_runs_only_its_select(database_url):  # type: ignore[no-untyped-def]
    # What the server (or SQLite) is sent, from the driver: SQLite's trace, asyncpg's query logger.
    sent: list[str] = []
    async with open_database(database_url) as opened:
        def listen(_dialect, _record, _cargs, cparams) -> None:  # type: ignore[no-untyped-def]
            cparams["factory"] = CountingConnection

        def log_queries(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
            record.driver_connection.add_query_logger(lambda query: sent.append(query.query))

        if opened.engine.dialect.name == "sqlite":
            event.listen(opened.engine.sync_engine, "do_connect", listen)
        else:
            event.listen(opened.engine.sync_engine, "connect", log_queries)
        await upgrade(opened.engine)
        storage = SqlStorage(opened.sessions, dialect=opened.engine.dialect.name)
        await storage.write({"conv": {"v": 1}})
        SQL.clear()
        sent.clear()
        assert (await storage.read(["conv"]))["conv"]["v"] == 1
    if opened.engine.dialect.name == "sqlite":
        assert [statement.split()[0] for statement in SQL] == ["SELECT"]  # was BEGIN IMMEDIATE, SELECT, ROLLBACK
    else:
        # asyncpg logs its simple queries (transaction control), not the prepared SELECT; the write's
        # COMMIT may be reported after the list was cleared.
        assert [query for query in sent if not query.startswith("COMMIT")] == []  # was BEGIN;, ROLLBACK;
