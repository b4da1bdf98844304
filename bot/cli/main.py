"""The ``sparringbot`` command line: serve, db upgrade/backup, directory import, manifest, route, understand.

Heavy modules (botbuilder, aiohttp, SQLAlchemy) are imported inside the subcommands that need
them, so ``sparringbot route`` starts fast.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("sparringbot")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="sparringbot", description="Sparringbot for Microsoft Teams.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the bot (applies migrations first)")
    serve.add_argument("--host", help="override HOST")
    serve.add_argument("--port", type=int, help="override PORT")
    serve.add_argument("--load-sample", action="store_true",
                       help="import the sample programme when the directory is empty")
    serve.add_argument("--playground", action="store_true",
                       help="also start the Microsoft 365 Agents Playground when Node is installed")

    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_sub.add_parser("upgrade", help="apply all migrations")
    db_sub.add_parser("current", help="print the schema revision")
    backup = db_sub.add_parser("backup", help="consistent online copy of a SQLite database (PostgreSQL: pg_dump)")
    backup.add_argument("file", type=Path, help="where to write the copy")

    directory = sub.add_parser("directory", help="directory commands")
    dir_sub = directory.add_subparsers(dest="directory_command", required=True, metavar="DIRECTORY_COMMAND")
    imp = dir_sub.add_parser("import", help="import a programme file (YAML)")
    imp.add_argument("file", type=Path)
    dir_sub.add_parser("check", help="validate a programme file without importing").add_argument("file", type=Path)

    manifest = sub.add_parser("manifest", help="write the Teams app package (zip)")
    manifest.add_argument("--app-id", required=True, help="the Azure bot's app id (GUID)")
    manifest.add_argument("--teams-app-id", help="the Teams app id (GUID; defaults to --app-id)")
    manifest.add_argument("--version", help="app version (semver)")
    manifest.add_argument("--domain", help="the bot's public host (PUBLIC_URL without https://): adds the "
                          "coordinator's Overzicht tab with single sign-on")
    manifest.add_argument("--out", type=Path, default=Path("sparringbot.zip"))

    reminders = sub.add_parser("reminders", help="deadline reminders and other planned messages")
    rem_sub = reminders.add_subparsers(dest="reminders_command", required=True, metavar="REMINDERS_COMMAND")
    rem_sub.add_parser("run-once", help="plan and send everything due now, then exit (for cron)")
    rem_sub.add_parser("list", help="show planned messages with their state")

    export = sub.add_parser(
        "export", help="export submissions or cost splits (CSV or XLSX)",
        description="Export submissions or cost splits. Column headings are in Dutch, the programme's language "
                    "(--language en for English); times are in the programme's time zone (TIMEZONE), which "
                    "the heading names, and CSV times carry their UTC offset.")
    export.add_argument("what", choices=["submissions", "costs"])
    export.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--language", choices=["nl", "en"], default="nl",
                        help="language of the column headings (default: nl, the programme's language)")

    route = sub.add_parser("route", help="rank directory people for questions (offline)")
    route.add_argument("--directory", type=Path, required=True)
    route.add_argument("--questions", type=Path, required=True)
    route.add_argument("--top", type=int, default=3)

    understand = sub.add_parser("understand", help="read typed messages into intents and slots (offline)")
    understand.add_argument("--utterances", type=Path, required=True, help='JSON Lines: {"id", "text", "role"?}')
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for bad input or settings)."""
    args = build_parser().parse_args(argv)
    if args.command == "route":
        return _route(args)
    if args.command == "understand":
        from bot.cli.understand import run_understand

        return run_understand(args.utterances, sys.stdout, sys.stderr)
    if args.command == "directory" and args.directory_command == "check":
        return _directory_check(args.file)
    if args.command == "manifest":
        return _manifest(args)
    from bot.config import ConfigError, load_settings
    from bot.logging_setup import configure_logging

    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.command == "serve":
        from bot.web.serve import serve

        return serve(settings, host=args.host, port=args.port, load_sample=args.load_sample,
                     playground=args.playground)
    if args.command == "db" and args.db_command == "backup":
        from bot.cli.backup import run_backup

        return run_backup(settings.database_url, args.file, sys.stdout, sys.stderr)
    if args.command == "db":
        from bot.maintenance import db_current, db_upgrade

        return asyncio.run(db_upgrade(settings) if args.db_command == "upgrade" else db_current(settings))
    if args.command == "export":
        from bot.cli.export import export

        return asyncio.run(export(settings, what=args.what, fmt=args.format, out=args.out,
                                  language=args.language))
    if args.command == "reminders":
        from bot.cli.reminders import list_planned, run_once

        return asyncio.run(run_once(settings) if args.reminders_command == "run-once" else list_planned(settings))
    if args.command == "directory":
        from bot.maintenance import directory_import

        return asyncio.run(directory_import(settings, args.file))
    raise AssertionError(f"unhandled command {args.command}")


def _route(args: argparse.Namespace) -> int:
    from bot.cli.route import run_route

    if args.top < 1:
        print("--top must be at least 1", file=sys.stderr)
        return 2
    return run_route(args.directory, args.questions, args.top, sys.stdout, sys.stderr)


def _directory_check(path: Path) -> int:
    from bot.directory_file import load_directory_file, refusal_message
    from bot.domain.errors import DirectoryFileError

    try:
        directory = load_directory_file(path)
    except DirectoryFileError as error:
        print(refusal_message(path, error), file=sys.stderr)
        return 2
    print(f"{path}: valid ({len(directory.people)} people)")
    return 0


def _manifest(args: argparse.Namespace) -> int:
    from bot.cli.manifest import build_app_package

    try:
        out = build_app_package(bot_id=args.app_id, app_id=args.teams_app_id, version=args.version, out=args.out,
                                domain=args.domain)
    except (ValueError, FileNotFoundError) as error:
        print(f"manifest: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    return 0
