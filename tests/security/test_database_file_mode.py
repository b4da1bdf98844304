"""The SQLite database, its ``-wal``/``-shm`` files and its backups are readable by their owner only (0600).

SQLite creates a database file 0644 (less the umask) and gives the WAL and shared-memory files
the database file's mode; everything people asked and decided is in there. The test sets the
common umask 022 explicitly, under which SQLite's own default would be 0644.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main as cli
from tests import activities as build
from tests.security.helpers import app_client, make_settings

PRIVATE = 0o600


@pytest.fixture
def common_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_database_and_its_wal_and_shm_files_are_private(tmp_path, clock, connector, common_umask):
    database = tmp_path / "bot.db"
    async with app_client(make_settings(f"sqlite+aiosqlite:///{database}", tmp_path), clock) as client:
        response = await client.post("/api/messages", json=build.message(connector.url, "hallo", key="anna"))
        assert response.status == 201
        files = {path.name: oct(mode(path)) for path in tmp_path.glob("bot.db*")}
        # While the bot runs, WAL mode keeps all three; each must be the owner's only.
        assert set(files) == {"bot.db", "bot.db-wal", "bot.db-shm"}, files
        assert set(files.values()) == {oct(PRIVATE)}, files


def test_a_backup_is_private(tmp_path, monkeypatch, common_umask):
    monkeypatch.setattr("bot.logging_setup.configure_logging", lambda level: None)
    monkeypatch.chdir(tmp_path)  # no stray .env
    database = tmp_path / "live.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    assert cli.main(["db", "upgrade"]) == 0
    target = tmp_path / "backups" / "copy.db"
    assert cli.main(["db", "backup", str(target)]) == 0
    assert oct(mode(target)) == oct(PRIVATE)
    # Written over an older backup that anyone could read, the new copy is private too.
    target.chmod(0o644)
    assert cli.main(["db", "backup", str(target)]) == 0
    assert oct(mode(target)) == oct(PRIVATE)
    assert oct(mode(database)) == oct(PRIVATE)


def test_an_existing_database_keeps_the_mode_its_owner_gave_it(tmp_path, monkeypatch, common_umask):
    monkeypatch.setattr("bot.logging_setup.configure_logging", lambda level: None)
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "shared.db"
    database.touch(mode=0o640)  # e.g. a backup job's group may read it
    database.chmod(0o640)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    assert cli.main(["db", "upgrade"]) == 0
    assert oct(mode(database)) == oct(0o640)
