"""``python -m bench.instructions``: CPU instructions per turn, counted by valgrind's callgrind.

Turns a second move by ten per cent from one minute to the next on a shared machine; the
number of instructions a process executes for the same turns does not. Each bot (``serve`` on
SQLite, the stock echo bot and, when its environment is there, the Agents SDK echo bot) runs
under ``valgrind --tool=callgrind`` with counting off, gets its participants warmed up, then
counting is switched on (``callgrind_control -i on``) for a fixed number of turns of the turn
benchmark's script, one at a time, and off again.
Every thread of the process is counted (the stock SDK sends replies on worker threads).

    python -m bench.instructions [--turns 140] [--participants 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench import processes, seed, turns

# Python runs 20-50 times slower under valgrind: start-up takes a while.
START_TIMEOUT = 600.0


@dataclass
class Count:
    """Instructions one bot executed for ``turns`` turns."""

    bot: str
    turns: int
    errors: int
    instructions: int

    @property
    def per_turn(self) -> float:
        return self.instructions / self.turns if self.turns else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "per_turn": round(self.per_turn)}


def available() -> bool:
    """True when valgrind and callgrind_control are installed."""
    return bool(shutil.which("valgrind") and shutil.which("callgrind_control"))


def _callgrind(bot: processes.Process, switch: str) -> None:
    # valgrind names its control pipe after $HOST, which serve's environment sets (HOST=127.0.0.1).
    env = dict(os.environ)
    if bot.host_env is not None:
        env["HOST"] = bot.host_env
    subprocess.run(["callgrind_control", "-i", switch, str(bot.pid)], check=True, capture_output=True, timeout=120,
                   env=env)


def _total(path: Path) -> int:
    # "summary" covers the last part only; "totals" every part of the run.
    match = re.search(r"^totals:\s*(\d+)", path.read_text(errors="replace"), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no instruction total in {path}")
    return int(match.group(1))


async def _count_turns(bot: processes.Process, service_url: str, keys: list[str], count: int) -> tuple[int, int]:
    url = bot.url.rstrip("/") + "/api/messages"
    script = turns.Script(keys, service_url)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await turns.warm_up(session, url, script, concurrency=1, spread=False)
        # One pass through the whole dialog for everyone first: caches filled, state rows there.
        await turns.closed_loop(session, url, script, 1, 1e9, max_turns=len(keys) * len(turns.STEPS))
        await asyncio.to_thread(_callgrind, bot, "on")
        result = await turns.closed_loop(session, url, script, 1, 1e9, max_turns=count)
        await asyncio.to_thread(_callgrind, bot, "off")
    return result.turns, result.errors


def _measure(name: str, start: Any, connector: processes.Process, keys: list[str], count: int,
             output: Path) -> Count:
    wrapper = ("valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={output}")
    bot = start(wrapper)
    try:
        done, errors = asyncio.run(_count_turns(bot, connector.url, keys, count))
    finally:
        bot.stop(timeout=300)
    return Count(name, done, errors, _total(output))


def run_instructions(work: Path, *, participants: int = 10, count: int = 140, seeded: int = 10_000,
                     agents_python: Path | None = None, echo: bool = True) -> list[Count]:
    """Count instructions per turn for ``serve`` on SQLite, the stock echo bot and the Agents SDK echo bot.

    Args:
        work: Scratch directory.
        participants: Participants taking turns (each bot its own).
        count: Turns counted per bot (a multiple of the script's 7 steps is fair to all).
        seeded: Participants and requests in the database beforehand, as in the turn benchmark.
        agents_python: The Python of the Agents SDK peer's environment; without it the peer is not counted.
        echo: Count the stock echo bot too (its count does not change with ours and takes the longest).
    """
    connector = processes.start_connector()
    try:
        url = f"sqlite+aiosqlite:///{work / 'instructions.db'}"
        seed.turn_database(url, participants=max(seeded, participants), requests=seeded, service_url=connector.url)
        (work / "sqlite").mkdir(exist_ok=True)
        counts = [
            _measure("sqlite", lambda w: processes.start_serve(url, work / "sqlite", wrapper=w,
                                                                start_timeout=START_TIMEOUT),
                     connector, [f"s{i}" for i in range(participants)], count, work / "sqlite.callgrind"),
        ]
        if echo:
            counts.append(_measure("echo", lambda w: processes.start_echo(work, wrapper=w, start_timeout=START_TIMEOUT),
                     connector, [f"e{i}" for i in range(participants)], count, work / "echo.callgrind"))
        if agents_python is not None:
            counts.append(_measure(
                "agents", lambda w: processes.start_agents(work, agents_python, wrapper=w,
                                                           start_timeout=START_TIMEOUT),
                connector, [f"a{i}" for i in range(participants)], count, work / "agents.callgrind"))
    finally:
        connector.stop()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=140)
    parser.add_argument("--participants", type=int, default=10)
    parser.add_argument("--seeded", type=int, default=10_000)
    parser.add_argument("--no-peer", action="store_true", help="leave the Agents SDK echo bot out")
    parser.add_argument("--no-echo", action="store_true", help="leave the stock echo bot out")
    args = parser.parse_args(argv)
    if not available():
        print("valgrind (callgrind) is not installed")
        return 1
    work = Path(tempfile.mkdtemp(prefix="sparringbot-instructions-"))
    try:
        peer = None if args.no_peer else processes.agents_python()
        counts = run_instructions(work, participants=args.participants, count=args.turns, seeded=args.seeded,
                                  agents_python=peer, echo=not args.no_echo)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for count in counts:
        print(f"{count.bot}: {count.turns} turns, {count.errors} errors, "
              f"{count.per_turn / 1e6:.2f} M instructions a turn")
    return 0 if all(c.turns and not c.errors for c in counts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
