"""``sparringbot export submissions|costs --format csv|xlsx --out FILE``."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.domain.exports import cost_split_rows, submission_rows, to_csv, to_xlsx
from bot.maintenance import prepare_database
from storage.db import create_engine, create_sessionmaker
from storage.unit_of_work import SqlUnitOfWork


async def export(settings: Settings, *, what: str, fmt: str, out: Path) -> int:
    """Write the submissions or the cost splits as CSV (Dutch Excel: ``;``) or XLSX."""
    await prepare_database(settings, load_sample=False)
    engine = create_engine(settings.database_url)
    try:
        async with SqlUnitOfWork(create_sessionmaker(engine)) as uow:
            if what == "submissions":
                people = {p.id: p for p in await uow.directory.people()}
                owners = {p.id: (p.name or p.email or "?", people[p.person_id].organisation
                                 if p.person_id in people else "")
                          for p in await uow.participants.active()}
                deadlines = {d.id: d.title for d in await uow.schedule.deadlines()}
                rows = submission_rows(await uow.documents.listing(), owners=owners, deadlines=deadlines)
            else:
                rows = cost_split_rows(await uow.documents.cost_splits())
    finally:
        await engine.dispose()
    data = to_csv(rows) if fmt == "csv" else to_xlsx({what: rows})
    out.write_bytes(data)
    print(f"wrote {len(rows) - 1} {what} to {out}")
    return 0
