"""Two `sparringbot serve` processes against one PostgreSQL both answer (several instances, one endpoint)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import uuid
from pathlib import Path

import aiohttp
import pytest

from tests import activities as build
from tests.activities import member

pytestmark = pytest.mark.postgres
REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/api/messages")


async def start_serve(database_url: str, workdir: Path) -> tuple[asyncio.subprocess.Process, int]:
    env = {**os.environ, "DATABASE_URL": database_url, "PORT": "0", "LOG_LEVEL": "INFO", "DISPATCH_INTERVAL": "0.2"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--load-sample", cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    seen = []

    async def port() -> int:
        while True:
            line = (await process.stderr.readline()).decode()
            if not line:
                raise RuntimeError(f"serve exited early: {''.join(seen)}")
            seen.append(line)
            if match := LISTENING.search(line):
                return int(match.group(1))

    return process, await asyncio.wait_for(port(), 60)


async def test_two_serve_processes_share_one_postgres(postgres_server, connector, tmp_path):
    url = postgres_server.create_database(f"t_{uuid.uuid4().hex[:12]}")
    first, second = [await start_serve(url, tmp_path) for _ in range(2)]
    try:
        connector.members["a:personal-anna"] = [member("anna", name="Anna de Vries", email="anna@bieb.nl")]
        connector.members["a:personal-ben"] = [member("ben", name="Ben Bos", email="ben@bieb.nl")]
        async with aiohttp.ClientSession() as session:
            for (_, port), key in zip((first, second), ("anna", "ben"), strict=True):
                async with session.get(f"http://127.0.0.1:{port}/healthz") as health:
                    assert health.status == 200
                async with session.post(f"http://127.0.0.1:{port}/api/messages",
                                        json=build.message(connector.url, "help", key=key)) as response:
                    assert response.status == 201
        # Each instance answered its person; both are new and outside the directory, so each is first
        # asked for their library (once, before the answer).
        await connector.wait_for(lambda: len(connector.cards()) == 4, timeout=20)
        titles = [card["body"][0]["text"] for card in connector.cards()]
        assert sorted(titles) == ["Voor welke bibliotheek werk je?"] * 2 + ["Wat kan Sparringbot voor je doen?"] * 2
    finally:
        for process, _ in (first, second):
            process.terminate()
            await process.wait()
    assert first[0].returncode == 0 and second[0].returncode == 0  # graceful shutdown on SIGTERM


TWO_INSTANCE_MESSAGES = 300
# The connector's limit: Teams' default per-app rate. Low enough that even a slow, loaded machine
# sends faster than that from each process, so two processes that did not share the budget would
# certainly overrun it together (before the fix: 227 answers 429 in a run of this test).
TEAMS_LIMIT = 30
# GLOBAL_SEND_RATE of both processes, 10% under the connector's limit: the connector counts each
# request when its (busy) thread reads it, so on a loaded 2-core machine the moments it records
# run up to ~100 ms late or early against each other. The dispatchers space sends (1 + 0.05) /
# rate apart, so 31 sends span 30 * 1.05 / 27 = 1.17 s: 167 ms of such jitter cannot put them
# in one second. Without the shared budget the two processes still send ~54 a second.
TWO_INSTANCE_RATE = 27


async def test_two_dispatchers_on_one_postgres_share_the_apps_send_rate(postgres_server, tmp_path):
    """Two dispatcher processes on one database, against a connector that throttles like Teams (429
    past the app's rate in any second, or past a conversation's limits): each process alone may
    send at the whole rate, so without a budget shared in the database they would send twice it.
    Every message is delivered exactly once, no send meets a 429, no second (counted from the
    moments requests arrived, in sliding windows as the fake enforces) holds more than the rate,
    and both processes did part of the work (so the limit was shared, not met by one of them)."""
    from collections import Counter

    from tests.e2e.test_fanout_crash import accepted, most_in_one_second, seed, start_worker
    from tests.fakes.connector import FakeConnector

    url = postgres_server.create_database(f"t_{uuid.uuid4().hex[:12]}")
    with FakeConnector() as connector:
        connector.enforce_limits(global_per_second=TEAMS_LIMIT)
        await seed(url, connector.url, messages=TWO_INSTANCE_MESSAGES)
        workers = [await start_worker(url, tmp_path, rate=TWO_INSTANCE_RATE) for _ in range(2)]
        outputs = [await asyncio.wait_for(worker.communicate(), timeout=120) for worker in workers]
        for worker, (_, err) in zip(workers, outputs, strict=True):
            assert worker.returncode == 0, err.decode()[-3000:]
        summaries = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
        records = accepted(connector)
        texts = Counter(r["body"]["text"] for r in records)
        statuses = Counter(r["status"] for r in connector.sent)
        most = most_in_one_second([r["received_at"] for r in records])
    print(f"\ntwo dispatchers: {summaries}; max {most} sends in one second (limit {TEAMS_LIMIT}); "
          f"statuses {dict(statuses)}")
    assert set(texts) == {f"Bericht {i}" for i in range(TWO_INSTANCE_MESSAGES)}  # all delivered
    assert max(texts.values()) == 1  # none twice
    assert statuses == {201: TWO_INSTANCE_MESSAGES} and connector.throttled == 0
    assert most <= TEAMS_LIMIT
    assert all(summary["sent"] > 0 for summary in summaries)
    assert sum(summary["sent"] for summary in summaries) == TWO_INSTANCE_MESSAGES
