"""``python -m bench.profile``: one closed-loop turn run with CPU accounting, optionally under py-spy.

This is how the before/after figures in ``docs/benchmarks.md`` were taken: the same seeded
database and script as the turn benchmark, one load level, and the CPU time the bot process
spent per turn (from ``/proc``), which is steadier on a shared machine than throughput. That time
is also given per thread, user and system apart: the event loop's thread, and the others (the
database driver's, e.g. aiosqlite's one thread per connection). py-spy cannot follow SQLAlchemy's
greenlets to their caller, so its samples undercount the database; the split does not.

py-spy is a profiler, not a dependency: it is not in the lock, and is found on ``PATH`` or in ``.venv``.

    python -m bench.profile --bot sqlite --participants 10 --seconds 15 [--py-spy out.txt]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import aiohttp

from bench import processes, seed, turns

REPO = Path(__file__).resolve().parents[1]


def thread_cpu(pid: int) -> dict[str, tuple[float, float]]:
    """User and system CPU seconds of each thread of ``pid`` so far, by thread id."""
    times: dict[str, tuple[float, float]] = {}
    for thread in os.listdir(f"/proc/{pid}/task"):
        try:
            times[thread] = processes.user_and_system(Path(f"/proc/{pid}/task/{thread}/stat"))
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    return times


def thread_split(pid: int, before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]],
                 turns: int) -> dict[str, float]:
    """Milliseconds a turn: the main thread's user and system time, and every other thread's together."""
    split = {"main_user": 0.0, "main_system": 0.0, "other_threads": 0.0}
    for thread, (user, system) in after.items():
        was_user, was_system = before.get(thread, (0.0, 0.0))
        if thread == str(pid):  # the main thread's id is the process id
            split["main_user"] += user - was_user
            split["main_system"] += system - was_system
        else:
            split["other_threads"] += user - was_user + system - was_system
    return {f"{name}_ms_per_turn": round(1000 * seconds / max(1, turns), 2) for name, seconds in split.items()}


def py_spy() -> str:
    """The py-spy executable.

    Raises:
        SystemExit: py-spy is not installed.
    """
    found = shutil.which("py-spy") or shutil.which("py-spy", path=str(REPO / ".venv" / "bin"))
    if found is None:
        raise SystemExit("py-spy not found: install it (e.g. 'pipx install py-spy') to record samples")
    return found


async def _drive(bot: processes.Process, connector: processes.Process, participants: int, seconds: float,
                 spy_output: Path | None, pool: int) -> dict[str, float]:
    script = turns.Script([f"s{i}" for i in range(pool)], connector.url)
    url = bot.url.rstrip("/") + "/api/messages"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await turns.warm_up(session, url, script)
        spy = None
        if spy_output is not None:
            spy = subprocess.Popen([py_spy(), "record", "--format", "raw", "--rate", "250",
                                    "--threads", "--nonblocking", "-o", str(spy_output), "--pid", str(bot.pid)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bot_cpu, connector_cpu = processes.cpu_seconds(bot.pid), processes.cpu_seconds(connector.pid)
        threads_before = thread_cpu(bot.pid)
        result = await turns.closed_loop(session, url, script, participants, seconds)
        threads_after = thread_cpu(bot.pid)
        bot_cpu = processes.cpu_seconds(bot.pid) - bot_cpu
        connector_cpu = processes.cpu_seconds(connector.pid) - connector_cpu
        if spy is not None:
            spy.send_signal(2)
            spy.wait(30)
    return {"turns": result.turns, "errors": result.errors, "turns_per_second": result.throughput,
            "p50_ms": result.p50, "p99_ms": result.p99,
            "bot_cpu_ms_per_turn": round(1000 * bot_cpu / max(1, result.turns), 2),
            "connector_cpu_ms_per_turn": round(1000 * connector_cpu / max(1, result.turns), 2),
            **thread_split(bot.pid, threads_before, threads_after, result.turns)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bot", choices=("sqlite", "postgres", "echo"), default="sqlite")
    parser.add_argument("--participants", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--py-spy", type=Path, help="write py-spy's raw samples of the bot here")
    parser.add_argument("--seeded", type=int, default=10_000, help="participants and requests in the database")
    parser.add_argument("--pool", type=int, default=300, help="participants who take turns")
    args = parser.parse_args(argv)
    if args.py_spy is not None:
        py_spy()  # before any process starts: a missing profiler is said at once, not after the warm-up
    work = Path(tempfile.mkdtemp(prefix="sparringbot-profile-"))
    pg = None
    connector = processes.start_connector()
    try:
        if args.bot == "echo":
            bot = processes.start_echo(work)
        else:
            if args.bot == "sqlite":
                url = f"sqlite+aiosqlite:///{work / 'profile.db'}"
            else:
                from tests.postgres_server import PostgresServer

                pg = PostgresServer().start()
                url = pg.create_database("profile")
            seed.turn_database(url, participants=args.seeded, requests=args.seeded, service_url=connector.url)
            bot = processes.start_serve(url, work)
        try:
            figures = asyncio.run(_drive(bot, connector, args.participants, args.seconds, args.py_spy,
                                         min(args.pool, args.seeded)))
        finally:
            bot.stop()
    finally:
        connector.stop()
        if pg is not None:
            pg.stop()
    print(" ".join(f"{key}={value}" for key, value in figures.items()))
    return 0 if figures["turns"] and not figures["errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
