"""``sparringbot serve``: migrate, optionally load the sample, run the bot (and the Playground)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import shutil
import subprocess
from pathlib import Path

from aiohttp import web

from bot.app import create_app
from bot.config import Settings, redact_url
from bot.maintenance import prepare_database

log = logging.getLogger(__name__)
PLAYGROUND_PORT = 56150


def serve(settings: Settings, *, host: str | None = None, port: int | None = None,
          load_sample: bool = False, playground: bool = False) -> int:
    """Run until SIGINT/SIGTERM; in-flight requests get 10 s to finish (graceful shutdown)."""
    settings = dataclasses.replace(settings, host=host or settings.host,
                                   port=settings.port if port is None else port)
    asyncio.run(prepare_database(settings, load_sample=load_sample))
    log.info("starting on http://%s:%d/api/messages (database %s, auth %s)", settings.host,
             settings.port, redact_url(settings.database_url), "on" if settings.auth_enabled else "off")
    process = start_playground(settings) if playground else None
    try:
        web.run_app(create_app(settings), host=settings.host, port=settings.port,
                    shutdown_timeout=10, print=None, access_log=None)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
    return 0


def start_playground(settings: Settings) -> subprocess.Popen[bytes] | None:
    """Start the Agents Playground against this bot when Node and the npm package are there."""
    binary = Path("node_modules/.bin/agentsplayground")
    if shutil.which("node") is None or not binary.exists():
        log.warning("Agents Playground not started: run `npm ci` (needs Node.js) to install it")
        return None
    endpoint = f"http://{settings.host}:{settings.port}/api/messages"
    environment = {**os.environ, "TEAMSAPPTESTER_BROWSER": "none"}
    process = subprocess.Popen(
        [str(binary), "-e", endpoint, "-c", "msteams", "--dt", "-p", str(PLAYGROUND_PORT)],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    # A plain banner, not a log line: this is the address a person has to open.
    print(f"\n  Agents Playground: open http://127.0.0.1:{PLAYGROUND_PORT}/ to chat with the bot\n", flush=True)
    return process
