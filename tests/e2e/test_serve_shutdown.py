"""``sparringbot serve`` stops promptly on SIGTERM while the outbox has a backlog.

A real ``serve`` process (PORT=0) with 2,000 queued messages and a slow fake connector (0.2 s an
answer) gets SIGTERM while it is sending. It must exit (status 0) within a few seconds, start
nothing new after the signal (only sends already under way, at most one per concurrent recipient
group, may reach the connector afterwards), leave no row claimed, and a dispatcher started next
must send every message the first did not, so each message arrives exactly once.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from storage.db import create_engine, create_sessionmaker
from storage.tables import OutboxRow
from tests.e2e.test_fanout_crash import accepted, seed, start_worker

REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/api/messages")
QUEUED = 2000
CONCURRENCY = 8  # the dispatcher's recipient groups side by side (Dispatcher(concurrency=8))
# Generous: the dispatcher needs at most one connector answer (0.2 s) plus handing back its batch;
# the rest is the interpreter tearing down. Slowness of a loaded machine shows here, not in the
# counts the test also checks.
EXIT_WITHIN_SECONDS = 10.0


async def states(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return dict((await session.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state))).all())
    finally:
        await engine.dispose()


async def test_sigterm_with_a_backlog_stops_within_seconds_and_loses_nothing(connector, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'backlog.db'}"
    await seed(url, connector.url, messages=QUEUED)
    connector.delay = 0.2
    env = {**os.environ, "DATABASE_URL": url, "PORT": "0", "LOG_LEVEL": "INFO", "DISPATCH_INTERVAL": "0.2",
           "GLOBAL_SEND_RATE": "30", "FILES_DIR": str(tmp_path / "files"), "PYTHONPATH": str(REPO)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    lines: list[str] = []

    async def read_log() -> None:
        assert process.stderr is not None
        while line := await process.stderr.readline():
            lines.append(line.decode())

    reader = asyncio.create_task(read_log())
    try:
        await connector.wait_for(lambda: len(accepted(connector)) >= 30, timeout=60)
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=60)
        took = time.monotonic() - signalled
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await reader
    log = "".join(lines)
    assert process.returncode == 0, log[-3000:]
    assert took < EXIT_WITHIN_SECONDS, f"serve took {took:.1f} s to stop"
    with connector._condition:
        after_signal = [r for r in connector.sent if r["kind"] == "activity" and r["received_at"] > signalled]
    assert len(after_signal) <= CONCURRENCY  # only sends already under way; nothing newly claimed
    first = Counter(r["body"]["text"] for r in accepted(connector))
    left = await states(url)
    print(f"\nserve stopped {took:.2f} s after SIGTERM; {len(first)} sent before, {len(after_signal)} requests "
          f"arrived after the signal; outbox then {left}; {re.findall(r'outbox: .*', log)[-1:]}")
    assert "sending" not in left  # every claimed row was sent and recorded, or handed back
    assert left["sent"] == len(first) and max(first.values()) == 1
    assert left["pending"] == QUEUED - len(first)
    assert re.search(r"released=[1-9]", log), log[-3000:]  # it did hand rows back

    connector.delay = 0.0
    worker = await start_worker(url, tmp_path, rate=1000)  # the next start
    _, err = await asyncio.wait_for(worker.communicate(), timeout=120)
    assert worker.returncode == 0, err.decode()[-3000:]
    texts = Counter(r["body"]["text"] for r in accepted(connector))
    assert set(texts) == {f"Bericht {i}" for i in range(QUEUED)} and max(texts.values()) == 1
    assert await states(url) == {"sent": QUEUED}
