"""Shared fixtures: a migrated database per test (SQLite and PostgreSQL), clocks, the app."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.clock import FixedClock
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWork

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI") == "true"
_TREE_BEFORE = pytest.StashKey[set[str] | None]()


def pytest_sessionstart(session: pytest.Session) -> None:
    from tests.working_tree import entries

    session.config.stash[_TREE_BEFORE] = entries(REPO)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the session when the tests left something new in the checkout (see tests/working_tree.py)."""
    from tests.working_tree import entries, left_behind

    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller checks once for all of them
    before = session.config.stash.get(_TREE_BEFORE, None)
    after = entries(REPO) if before is not None else None
    new = left_behind(before, after) if before is not None and after is not None else []
    if not new:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("=", "the tests left new paths in the working tree (give them tmp_path)", red=True)
        for entry in new:
            reporter.write_line(f"  {entry}")
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    # Keep pytest's own asyncio loop free of stray default-loop policies from plugins.
    os.environ.setdefault("TEAMSAPPTESTER_BROWSER", "none")
    if IN_CI:
        # CI decides whether work lands: there the property tests run the same examples every
        # time, so a red run always means a change did it. Elsewhere they keep exploring.
        from hypothesis import settings

        settings.register_profile("ci", derandomize=True, database=None)
        settings.load_profile("ci")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """One throwaway PostgreSQL server for the whole session (Unix socket only)."""
    from tests.postgres_server import start_postgres_or_skip

    server = start_postgres_or_skip()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_server) -> str:  # type: ignore[no-untyped-def]
    """A migrated database that each PostgreSQL test clones (cheaper than migrating each time)."""
    import asyncio

    url = postgres_server.create_database("t_template")

    async def migrate() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()  # PostgreSQL refuses to copy a template with open connections

    asyncio.run(migrate())
    return "t_template"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each engine the bot supports."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    server = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template")
    return server.create_database(f"t_{uuid.uuid4().hex[:12]}", template=template)  # type: ignore[attr-defined]


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[object]:
    """A migrated engine, disposed after the test."""
    engine = create_engine(database_url)
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine):  # type: ignore[no-untyped-def]
    return create_sessionmaker(engine)


@pytest.fixture
def uow_factory(sessions):  # type: ignore[no-untyped-def]
    return lambda: SqlUnitOfWork(sessions)


@pytest.fixture
def clock() -> FixedClock:
    """Tuesday 3 March 2026, 10:00 in Amsterdam."""
    return FixedClock(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))


@pytest.fixture
def connector():  # type: ignore[no-untyped-def]
    """The fake Bot Connector on an ephemeral port, in its own thread."""
    from tests.fakes.connector import FakeConnector

    with FakeConnector() as fake:
        yield fake


@pytest.fixture
async def bot_client(database_url: str, clock: FixedClock, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The real app (sample programme loaded) behind a real HTTP server on port 0."""
    from bot.config import load_settings
    from tests.security.helpers import app_client

    # The dispatcher does not run by itself here: tests deliver the outbox with deliver().
    # Files come from loopback test servers: allowed explicitly, as `make run` does for the Playground.
    settings = load_settings({"DATABASE_URL": database_url, "FILES_DIR": str(tmp_path / "files"),
                              "DISPATCH_INTERVAL": "0", "FILE_HOSTS": "127.0.0.1"}, env_file=None)
    async with app_client(settings, clock) as client:
        yield client
