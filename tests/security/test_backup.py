"""``sparringbot db backup FILE``: consistent while the bot writes, and the copy runs the bot."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from bot.cli import main as cli
from bot.cli.backup import BackupError, backup_sqlite
from tests import activities as build
from tests.e2e.test_http_sparring import ask, introduce_people, post
from tests.security.helpers import app_client, make_settings


@pytest.fixture(autouse=True)
def quiet_cli(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("bot.logging_setup.configure_logging", lambda level: None)
    monkeypatch.chdir(tmp_path)  # no stray .env


async def test_backup_while_writing_then_restore_and_run_the_bot(tmp_path, clock, connector, monkeypatch, capsys):
    live = tmp_path / "live.db"
    url = f"sqlite+aiosqlite:///{live}"
    monkeypatch.setenv("DATABASE_URL", url)
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        """Writes pairs of rows in one transaction each: a consistent copy holds whole pairs."""
        db = sqlite3.connect(live, timeout=30)
        while not stop.is_set():
            n = written[0]
            with db:
                now = datetime.now(UTC).isoformat()
                db.execute("INSERT INTO once_keys (key, created_at) VALUES (?, ?)", (f"pair:{n}:a", now))
                db.execute("INSERT INTO once_keys (key, created_at) VALUES (?, ?)", (f"pair:{n}:b", now))
            written[0] += 1
        db.close()

    async with app_client(make_settings(url, tmp_path), clock) as client:
        await introduce_people(client, connector)
        await ask(client, connector)
        thread = threading.Thread(target=writer)
        thread.start()
        targets = [tmp_path / "backups" / f"copy-{i}.db" for i in range(3)]
        try:
            for target in targets:
                # The bot keeps answering while the backup runs.
                chatter = asyncio.gather(*(post(client, build.message(connector.url, "help", key=key))
                                           for key in ("anna", "dia", "maarten")))
                code = await asyncio.to_thread(cli.main, ["db", "backup", str(target)])
                await chatter
                assert code == 0
        finally:
            stop.set()
            thread.join()
    assert written[0] > 0
    assert "backed up" in capsys.readouterr().out
    for target in targets:
        with sqlite3.connect(target) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            keys = [k for (k,) in copy.execute("SELECT key FROM once_keys WHERE key LIKE 'pair:%'")]
            assert len(keys) % 2 == 0  # never half a transaction
            assert copy.execute("SELECT COUNT(*) FROM requests").fetchone() == (1,)
            assert copy.execute("SELECT COUNT(*) FROM participants").fetchone() == (3,)
        assert not list(target.parent.glob(".*partial*"))

    # Restore: the bot runs on the copy and knows Anna's question and Dia's queue.
    restored = tmp_path / "restored.db"
    restored.write_bytes(targets[-1].read_bytes())
    connector.reset()
    async with app_client(make_settings(f"sqlite+aiosqlite:///{restored}", tmp_path), clock) as client:
        await post(client, build.message(connector.url, "mijn vragen", key="anna"))
        assert "#1" in str(connector.cards("a:personal-anna")[-1])
        await post(client, build.message(connector.url, "open vragen", key="dia"))
        assert "#1" in str(connector.cards("a:personal-dia")[-1])


def test_postgresql_is_refused_with_the_pg_dump_recipe(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:s3cret@db.example:5432/sparring")
    assert cli.main(["db", "backup", str(tmp_path / "x.db")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump --format=custom" in err and "pg_restore" in err
    assert "s3cret" not in err and "bot:***@db.example" in err
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///missing/nothing.db"])
def test_no_file_no_backup(url, tmp_path):
    with pytest.raises(BackupError):
        backup_sqlite(url, tmp_path / "copy.db")


def test_the_backup_never_overwrites_the_database_itself(tmp_path):
    live = tmp_path / "live.db"
    sqlite3.connect(live).close()
    with pytest.raises(BackupError, match="must not be the database itself"):
        backup_sqlite(f"sqlite+aiosqlite:///{live}", live)
