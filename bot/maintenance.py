"""Database and directory maintenance used by the CLI (and by ``serve`` at start-up)."""

from __future__ import annotations

import logging
import sys
from importlib import resources
from pathlib import Path

from bot.config import Settings, redact_url
from bot.directory_file import load_directory_file, parse_directory_text, refusal_message
from bot.domain.clock import SystemClock
from bot.domain.errors import DirectoryFileError
from bot.domain.models import Directory
from bot.domain.services.directory_import import directory_is_empty, import_directory
from storage.database import open_database
from storage.migrate import current_revision, upgrade

log = logging.getLogger(__name__)


def sample_directory() -> Directory:
    """The sample programme shipped with the bot (from the project newsletter)."""
    text = resources.files("bot.data").joinpath("sample_programme.yaml").read_text("utf-8")
    return parse_directory_text(text)


async def prepare_database(settings: Settings, *, load_sample: bool) -> None:
    """Apply migrations and, when asked and the directory is empty, import the sample."""
    async with open_database(settings.database_url) as database:
        await upgrade(database.engine)
        if load_sample and await directory_is_empty(database.unit_of_work):
            result = await import_directory(database.unit_of_work, SystemClock(), sample_directory(),
                                            trusted_tenants=settings.trusted_tenants)
            log.info("empty directory: imported the sample programme (%d people)", result.added)


async def db_upgrade(settings: Settings) -> int:
    """``sparringbot db upgrade``."""
    async with open_database(settings.database_url) as database:
        await upgrade(database.engine)
        revision = await current_revision(database.engine)
    print(f"database {redact_url(settings.database_url)} is at revision {revision}")
    return 0


async def db_current(settings: Settings) -> int:
    """``sparringbot db current``."""
    async with open_database(settings.database_url) as database:
        revision = await current_revision(database.engine)
    print(revision or "empty (run `sparringbot db upgrade`)")
    return 0


async def directory_import(settings: Settings, path: Path) -> int:
    """``sparringbot directory import FILE``: all of the file or nothing."""
    try:
        directory = load_directory_file(path)
    except DirectoryFileError as error:
        print(refusal_message(path, error), file=sys.stderr)
        return 2
    async with open_database(settings.database_url) as database:
        await upgrade(database.engine)
        result = await import_directory(database.unit_of_work, SystemClock(), directory,
                                        trusted_tenants=settings.trusted_tenants)
    print(f"imported {path}: {result.added} added, {result.updated} updated, "
          f"{result.unchanged} unchanged, {result.deactivated} deactivated")
    return 0
