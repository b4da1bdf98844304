"""Exports of the submissions and the cost splits, for the CLI and the coordinator's links."""

from __future__ import annotations

from datetime import tzinfo
from functools import partial
from typing import Any, Protocol

from bot.domain.exports import EXPORTS, FORMATS, Words, cost_split_rows, submission_rows, to_csv, to_xlsx
from bot.domain.libraries import Who, who
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.services.libraries import split_owners
from bot.domain.services.roles import people_by_id

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Wording(Protocol):
    """The catalogue's plain texts (``Catalogue.plain``): key, language, values."""

    def __call__(self, key: str, language: str = ..., **values: Any) -> str: ...


def _library_column(owner: Who | None, words: Words) -> str:
    """The library a cost split is from; who sent it while their library is unknown; never an internal key."""
    if owner is None:
        return words("export.library_anonymous")
    return owner.library or words("export.library_unknown", name=owner.name)


class ExportService:
    """Builds ``submissions`` or ``costs`` as CSV or XLSX bytes, in the asker's language."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, zone: tzinfo, wording: Wording):
        """``zone``: the programme's time zone, in which exports show times; ``wording``: the catalogue."""
        self._uow_factory = uow_factory
        self._zone = zone
        self._wording = wording

    def words(self, language: str) -> Words:
        """The catalogue's texts in ``language``."""
        return partial(self._wording, language=language)

    async def rows(self, what: str, language: str = "nl") -> list[list[object]]:
        """Header and data rows of ``submissions`` or ``costs``, headings in ``language``."""
        if what not in EXPORTS:
            raise ValueError(f"unknown export {what!r}")
        words = self.words(language)
        async with self._uow_factory() as uow:
            if what == "submissions":
                people = await people_by_id(uow)
                named = {p.id: who(p, people, unknown=words("export.unknown_participant"))
                         for p in await uow.participants.active()}
                deadlines = {d.id: d.title for d in await uow.schedule.deadlines()}
                return submission_rows(await uow.documents.listing(), words=words, zone=self._zone,
                                       owners={i: (w.name, w.library) for i, w in named.items()},
                                       deadlines=deadlines)
            owners = await split_owners(uow, await uow.documents.cost_splits())
            return cost_split_rows([(_library_column(owner, words), split) for owner, split in owners], words=words)

    async def build(self, what: str, fmt: str, language: str = "nl") -> tuple[str, str, bytes]:
        """(file name, content type, bytes) of an export; names and headings in ``language``.

        Raises:
            ValueError: ``what`` or ``fmt`` is not one the bot makes.
        """
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}")
        rows = await self.rows(what, language)
        words = self.words(language)
        name = words(f"export.file.{what}")
        if fmt == "csv":
            return f"{name}.csv", "text/csv; charset=utf-8", to_csv(rows, zone=self._zone)
        return f"{name}.xlsx", XLSX_TYPE, to_xlsx({words(f"export.what.{what}"): rows}, zone=self._zone)
