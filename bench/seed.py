"""Fill a database directly (no turns): migrated schema, sample programme, synthetic rows."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from bot.config import load_settings
from bot.domain.clock import SystemClock
from bot.domain.services.reminder_planner import ReminderPlanner
from bot.maintenance import prepare_database
from storage.db import create_engine, create_sessionmaker
from storage.tables import OutboxRow, ParticipantRow, RequestRow
from storage.unit_of_work import SqlUnitOfWork

TENANT = "7d9a3e2b-1c4f-4b8e-9a61-5f0c2d8e4b17"
BOT = {"id": "28:sparringbot-app-id", "name": "Sparringbot"}
STATES = ("new", "suggested", "assigned", "accepted", "closed", "declined", "withdrawn")
THEMES = ("Netwerk & Beleid", "Exploitatie", "Factsheet", "Overig")
CHUNK = 1000
COORDINATOR = "dia"  # the sample programme's coordinator


async def prepare(database_url: str, *, load_sample: bool = True) -> None:
    """Migrate and (optionally) import the sample programme, as ``serve --load-sample`` would."""
    settings = load_settings({"DATABASE_URL": database_url}, env_file=None)
    await prepare_database(settings, load_sample=load_sample)


def reference(key: str, service_url: str) -> dict[str, object]:
    """A stored personal conversation reference, as ``address_from_turn`` saves it."""
    return {"activityId": f"act-{key}", "user": {"id": f"29:{key}", "aadObjectId": f"aad-{key}"}, "bot": BOT,
            "conversation": {"id": f"a:personal-{key}", "conversationType": "personal", "tenantId": TENANT},
            "channelId": "msteams", "locale": "nl-NL", "serviceUrl": service_url}


def turn_database(database_url: str, *, participants: int, requests: int, service_url: str) -> None:
    """The turn benchmarks' database: sample programme, the coordinator, participants ``s0``.. and requests.

    The coordinator (Dia, of the sample programme) has talked to the bot before, as in real use,
    so every submitted question sends her a review card through the outbox.
    """
    asyncio.run(prepare(database_url))
    asyncio.run(add_participants(database_url, 1, prefix="coordinator-", service_url=service_url,
                                 person_id=COORDINATOR))
    ids = asyncio.run(add_participants(database_url, participants, prefix="s", service_url=service_url))
    asyncio.run(add_requests(database_url, ids, requests))
    asyncio.run(plan_reminders(database_url))


async def plan_reminders(database_url: str) -> int:
    """Plan the programme's reminders for everyone, as a bot that has been running would have.

    Then the bot's own planning at start-up finds nothing changed and plans nothing: the
    benchmarks measure the steady state, not the one start after participants arrived in bulk.
    """
    settings = load_settings({"DATABASE_URL": database_url}, env_file=None)
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    try:
        planner = ReminderPlanner(uow_factory=lambda: SqlUnitOfWork(sessions), clock=SystemClock(),
                                  zone=settings.zone)
        return await planner.plan_all()
    finally:
        await engine.dispose()


async def add_participants(database_url: str, count: int, *, prefix: str, service_url: str,
                           person_id: str | None = None) -> list[int]:
    """Insert ``count`` participants with a personal conversation; returns their ids."""
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as connection:
            for start in range(0, count, CHUNK):
                rows = []
                for i in range(start, min(count, start + CHUNK)):
                    key = f"{prefix}{i}"
                    rows.append({"teams_id": f"29:{key}", "tenant_id": TENANT, "aad_object_id": f"aad-{key}",
                                 "name": f"Deelnemer {key}", "email": f"{key}@bieb.example", "locale": "nl-NL",
                                 "person_id": person_id, "active": True, "reminders_enabled": True,
                                 "service_url": service_url, "conversation_id": f"a:personal-{key}",
                                 "conversation_reference": reference(key, service_url),
                                 "created_at": now, "updated_at": now})
                await connection.execute(insert(ParticipantRow), rows)
            ids = (await connection.execute(
                select(ParticipantRow.id).where(ParticipantRow.teams_id.like(f"29:{prefix}%"))
                .order_by(ParticipantRow.id))).scalars().all()
    finally:
        await engine.dispose()
    return list(ids)


async def add_requests(database_url: str, asker_ids: list[int], count: int, *, seed: int = 7) -> None:
    """Insert ``count`` sparring requests in every state, spread over the askers."""
    rng = random.Random(seed)
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as connection:
            for start in range(0, count, CHUNK):
                rows = []
                for i in range(start, min(count, start + CHUNK)):
                    created = now - timedelta(days=rng.randint(1, 300))
                    rows.append({"source_key": f"bench:{i}", "public_ref": f"bench-{i}",
                                 "asker_id": asker_ids[i % len(asker_ids)],
                                 "text": f"Hoe pak ik de samenwerking met schoolbesturen aan? (vraag {i})",
                                 "theme": rng.choice(THEMES), "preference": "any", "context": "",
                                 "state": rng.choice(STATES), "version": 1,
                                 "suggestions": [{"person": "maarten-oba", "score": 2.5, "reasons": []}],
                                 "assignee_id": None, "declined_by": [], "note": "", "rating": None,
                                 "comment": "", "introduced_at": None, "created_at": created,
                                 "updated_at": created})
                await connection.execute(insert(RequestRow), rows)
    finally:
        await engine.dispose()


async def add_fanout(database_url: str, recipient_ids: list[int]) -> None:
    """One due ``message`` outbox row per recipient; its text carries a ``[fanout N]`` marker."""
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as connection:
            for start in range(0, len(recipient_ids), CHUNK):
                rows = [{"key": f"bench:fanout:{n}", "recipient_id": rid, "kind": "message",
                         "payload": {"text": f"Herinnering: lever je schoolplan in vóór vrijdag [fanout {n}]",
                                     "card": None},
                         "state": "pending", "due_at": now - timedelta(seconds=1), "attempts": 0,
                         "claimed_by": None, "lease_until": None, "last_error": "", "sent_at": None,
                         "created_at": now}
                        for n, rid in enumerate(recipient_ids[start:start + CHUNK], start=start)]
                await connection.execute(insert(OutboxRow), rows)
    finally:
        await engine.dispose()


async def count_rows(database_url: str, table: type, **where: object) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            statement = select(func.count()).select_from(table)
            for name, value in where.items():
                statement = statement.where(getattr(table, name) == value)
            return int((await connection.execute(statement)).scalar_one())
    finally:
        await engine.dispose()
