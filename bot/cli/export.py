"""``sparringbot export submissions|costs --format csv|xlsx --out FILE``."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.domain.services.exports import ExportService
from bot.maintenance import prepare_database
from storage.database import open_database


async def export(settings: Settings, *, what: str, fmt: str, out: Path) -> int:
    """Write the submissions or the cost splits as CSV (Dutch Excel: ``;``) or XLSX."""
    await prepare_database(settings, load_sample=False)
    async with open_database(settings.database_url) as database:
        service = ExportService(uow_factory=database.unit_of_work, zone=settings.zone)
        count = len(await service.rows(what)) - 1
        _, _, data = await service.build(what, fmt)
    out.write_bytes(data)
    print(f"wrote {count} {what} to {out}")
    return 0
