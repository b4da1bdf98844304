"""PostgreSQL connections that sat idle are tested before use; busy ones are not (no round trip)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import storage.db
from storage.db import create_engine

pytestmark = pytest.mark.postgres


async def _cut_every_connection_of(server, database: str) -> None:  # type: ignore[no-untyped-def]
    """What a database restart does to the bot's pooled connections."""
    admin = await asyncpg.connect(**server.connect_kwargs("postgres"))
    try:
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = $1 AND pid <> pg_backend_pid()", database)
    finally:
        await admin.close()


async def _backend_after_a_cut(postgres_server, monkeypatch, idle_seconds: float) -> int:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(storage.db, "IDLE_PING_SECONDS", idle_seconds)
    name = f"t_idle_{uuid.uuid4().hex[:12]}"
    url = postgres_server.create_database(name)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))  # one pooled connection now
        await _cut_every_connection_of(postgres_server, name)
        async with engine.connect() as connection:
            return (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    finally:
        await engine.dispose()


async def test_an_idle_connection_cut_by_a_restart_is_replaced_unnoticed(postgres_server, monkeypatch):  # type: ignore[no-untyped-def]
    assert await _backend_after_a_cut(postgres_server, monkeypatch, idle_seconds=0.0) > 0


async def test_a_connection_in_use_a_moment_ago_is_not_tested(postgres_server, monkeypatch):  # type: ignore[no-untyped-def]
    """The other side of the trade: without the test the cut shows (this is why idle ones are tested)."""
    with pytest.raises(DBAPIError):
        await _backend_after_a_cut(postgres_server, monkeypatch, idle_seconds=3600.0)
