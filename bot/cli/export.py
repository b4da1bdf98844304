"""``sparringbot export submissions|costs --format csv|xlsx --out FILE [--language nl|en]``.

Column headings and the sheet's name are in Dutch, the programme's language, unless
``--language en`` asks for English; times are in the programme's time zone.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.domain.services.exports import ExportService
from bot.maintenance import prepare_database
from bot.texts import Catalogue
from storage.database import open_database


async def export(settings: Settings, *, what: str, fmt: str, out: Path, language: str = "nl") -> int:
    """Write the submissions or the cost splits as CSV (Dutch Excel: ``;``) or XLSX.

    Args:
        settings: Where the database is and the programme's time zone.
        what: ``submissions`` or ``costs``.
        fmt: ``csv`` or ``xlsx``.
        out: The file to write.
        language: Language of the headings: ``nl`` (the programme's) or ``en``.

    Returns:
        The exit code (0).
    """
    await prepare_database(settings, load_sample=False)
    async with open_database(settings.database_url) as database:
        service = ExportService(uow_factory=database.unit_of_work, zone=settings.zone,
                                wording=Catalogue.load().plain)
        count = len(await service.rows(what, language)) - 1
        _, _, data = await service.build(what, fmt, language)
    out.write_bytes(data)
    print(f"wrote {count} {what} to {out} (headings in {'English' if language == 'en' else 'Dutch'})")
    return 0
