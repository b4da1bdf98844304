"""``sparringbot export submissions|costs --format csv|xlsx --out FILE``."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.domain.services.exports import ExportService
from bot.maintenance import prepare_database
from storage.db import create_engine, create_sessionmaker
from storage.unit_of_work import SqlUnitOfWork


async def export(settings: Settings, *, what: str, fmt: str, out: Path) -> int:
    """Write the submissions or the cost splits as CSV (Dutch Excel: ``;``) or XLSX."""
    await prepare_database(settings, load_sample=False)
    engine = create_engine(settings.database_url)
    try:
        sessions = create_sessionmaker(engine)
        service = ExportService(uow_factory=lambda: SqlUnitOfWork(sessions), zone=settings.zone)
        count = len(await service.rows(what)) - 1
        _, _, data = await service.build(what, fmt)
    finally:
        await engine.dispose()
    out.write_bytes(data)
    print(f"wrote {count} {what} to {out}")
    return 0
