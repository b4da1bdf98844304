"""OUTBOX_RETENTION_DAYS: validated like every setting, and ``reminders run-once`` prunes with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_outbox_retention_defaults_to_30_days_and_takes_a_whole_number():
    assert load_settings({}, env_file=None).outbox_retention_days == 30
    assert load_settings({"OUTBOX_RETENTION_DAYS": "7"}, env_file=None).outbox_retention_days == 7


@pytest.mark.parametrize("value", ["0", "-1", "2.5", "thirty", "3651"])
def test_a_wrong_outbox_retention_is_refused_in_plain_english(value):
    with pytest.raises(ConfigError) as caught:
        load_settings({"OUTBOX_RETENTION_DAYS": value}, env_file=None)
    assert caught.value.problems == [
        f"OUTBOX_RETENTION_DAYS must be a whole number of days from 1 to 3650; got {value!r}"]


async def test_reminders_run_once_prunes_what_finished_before_the_retention_period(tmp_path: Path, capsys):
    from sqlalchemy import select

    from bot.cli.reminders import run_once
    from bot.domain.clock import SystemClock
    from bot.domain.models import ParticipantSeen
    from bot.domain.outbox import OutboxMessage
    from bot.domain.services.participants import ParticipantService
    from storage.db import create_engine, create_sessionmaker
    from storage.migrate import upgrade
    from storage.tables import OutboxRow
    from storage.unit_of_work import SqlUnitOfWork

    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "FILES_DIR": str(tmp_path / "f"),
                              "OUTBOX_RETENTION_DAYS": "30"}, env_file=None)
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    sessions = create_sessionmaker(engine)

    def uow_factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions)

    # Real time, as the command uses: 40 and 20 days ago are far from the 30-day line either way.
    now = datetime.now(UTC)
    anna = await ParticipantService(uow_factory, SystemClock()).record_seen(ParticipantSeen(teams_id="29:anna"))
    async with uow_factory() as uow:
        await uow.outbox.plan([OutboxMessage(key=k, recipient_id=anna.id, kind="message", due_at=now,
                                             payload={"text": k}) for k in ("old", "recent")], now=now)
        claimed = {m.key: m.id for m in await uow.outbox.claim_due(now=now, limit=5, worker="w",
                                                                  lease_until=now + timedelta(minutes=2))}
        await uow.outbox.record(claimed["old"], worker="w", outcome="sent", error="", now=now - timedelta(days=40))
        await uow.outbox.record(claimed["recent"], worker="w", outcome="sent", error="", now=now - timedelta(days=20))
        await uow.commit()

    assert await run_once(settings) == 0

    async with sessions() as session:
        assert set((await session.scalars(select(OutboxRow.key))).all()) == {"recent"}
    await engine.dispose()
    assert capsys.readouterr().out.strip().endswith("pruned 1")
