"""Read-only units of work (bot state is loaded in one on every turn): they read, and only read."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from storage.bot_state import SqlStorage
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.statements import ReadOnlyError
from storage.tables import BotStateRow
from storage.unit_of_work import SqlUnitOfWork

STATE = BotStateRow.__table__
NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


async def keys(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    async with SqlUnitOfWork(sessions) as uow:
        return list((await uow.statements.execute(select(STATE.c.key).order_by(STATE.c.key))).scalars())


async def test_a_read_only_unit_of_work_reads(engine, sessions):  # type: ignore[no-untyped-def]
    storage = SqlStorage(sessions, dialect=engine.dialect.name)
    await storage.write({"a": {"v": 1}, "b": {"v": 2}})
    async with SqlUnitOfWork(sessions, read_only=True) as uow:
        first = (await uow.statements.execute(select(STATE.c.key).where(STATE.c.key == "a"))).scalars()
        second = (await uow.statements.execute(select(STATE.c.key).order_by(STATE.c.key))).scalars()
        assert (first, second) == (["a"], ["a", "b"])
        assert await uow.once.claimed("nothing") is False  # the ORM's own SELECTs too
    assert (await storage.read(["a"]))["a"]["v"] == 1


async def test_a_read_only_unit_of_work_writes_nothing_whichever_way_it_is_asked(engine, sessions):  # type: ignore[no-untyped-def]
    storage = SqlStorage(sessions, dialect=engine.dialect.name)
    await storage.write({"a": {"v": 1}})
    row = {"key": "b", "data": {}, "e_tag": "t", "updated_at": NOW}
    async with SqlUnitOfWork(sessions, read_only=True) as uow:
        await uow.statements.execute(select(STATE.c.key))  # its connection is open, as after a read
        with pytest.raises(ReadOnlyError):
            await uow.statements.execute(STATE.insert().values(row))
        with pytest.raises(ReadOnlyError):  # a repository's statement through the session itself
            await uow.once.forget(["x"])
        with pytest.raises(ReadOnlyError):
            await uow.statements.execute(update(STATE).values(e_tag="changed"))
        with pytest.raises(ReadOnlyError):  # an ORM object, flushed
            assert await uow.once.claim("k", now=NOW)
        with pytest.raises(ReadOnlyError):
            await uow.commit()
    assert await keys(sessions) == ["a"]
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.once.claimed("k") is False
        assert (await uow.statements.execute(select(STATE.c.e_tag))).scalar_one() != "changed"


async def test_state_is_read_while_another_process_holds_the_write_lock(tmp_path: Path):
    # Another instance (or a CLI command) in the middle of a write: SQLite's write lock is taken.
    # Reading the state of a turn needs no lock, so it neither waits for nor takes it.
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    ours, theirs = create_engine(url), create_engine(url)
    try:
        await upgrade(ours)
        storage = SqlStorage(create_sessionmaker(ours), dialect="sqlite")
        await storage.write({"conv": {"v": 1}})
        async with theirs.connect() as other:
            await other.execute(update(STATE).values(updated_at=NOW))  # BEGIN IMMEDIATE: the lock is theirs
            # Generous: the read takes milliseconds; before, it waited for the lock (30 s) and failed here.
            read = await asyncio.wait_for(storage.read(["conv"]), timeout=20)
            assert read["conv"]["v"] == 1
            await other.rollback()
    finally:
        await ours.dispose()
        await theirs.dispose()
