"""Exports for the coordinator: CSV for Dutch Excel and a minimal XLSX, standard library only.

CSV: UTF-8 with a BOM (so Excel reads accents), ``;`` between fields and a decimal comma, as
Dutch Excel expects. XLSX: one worksheet per sheet with inline strings and real numbers.
Text that Excel would take for a formula (``=``, ``+``, ``-``, ``@``) gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from bot.domain.cost_split import PAYERS, CostSplit
from bot.domain.documents import Document

Cell = str | int | float | Decimal | bool | date | datetime | None
Rows = list[list[Cell]]

SUBMISSION_HEADER = ["id", "ingediend_op", "deelnemer", "organisatie", "categorie", "deadline", "delen",
                     "bestandsnaam", "grootte_bytes", "type", "sha256", "toelichting"]
COST_HEADER = ["bibliotheek", "totaal_per_jaar", "leerlingen", "invoer",
               *(f"{p}_eur" for p in PAYERS), *(f"{p}_pct" for p in PAYERS)]
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def submission_rows(documents: Sequence[Document], *, owners: Mapping[int, tuple[str, str]] | None = None,
                    deadlines: Mapping[str, str] | None = None) -> Rows:
    """Header and one row per document; ``owners``: participant id → (name, organisation)."""
    owners, deadlines = owners or {}, deadlines or {}
    rows: Rows = [list(SUBMISSION_HEADER)]
    for d in documents:
        name, organisation = owners.get(d.owner_id, (str(d.owner_id), ""))
        rows.append([d.id, d.created_at, name, organisation, d.category,
                     deadlines.get(d.deadline_id, d.deadline_id) if d.deadline_id else "",
                     "deelnemers" if d.shared else "projectteam", d.file_name, d.size, d.content_type,
                     d.sha256, d.note])
    return rows


def cost_split_rows(splits: Sequence[tuple[str, CostSplit]]) -> Rows:
    """Header and one row per split: the total, each payer in euros and in percent."""
    rows: Rows = [list(COST_HEADER)]
    for library, split in splits:
        amounts, shares = split.amounts(), split.shares()
        rows.append([library, split.total_per_year, split.pupils, "procent" if split.as_percentages else "bedrag",
                     *(amounts[p] for p in PAYERS), *(shares[p].quantize(Decimal("0.1")) for p in PAYERS)])
    return rows


def to_csv(rows: Sequence[Sequence[Cell]]) -> bytes:
    """CSV for Dutch Excel: UTF-8 with BOM, ``;``, decimal comma, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([_csv_cell(c) for c in row])
    return buffer.getvalue().encode("utf-8-sig")


def submissions_csv(rows: Sequence[Sequence[Cell]]) -> bytes:
    """The submissions (``submission_rows``) as CSV."""
    return to_csv(rows)


def cost_splits_csv(rows: Sequence[Sequence[Cell]]) -> bytes:
    """The cost splits (``cost_split_rows``) as CSV."""
    return to_csv(rows)


def to_xlsx(sheets: Mapping[str, Sequence[Sequence[Cell]]]) -> bytes:
    """A minimal valid XLSX workbook: one worksheet per entry, named after its key."""
    names = _sheet_names(list(sheets))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(names) + 1))
        archive.writestr("[Content_Types].xml", _XML + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"))
        archive.writestr("_rels/.rels", _XML + (
            f'<Relationships xmlns="{_PKG_RELS}"><Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        sheet_list = "".join(f'<sheet name="{_attr(n)}" sheetId="{i}" r:id="rId{i}"/>'
                             for i, n in enumerate(names, start=1))
        archive.writestr("xl/workbook.xml", _XML + (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><sheets>{sheet_list}</sheets></workbook>'))
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, len(names) + 1))
        archive.writestr("xl/_rels/workbook.xml.rels",
                         _XML + f'<Relationships xmlns="{_PKG_RELS}">{rels}</Relationships>')
        for i, rows in enumerate(sheets.values(), start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", _worksheet(rows))
    return buffer.getvalue()


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _worksheet(rows: Sequence[Sequence[Cell]]) -> str:
    lines = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_xlsx_cell(f"{_column(c)}{r}", value) for c, value in enumerate(row) if value is not None)
        lines.append(f'<row r="{r}">{cells}</row>')
    return _XML + f'<worksheet xmlns="{_MAIN}"><sheetData>{"".join(lines)}</sheetData></worksheet>'


def _xlsx_cell(ref: str, value: Cell) -> str:
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        number = value if not isinstance(value, Decimal) else format(value.normalize(), "f")
        return f'<c r="{ref}"><v>{number}</v></c>'
    text = _text(value)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(_ILLEGAL_XML.sub("", text))}</t></is></c>'


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return format(value, "f").replace(".", ",")
    return _text(value)


def _text(value: Cell) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(65 + remainder) + name
    return name


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


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})
