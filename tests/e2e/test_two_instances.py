"""Two `sparringbot serve` processes against one PostgreSQL both answer (several instances, one endpoint)."""

from __future__ import annotations

import asyncio
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
        await connector.wait_for(lambda: len(connector.cards()) == 2, timeout=20)
        assert {card["body"][0]["text"] for card in connector.cards()} == {"Wat kan Sparringbot voor je doen?"}
    finally:
        for process, _ in (first, second):
            process.terminate()
            await process.wait()
    assert first[0].returncode == 0 and second[0].returncode == 0  # graceful shutdown on SIGTERM
