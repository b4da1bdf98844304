"""Fan-out benchmark: reminders to N participants through the outbox of a real ``serve`` process.

The fake connector (its own process) enforces Teams' rate limits and answers 429 beyond them;
it counts what it accepted, the 429s and duplicates (each message carries ``[fanout N]``).
Losses are the markers it never accepted. Optionally the bot is killed (SIGKILL) once half the
messages arrived, and started again at once.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import processes, seed
from storage.tables import OutboxRow

POLL_SECONDS = 0.1
# The dispatcher's lease (bot/domain/services/dispatcher.py): rows claimed by a killed process
# are claimed again only after it expired.
LEASE_SECONDS = 120.0


@dataclass
class FanoutResult:
    """One fan-out run."""

    database: str
    messages: int
    global_rate: float
    killed: bool
    seconds: float = 0.0
    send_seconds: float = 0.0
    achieved_rate: float = 0.0
    share_of_rate: float = 0.0
    accepted: int = 0
    throttled: int = 0
    duplicates: int = 0
    losses: int = 0
    outbox_sent: int = 0
    outbox_failed: int = 0
    kill_at: int | None = None
    restart_seconds: float | None = None
    timed_out: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def stats(connector: processes.Process) -> dict[str, Any]:
    with urllib.request.urlopen(connector.url + "_stats", timeout=10) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def run_fanout(database_url: str, workdir: Path, *, database: str, messages: int, global_rate: float,
               kill_half: bool = False, timeout: float | None = None) -> FanoutResult:
    """Plan ``messages`` reminders, start ``serve`` and wait until all arrived (or ``timeout``)."""
    result = FanoutResult(database=database, messages=messages, global_rate=global_rate, killed=kill_half)
    budget = timeout if timeout is not None else messages / global_rate * 3 + 30 + (LEASE_SECONDS if kill_half else 0)
    connector = processes.start_connector(global_rate=global_rate, limit=True)
    serve: processes.Process | None = None
    try:
        asyncio.run(seed.prepare(database_url, load_sample=False))
        ids = asyncio.run(seed.add_participants(database_url, messages, prefix="f", service_url=connector.url))
        asyncio.run(seed.add_fanout(database_url, ids))
        started = time.monotonic()
        serve = processes.start_serve(database_url, workdir, load_sample=False, dispatch_interval=0.2,
                                      global_send_rate=global_rate, log_name=f"fanout-{database}.log")
        deadline = started + budget
        killed = False
        current = stats(connector)
        while time.monotonic() < deadline:
            current = stats(connector)
            if current["distinct_markers"] >= messages:
                break
            if kill_half and not killed and current["distinct_markers"] >= messages // 2:
                result.kill_at = current["distinct_markers"]
                serve.kill()
                killed_at = time.monotonic()
                serve = processes.start_serve(database_url, workdir, load_sample=False, dispatch_interval=0.2,
                                              global_send_rate=global_rate,
                                              log_name=f"fanout-{database}-restart.log")
                result.restart_seconds = round(time.monotonic() - killed_at, 2)
                killed = True
            time.sleep(POLL_SECONDS)
        else:
            result.timed_out = True
        result.seconds = round(time.monotonic() - started, 2)
        time.sleep(1.0)  # late duplicates would arrive now
        current = stats(connector)
    finally:
        if serve is not None:
            serve.stop()
        connector.stop()
    result.accepted = current["accepted"]
    result.throttled = current["throttled"]
    result.duplicates = current["duplicates"]
    result.losses = messages - current["distinct_markers"]
    if current["first_at"] is not None and current["last_at"] is not None:
        result.send_seconds = round(current["last_at"] - current["first_at"], 2)
    if result.send_seconds > 0:
        result.achieved_rate = round((current["accepted"] - 1) / result.send_seconds, 1)
        result.share_of_rate = round(result.achieved_rate / global_rate, 3)
    result.outbox_sent = asyncio.run(seed.count_rows(database_url, OutboxRow, state="sent"))
    result.outbox_failed = asyncio.run(seed.count_rows(database_url, OutboxRow, state="failed"))
    return result
