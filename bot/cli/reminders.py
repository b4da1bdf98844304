"""``sparringbot reminders run-once`` and ``reminders list`` (cron-style deployments, operators)."""

from __future__ import annotations

import dataclasses
from datetime import UTC

from aiohttp import web

from bot.bootstrap import create_app
from bot.components import COMPONENTS
from bot.config import Settings
from bot.maintenance import prepare_database


async def run_once(settings: Settings) -> int:
    """Plan what is due, send everything due now and prune the outbox, then exit (0 when nothing failed)."""
    await prepare_database(settings, load_sample=False)
    # The same composition root as `serve`, without the background dispatcher loop.
    runner = web.AppRunner(create_app(dataclasses.replace(settings, dispatch_interval=0)))
    await runner.setup()
    try:
        components = runner.app[COMPONENTS]
        planned = await components.planner.plan_all() if components.planner else 0
        report = await components.dispatcher.run_once()
        pruned = await components.retention.prune() if components.retention else 0
    finally:
        await runner.cleanup()
    print(f"planned {planned}, sent {report.sent}, cancelled {report.cancelled}, "
          f"retry later {report.retried}, failed {report.failed}, pruned {pruned}")
    return 1 if report.failed else 0


async def list_planned(settings: Settings) -> int:
    """Print the outbox: when, what, for whom, and its state."""
    from sqlalchemy import select

    from bot.domain.localtime import format_moment
    from storage.database import open_database
    from storage.tables import OutboxRow, ParticipantRow

    await prepare_database(settings, load_sample=False)
    async with open_database(settings.database_url) as database, database.sessions() as session:
        rows = (await session.execute(
            select(OutboxRow, ParticipantRow.name).join(ParticipantRow, OutboxRow.recipient_id == ParticipantRow.id)
            .order_by(OutboxRow.due_at, OutboxRow.id).limit(500))).all()
    if not rows:
        print("nothing planned")
    for row, name in rows:
        due = row.due_at if row.due_at.tzinfo else row.due_at.replace(tzinfo=UTC)
        print(f"{format_moment(due, settings.zone, 'en'):<28} {row.state:<10} {row.kind:<22} {name or '?':<24} "
              f"{row.key}" + (f"  ({row.last_error})" if row.last_error else ""))
    return 0
