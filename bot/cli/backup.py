"""``sparringbot db backup FILE``: a consistent online backup of the SQLite database.

SQLite's backup API copies the database page by page inside one read transaction, so the copy
is a snapshot even while the bot keeps writing (WAL mode lets both run). PostgreSQL has its
own tool for this: ``pg_dump``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

from bot.config import redact_url
from storage.db import create_private


class BackupError(Exception):
    """The backup cannot be made; the message says why and what to do instead."""


def sqlite_path(database_url: str) -> Path:
    """The database file of a SQLite URL.

    Raises:
        BackupError: The URL is not SQLite, or names an in-memory database.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        plain = redact_url(database_url.replace("+asyncpg", ""))
        raise BackupError(
            "db backup copies SQLite databases only; this is PostgreSQL. Back it up with pg_dump, e.g.\n"
            f"  pg_dump --format=custom --file=sparringbot.dump '{plain}'\n"
            "and restore with: pg_restore --clean --if-exists --dbname=URL sparringbot.dump")
    if url.get_backend_name() != "sqlite":
        raise BackupError(f"db backup does not know the database {redact_url(database_url)!r}")
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        raise BackupError("db backup needs a SQLite database file, not an in-memory database")
    return Path(url.database)


def backup_sqlite(database_url: str, target: Path) -> int:
    """Copy the live database to ``target`` atomically; returns the size of the copy in bytes.

    The copy is written next to ``target`` and renamed into place only once complete and
    checked (``PRAGMA integrity_check``), so a failed backup never leaves a half file behind.

    Raises:
        BackupError: Not a SQLite file, the file is missing, or the target is the database itself.
    """
    source = sqlite_path(database_url)
    if not source.is_file():
        raise BackupError(f"no database file at {source}")
    target = Path(target)
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("the backup file must not be the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    create_private(partial)  # the copy holds everything the database does: owner only, like the database
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30) as live, \
                sqlite3.connect(partial) as copy:
            live.backup(copy)  # one step: a single consistent snapshot
            if copy.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise BackupError("the copy failed its integrity check; the database itself may be damaged")
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        live.close()
        copy.close()
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def run_backup(database_url: str, target: Path, out: TextIO, err: TextIO) -> int:
    """The CLI command: 0 on success, 2 with a clear message otherwise."""
    try:
        size = backup_sqlite(database_url, target)
    except BackupError as error:
        print(f"db backup: {error}", file=err)
        return 2
    except sqlite3.Error as error:
        print(f"db backup: SQLite refused: {error}", file=err)
        return 2
    print(f"backed up {sqlite_path(database_url)} to {target} ({size} bytes)", file=out)
    return 0
