"""Exports for the coordinator: CSV for Dutch Excel, and XLSX written with openpyxl.

CSV: UTF-8 with a BOM (so Excel reads accents), ``;`` between fields and a decimal comma, as
Dutch Excel expects; text that Excel would take for a formula (``=``, ``+``, ``-``, ``@``) gets
a leading ``'``. XLSX: one worksheet per sheet with typed cells (numbers, dates, booleans) and
text cells that are never formulas, a bold frozen header row and columns as wide as their values.

Column headings and the words in cells come from the text catalogue through ``Words`` (the
domain holds no user-facing text), in the language of whoever asked. Times are shown in the
programme's time zone: the heading names the zone and a CSV time carries its ISO offset.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any, Protocol

from bot.domain.cost_split import PAYERS, CostSplit
from bot.domain.documents import Document

Cell = str | int | float | Decimal | bool | date | datetime | None
Rows = list[list[Cell]]

EXPORTS = ("submissions", "costs")
FORMATS = ("xlsx", "csv")
SUBMISSION_COLUMNS = ("id", "submitted_at", "participant", "library", "category", "deadline", "sharing",
                      "file_name", "size_bytes", "content_type", "sha256", "note")
COST_COLUMNS = ("library", "total_per_year", "pupils", "entered_as")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Words(Protocol):
    """A text of the catalogue by key, in the asker's language, values filled in as they are."""

    def __call__(self, key: str, **values: Any) -> str: ...


def submission_rows(documents: Sequence[Document], *, words: Words, zone: tzinfo = UTC,
                    owners: Mapping[int, tuple[str, str]] | None = None,
                    deadlines: Mapping[str, str] | None = None) -> Rows:
    """Header and one row per document.

    Args:
        documents: The documents, in the order of the rows.
        words: Headings and cell words (``export.column.*``, ``export.sharing.*``, ``category.*``).
        zone: The zone the times are shown in; its name goes into the heading of the time column.
        owners: Participant id → (name, library), each in its own column so Excel can filter on
            the library; an owner not in it gets the "unknown participant" word, never an internal id.
        deadlines: Deadline id → title.

    Returns:
        The rows, the first being the header.
    """
    owners, deadlines = owners or {}, deadlines or {}
    unknown = (words("export.unknown_participant"), "")
    rows: Rows = [[words(f"export.column.{c}", zone=_zone_name(zone)) for c in SUBMISSION_COLUMNS]]
    for d in documents:
        name, library = owners.get(d.owner_id, unknown)
        rows.append([d.id, d.created_at, name, library,
                     words(f"category.{d.category}"),
                     deadlines.get(d.deadline_id, d.deadline_id) if d.deadline_id else "",
                     words("export.sharing.participants" if d.shared else "export.sharing.project_team"),
                     d.file_name, d.size, d.content_type, d.sha256, d.note])
    return rows


def cost_split_rows(splits: Sequence[tuple[str, CostSplit]], *, words: Words) -> Rows:
    """Header and one row per split: the library, the total, each payer in euros and in percent."""
    payers = [words(f"cost.payer.{p}") for p in PAYERS]
    rows: Rows = [[*(words(f"export.column.{c}") for c in COST_COLUMNS),
                   *(words("export.column.payer_eur", payer=p) for p in payers),
                   *(words("export.column.payer_pct", payer=p) for p in payers)]]
    for library, split in splits:
        amounts, shares = split.amounts(), split.shares()
        rows.append([library, split.total_per_year, split.pupils,
                     words("cost.unit.percentages" if split.as_percentages else "cost.unit.amounts"),
                     *(amounts[p] for p in PAYERS), *(shares[p].quantize(Decimal("0.1")) for p in PAYERS)])
    return rows


def _zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", None) or zone.tzname(None) or zone)


def to_csv(rows: Sequence[Sequence[Cell]], *, zone: tzinfo = UTC) -> bytes:
    """CSV for Dutch Excel: UTF-8 with BOM, ``;``, decimal comma, CRLF line ends.

    Aware times are shown in ``zone`` with their ISO offset (``2026-03-03 10:00+01:00``), so a
    reader sees local time and a program still knows the moment.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([_csv_cell(c, zone) for c in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(sheets: Mapping[str, Sequence[Sequence[Cell]]], *, zone: tzinfo = UTC) -> bytes:
    """An XLSX workbook written with openpyxl: one worksheet per entry, named after its key.

    The first row of each sheet is its header: bold, frozen and with a filter. Numbers stay
    numbers (a ``Decimal`` keeps its places as the number format: 2 places shows ``#,##0.00``),
    dates and times become Excel dates (times in ``zone``, since Excel knows no time zones),
    booleans stay booleans and text stays text, even text that looks like a formula.

    Args:
        sheets: Sheet name → rows, the first row being the header.
        zone: The time zone aware datetimes are shown in.

    Returns:
        The workbook's bytes.
    """
    # Imported here: only an export pays openpyxl's import, not every start of the bot.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for name, rows in zip(_sheet_names(list(sheets)), list(sheets.values()) or [[]], strict=True):
        sheet = workbook.create_sheet(title=name)
        places = _decimal_places(rows[1:])
        widths: dict[int, int] = {}
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=c)
                shown = _xlsx_value(cell, value, zone=zone, places=places.get(c, 0))
                if r == 1:
                    cell.font = bold
                widths[c] = max(widths.get(c, 0), len(shown))
        for c, width in widths.items():
            # Room for the longest value plus the header's filter button, within reason.
            sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 3, 8), _MAX_WIDTH)
        if rows:
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_MAX_WIDTH = 60
_DATE_FORMAT, _DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"


def _decimal_places(rows: Sequence[Sequence[Cell]]) -> dict[int, int]:
    """Per column (1-based), the most decimal places of its ``Decimal`` values.

    One number format per column: 1000 and 1250.50 in one column both show two places.
    """
    places: dict[int, int] = {}
    for row in rows:
        for c, value in enumerate(row, start=1):
            if isinstance(value, Decimal) and value.is_finite():
                exponent = value.as_tuple().exponent
                places[c] = max(places.get(c, 0), -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return places


def _xlsx_value(cell: Any, value: Cell, *, zone: tzinfo, places: int) -> str:
    """Put ``value`` into ``cell`` with its type and number format; return it as shown, for the width."""
    if isinstance(value, bool):
        cell.value = value
        return "ONWAAR"  # the longest way Dutch Excel shows a boolean
    if isinstance(value, int | float):
        cell.value = value
        return f"{value:,}"
    if isinstance(value, Decimal):
        cell.value = value
        cell.number_format = "#,##0" + ("." + "0" * places if places else "")
        return f"{value:,.{places}f}"
    if isinstance(value, datetime):
        cell.value = value.astimezone(zone).replace(tzinfo=None) if value.tzinfo else value
        cell.number_format = _DATETIME_FORMAT
        return _DATETIME_FORMAT
    if isinstance(value, date):
        cell.value = value
        cell.number_format = _DATE_FORMAT
        return _DATE_FORMAT
    text = _ILLEGAL_XML.sub("", str(value))[:_MAX_CELL_TEXT]
    cell.value = text
    # openpyxl stores text starting with "=" as a formula; an export holds data, never formulas.
    cell.data_type = "s"
    return text


_MAX_CELL_TEXT = 32_767  # Excel's limit for one cell


def _csv_cell(value: Cell, zone: tzinfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return format(value, "f").replace(".", ",")
    return _text(value, zone)


def _text(value: Cell, zone: tzinfo) -> str:
    if isinstance(value, datetime):
        return (value.astimezone(zone) if value.tzinfo else value).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _sheet_names(names: Sequence[str]) -> list[str]:
    """Excel's rules: at most 31 characters, none of ``[]:*?/\\``, unique, not empty."""
    result: list[str] = []
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:31] or "Blad"
        candidate, n = base, 2
        while candidate.lower() in (r.lower() for r in result):
            suffix = f" ({n})"
            candidate, n = base[:31 - len(suffix)] + suffix, n + 1
        result.append(candidate)
    return result or ["Blad1"]

