"""A dispatcher in its own OS process, for the crash test (``tests/e2e/test_fanout_crash.py``).

Builds the real app from settings (``bot.bootstrap.create_app`` inside an aiohttp ``AppRunner``, as
``reminders run-once`` does), then runs a ``Dispatcher`` with the app's adapter, database and
clock, the real ``TeamsMessenger`` and a lease and batch size given on the command line (the
app's own dispatcher has a fixed two-minute lease). It keeps dispatching until no row is
pending or claimed, waking at the next due moment or lease expiry, and prints a JSON summary.

    python -m tests.fanout_worker DATABASE_URL --lease 2 --batch 50 --rate 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from datetime import UTC, datetime, timedelta

from aiohttp import web
from sqlalchemy import func, select

from bot.bootstrap import create_app
from bot.components import COMPONENTS
from bot.config import load_settings
from bot.domain.outbox import OutboxState
from bot.domain.rate_limit import SendRateLimiter
from bot.domain.services.dispatcher import Dispatcher
from bot.teams.outbox_messenger import MESSAGE_KIND, compose_stored_message
from bot.teams.proactive import TeamsMessenger
from storage.tables import OutboxRow

OPEN = (OutboxState.PENDING.value, OutboxState.SENDING.value)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def run(database_url: str, *, lease: float, batch: int, rate: float) -> dict[str, object]:
    """Dispatch until nothing is open; returns the totals."""
    settings = load_settings({"DATABASE_URL": database_url, "DISPATCH_INTERVAL": "0",
                              "GLOBAL_SEND_RATE": str(rate)}, env_file=None)
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    totals = {"sent": 0, "retried": 0, "failed": 0, "cancelled": 0, "rounds": 0}
    started = time.monotonic()
    try:
        components = runner.app[COMPONENTS]
        messenger = TeamsMessenger(adapter=components.adapter, app_id=settings.app_id,
                                   uow_factory=components.uow_factory, clock=components.clock)
        dispatcher = Dispatcher(
            uow_factory=components.uow_factory, messenger=messenger, clock=components.clock,
            composers={MESSAGE_KIND: compose_stored_message}, worker=f"fanout:{os.getpid()}",
            limiter=SendRateLimiter(settings.global_send_rate), batch=batch, lease=timedelta(seconds=lease))
        while True:
            report = await dispatcher.run_once()
            totals["rounds"] += 1
            for name in ("sent", "retried", "failed", "cancelled"):
                totals[name] += getattr(report, name)
            async with components.sessions() as session:
                open_rows, next_due, next_lease = (await session.execute(select(
                    func.count(OutboxRow.id),
                    func.min(OutboxRow.due_at).filter(OutboxRow.state == OutboxState.PENDING.value),
                    func.min(OutboxRow.lease_until).filter(OutboxRow.state == OutboxState.SENDING.value),
                ).where(OutboxRow.state.in_(OPEN)))).one()
            if not open_rows:
                break
            moments = [_aware(m) for m in (next_due, next_lease) if m is not None]
            wait = (min(moments) - components.clock.now()).total_seconds() if moments else 0.1
            await asyncio.sleep(min(max(wait, 0.01), 1.0))  # a real process waiting for real time
    finally:
        await runner.cleanup()
    totals["seconds"] = round(time.monotonic() - started, 2)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--lease", type=float, default=2.0, help="claim lease in seconds")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--rate", type=float, default=30.0, help="GLOBAL_SEND_RATE")
    args = parser.parse_args()
    totals = asyncio.run(run(args.database_url, lease=args.lease, batch=args.batch, rate=args.rate))
    print(json.dumps(totals), flush=True)


if __name__ == "__main__":
    main()
