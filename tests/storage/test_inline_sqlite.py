"""SQLite in place on the event loop: a lock held by another process waits without blocking the loop."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import create_engine
from storage.inline_sqlite import inline_connector


@pytest.fixture
def path(tmp_path: Path) -> str:
    database = str(tmp_path / "inline.db")
    with sqlite3.connect(database) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE notes (text TEXT)")
    return database


def hold_write_lock(database: str) -> sqlite3.Connection:
    """Another process's writer, as far as SQLite can tell (its own connection)."""
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_a_locked_database_is_waited_for_while_the_loop_runs_on(path: str) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    other = hold_write_lock(path)
    try:
        async def write() -> None:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES ('na het wachten')"))

        writer = asyncio.create_task(write())
        # The loop is free while the writer waits: this timeout can fire at all.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(writer), timeout=0.05)
        assert not writer.done()
        other.execute("COMMIT")
        await writer
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT text FROM notes"))).scalars().all() == ["na het wachten"]
    finally:
        other.close()
        await engine.dispose()


async def test_a_lock_held_too_long_fails_with_sqlites_error(path: str) -> None:
    connection = await inline_connector(path, timeout=0.02)()
    other = hold_write_lock(path)
    try:
        cursor = connection.cursor()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await cursor.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        await connection.close()


async def test_other_errors_are_not_retried(path: str) -> None:
    connection = await inline_connector(path, timeout=30)()
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await connection.cursor().execute("SELECT * FROM missing")
    finally:
        await connection.close()


def test_sqlite_needs_a_file() -> None:
    with pytest.raises(ValueError, match="database file"):
        create_engine("sqlite+aiosqlite:///:memory:")


async def test_reads_go_on_while_another_process_writes_and_a_single_write_is_kept(path: str) -> None:
    from storage.db import reading

    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    other = hold_write_lock(path)
    try:
        other.execute("INSERT INTO notes VALUES ('nog niet vastgelegd')")
        async with reading(engine).connect() as connection:
            # No BEGIN IMMEDIATE: the read neither waits for the writer nor sees its open work.
            rows = await asyncio.wait_for(connection.execute(text("SELECT text FROM notes")), timeout=5)
            assert rows.scalars().all() == []
        other.execute("COMMIT")
        async with reading(engine).connect() as connection:
            await connection.execute(text("INSERT INTO notes VALUES ('los geschreven')"))
        with sqlite3.connect(path) as check:  # committed by itself, without an explicit commit
            assert [r[0] for r in check.execute("SELECT text FROM notes ORDER BY 1")] == [
                "los geschreven", "nog niet vastgelegd"]
    finally:
        other.close()
        await engine.dispose()
