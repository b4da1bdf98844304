"""Exports of the submissions and the cost splits, for the CLI and the coordinator's links."""

from __future__ import annotations

from datetime import tzinfo

from bot.domain.exports import cost_split_rows, submission_rows, to_csv, to_xlsx
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.services.roles import people_by_id

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportService:
    """Builds ``submissions`` or ``costs`` as CSV or XLSX bytes."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, zone: tzinfo):
        """``zone``: the programme's time zone, in which the XLSX shows times (Excel knows no zones)."""
        self._uow_factory = uow_factory
        self._zone = zone

    async def rows(self, what: str) -> list[list[object]]:
        """Header and data rows of ``submissions`` or ``costs``."""
        async with self._uow_factory() as uow:
            if what == "submissions":
                people = await people_by_id(uow)
                owners = {p.id: (p.name or p.email or "?",
                                 people[p.person_id].organisation if p.person_id in people else "")
                          for p in await uow.participants.active()}
                deadlines = {d.id: d.title for d in await uow.schedule.deadlines()}
                return submission_rows(await uow.documents.listing(), owners=owners, deadlines=deadlines)
            return cost_split_rows(await uow.documents.cost_splits())

    async def build(self, what: str, fmt: str) -> tuple[str, str, bytes]:
        """(file name, content type, bytes) of an export."""
        rows = await self.rows(what)
        if fmt == "csv":
            return f"{what}.csv", "text/csv; charset=utf-8", to_csv(rows)
        return f"{what}.xlsx", XLSX_TYPE, to_xlsx({what: rows}, zone=self._zone)
