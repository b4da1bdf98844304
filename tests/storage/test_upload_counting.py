"""The daily upload limit is counted in the database and holds when one person's messages race."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.domain.documents import UploadLimitReached
from bot.domain.models import Participant, ParticipantSeen
from bot.domain.services.documents import DocumentService
from storage.local_file_store import LocalFileStore


async def participant(uow_factory, clock, name: str) -> Participant:  # type: ignore[no-untyped-def]
    async with uow_factory() as uow:
        found = await uow.participants.upsert(ParticipantSeen(teams_id=f"29:{name}", name=name), now=clock.now())
        await uow.commit()
    return found


async def test_racing_messages_never_pass_the_limit_together(uow_factory, clock, tmp_path: Path):
    """Six messages of two files at once against a limit of five: exactly two get through.

    On PostgreSQL the count locks the person's row, on SQLite every transaction is IMMEDIATE;
    without either, several transactions would count the same three free places.
    """
    anna = await participant(uow_factory, clock, "anna")
    service = DocumentService(uow_factory=uow_factory, clock=clock, store=LocalFileStore(tmp_path / "files"),
                              max_bytes=1000, max_files_per_message=5, max_uploads_per_day=5)
    outcomes = await asyncio.gather(*(service.admit(anna, 2) for _ in range(6)), return_exceptions=True)
    assert sum(o is None for o in outcomes) == 2
    assert all(isinstance(o, UploadLimitReached) for o in outcomes if o is not None)
    async with uow_factory() as uow:
        assert len(await uow.documents.uploads_since(anna.id, clock.now().replace(year=2000))) == 4
