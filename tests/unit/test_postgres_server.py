"""The throwaway PostgreSQL server: start, two databases, SQLAlchemy async through the Unix socket, stop."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.postgres_server import PostgresServer, postgres_required, start_postgres_or_skip

pytestmark = pytest.mark.postgres


async def scalar(url: str, sql: str) -> object:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql))).scalar_one()
    finally:
        await engine.dispose()


async def test_two_databases_over_the_unix_socket_then_stop():
    server = start_postgres_or_skip()
    try:
        assert server.socket_dir is not None and server.data_dir is not None
        first, second = server.create_database("t_first"), server.create_database("t_second")
        assert first == f"postgresql+asyncpg://postgres@/t_first?host={server.socket_dir}"
        assert await scalar(first, "select 1") == 1
        assert await scalar(second, "select current_database()") == "t_second"
        # No TCP at all: the server listens on its socket only.
        assert await scalar(first, "show listen_addresses") == ""
        assert await scalar(first, "show fsync") == "off"

        # A migrated template is cloned into fresh databases.
        engine = create_async_engine(first)
        async with engine.begin() as conn:
            await conn.execute(text("create table marker (n int)"))
            await conn.execute(text("insert into marker values (42)"))
        await engine.dispose()  # a template with open connections cannot be copied
        clone = server.create_database("t_clone", template="t_first")
        assert await scalar(clone, "select n from marker") == 42

        server.drop_database("t_second")
        server.drop_database("t_second")  # dropping twice is harmless
        with pytest.raises(ValueError):
            server.create_database('x"; drop database t_first; --')
        base = server.socket_dir.parent
    finally:
        server.stop()
    server.stop()  # twice: no error
    assert not base.exists()
    with pytest.raises(RuntimeError):
        server.create_database("t_after_stop")


def test_context_manager_runs_as_a_non_root_user():
    with PostgresServer() as server:
        assert server.create_database("t_ctx").endswith("?host=" + str(server.socket_dir))
        if os.geteuid() == 0:
            assert server.run_as is not None and server.run_as.pw_uid != 0
            assert server.data_dir is not None and server.data_dir.stat().st_uid == server.run_as.pw_uid


def test_ci_decides_between_skip_and_fail(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert postgres_required()
    monkeypatch.delenv("CI")
    assert not postgres_required()


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), (None, pytest.skip.Exception)])
def test_missing_binaries_fail_in_ci_and_skip_locally(monkeypatch, ci, outcome):
    import tests.postgres_server as module

    def missing() -> None:
        raise module.PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")

    monkeypatch.setattr(module, "find_postgres_binaries", missing)
    if ci:
        monkeypatch.setenv("CI", ci)
    else:
        monkeypatch.delenv("CI", raising=False)
    with pytest.raises(outcome, match="not found"):
        start_postgres_or_skip()
