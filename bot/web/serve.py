"""``sparringbot serve``: migrate, optionally load the sample, run the bot (and the Playground)."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import os
import shutil
import signal
import subprocess
from pathlib import Path

from aiohttp import web

from bot.bootstrap import create_app
from bot.config import Settings, redact_url
from bot.maintenance import prepare_database

log = logging.getLogger(__name__)
PLAYGROUND_PORT = 56150
SHUTDOWN_GRACE_SECONDS = 10


def serve(settings: Settings, *, host: str | None = None, port: int | None = None,
          load_sample: bool = False, playground: bool = False) -> int:
    """Run until SIGINT/SIGTERM; in-flight requests get time to finish (graceful shutdown)."""
    settings = dataclasses.replace(settings, host=host or settings.host,
                                   port=settings.port if port is None else port)
    return asyncio.run(_serve(settings, load_sample=load_sample, playground=playground))


async def _serve(settings: Settings, *, load_sample: bool, playground: bool) -> int:
    await prepare_database(settings, load_sample=load_sample)
    runner = web.AppRunner(create_app(settings), access_log=None, shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    # PORT=0 picks a free port; log the real one so scripts and tests can find it.
    bound_port = runner.addresses[0][1]
    # Everything built so far (SDK, SQLAlchemy, the app) lives as long as the process. Moving it
    # out of the collector's reach keeps each full collection short: the collector's pauses
    # were a visible part of the slowest turns.
    gc.collect()
    gc.freeze()
    log.info("listening on http://%s:%d/api/messages (database %s, auth %s)", settings.host, bound_port,
             redact_url(settings.database_url), "on" if settings.auth_enabled else "off")
    process = start_playground(settings.host, bound_port) if playground else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
        log.info("shutting down: finishing requests in flight")
    finally:
        if process is not None:
            process.terminate()
        await runner.cleanup()
    return 0


def start_playground(host: str, port: int) -> subprocess.Popen[bytes] | None:
    """Start the Agents Playground against this bot when Node and the npm package are there."""
    binary = Path("node_modules/.bin/agentsplayground")
    if shutil.which("node") is None or not binary.exists():
        log.warning("Agents Playground not started: run `npm ci` (needs Node.js) to install it")
        return None
    endpoint = f"http://{host}:{port}/api/messages"
    environment = {**os.environ, "TEAMSAPPTESTER_BROWSER": "none"}
    process = subprocess.Popen(
        [str(binary), "-e", endpoint, "-c", "msteams", "--dt", "-p", str(PLAYGROUND_PORT)],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    # A plain banner, not a log line: this is the address a person has to open.
    print(f"\n  Agents Playground: open http://127.0.0.1:{PLAYGROUND_PORT}/ to chat with the bot\n", flush=True)
    return process
