"""The cost chart is a real PNG; the exports open in csv and openpyxl as they should."""

from __future__ import annotations

import csv
import io
import struct
import zlib
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.chart import HEIGHT, PAYER_COLOURS, WIDTH, stacked_bar_png
from bot.domain.cost_split import PAYERS, CostSplit, aggregate
from bot.domain.documents import Consent, Document
from bot.domain.exports import (
    cost_split_rows,
    cost_splits_csv,
    submission_rows,
    submissions_csv,
    to_xlsx,
)

LABELS = {"school": "School", "bibliotheek": "Bibliotheek", "subsidie": "Subsidie", "gemeente": "Gemeente",
          "overig": "Overig"}


def split(total: str, pupils: int | None = None, **parts: str) -> CostSplit:
    return CostSplit(total_per_year=Decimal(total), pupils=pupils,
                     parts={p: Decimal(parts.get(p, "0")) for p in PAYERS})


SPLITS = [("Bibliotheek Aa", split("2500", 250, school="1000", bibliotheek="750", subsidie="500", gemeente="250")),
          ("Bibliotheek Bb", split("3000", None, school="1500", bibliotheek="1500")),
          ("Bibliotheek Cc", split("1800", 120, school="600", bibliotheek="600", gemeente="300", overig="300"))]


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = [], 8
    while offset < len(data):
        length, = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        crc, = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks.append((kind, body))
        offset += 12 + length
    return chunks


def test_chart_is_a_real_png_with_the_payers_colours():
    result = aggregate(SPLITS)
    assert result is not None
    data = stacked_bar_png(result, LABELS)
    chunks = png_chunks(data)
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (width, height, depth, colour_type) == (WIDTH, HEIGHT, 8, 2) == (600, 300, 8, 2)
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(pixels) == HEIGHT * (1 + WIDTH * 3)
    for payer in ("school", "bibliotheek", "gemeente", "overig"):
        assert bytes(PAYER_COLOURS[payer]) in pixels
    description = dict(body.split(b"\x00", 1) for kind, body in chunks if kind == b"tEXt")[b"Description"]
    assert b"School: mediaan" in description


def documents() -> list[Document]:
    at = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    return [
        Document(id=1, owner_id=7, category="accountplan", deadline_id="accountplan-2026", consent=Consent.PARTICIPANTS,
                 note="=HYPERLINK(\"http://x\")", file_name="Accountplan; versie 2.docx", stored_name="a" * 32,
                 size=12345, sha256="f" * 64, content_type="application/msword", created_at=at),
        Document(id=2, owner_id=8, category="kostenberekening", deadline_id=None, consent=Consent.PROJECT_TEAM,
                 note="Offerte é", file_name="offerte.pdf", stored_name="b" * 32, size=99, sha256="e" * 64,
                 content_type="application/pdf", created_at=at),
    ]


def test_submissions_csv_for_dutch_excel():
    rows = submission_rows(documents(), owners={7: ("Anna de Vries", "Bibliotheek Aa")},
                           deadlines={"accountplan-2026": "Accountplan 2026"})
    data = submissions_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert read[0][:5] == ["id", "ingediend_op", "deelnemer", "organisatie", "categorie"]
    first = dict(zip(read[0], read[1], strict=True))
    assert first["bestandsnaam"] == "Accountplan; versie 2.docx"
    assert first["deadline"] == "Accountplan 2026" and first["delen"] == "deelnemers"
    assert first["toelichting"].startswith("'=")  # no formula injection
    second = dict(zip(read[0], read[2], strict=True))
    assert second["deelnemer"] == "8" and second["toelichting"] == "Offerte é" and second["delen"] == "projectteam"


def test_cost_splits_csv_uses_decimal_commas():
    read = list(csv.reader(io.StringIO(cost_splits_csv(cost_split_rows(SPLITS)).decode("utf-8-sig")), delimiter=";"))
    row = dict(zip(read[0], read[1], strict=True))
    assert row["bibliotheek"] == "Bibliotheek Aa" and row["totaal_per_jaar"] == "2500"
    assert row["school_pct"] == "40,0" and row["leerlingen"] == "250" and row["invoer"] == "bedrag"


def test_xlsx_reads_back_with_openpyxl():
    import openpyxl

    submissions = submission_rows(documents())
    data = to_xlsx({"Inzendingen": submissions, "Kosten/verdeling": cost_split_rows(SPLITS),
                    "Inzendingen ": [["dubbel"]]})
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames[:2] == ["Inzendingen", "Kosten_verdeling"]
    assert len(workbook.sheetnames) == 3 and len(set(workbook.sheetnames)) == 3
    sheet = workbook["Inzendingen"]
    assert [c.value for c in sheet[1]][:3] == ["id", "ingediend_op", "deelnemer"]
    assert sheet["A2"].value == 1 and isinstance(sheet["A2"].value, int)
    assert sheet["H2"].value == "Accountplan; versie 2.docx" and sheet["I2"].value == 12345
    assert sheet["L3"].value == "Offerte é"
    costs = workbook["Kosten_verdeling"]
    assert costs["B2"].value == 2500 and costs["C3"].value is None
    assert costs.max_row == 4


def test_xlsx_cells_keep_their_types_and_the_header_is_bold_frozen_and_filtered():
    import openpyxl

    rows = submission_rows(documents(), owners={7: ("Anna de Vries", "Bibliotheek Aa")})
    rows.append([3, date(2026, 3, 31), "Bram", "", "kostenberekening", "", "", "x.pdf", 1, "", "", True])
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx({"Inzendingen": rows, "Kosten": cost_split_rows(SPLITS)},
                                                         zone=ZoneInfo("Europe/Amsterdam"))))
    sheet = workbook["Inzendingen"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:L{len(rows)}"
    assert all(cell.font.bold for cell in sheet[1]) and not sheet["B2"].font.bold
    # 09:00 UTC on 3 March is 10:00 in Amsterdam: Excel has no zones, so the export shows local time.
    assert sheet["B2"].value == datetime(2026, 3, 3, 10, 0) and sheet["B2"].is_date
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["B4"].value == datetime(2026, 3, 31, 0, 0) and sheet["B4"].number_format == "yyyy-mm-dd"
    assert sheet["L4"].value is True
    # Text that looks like a formula stays text, exactly as typed.
    assert sheet["L2"].value == '=HYPERLINK("http://x")' and sheet["L2"].data_type == "s"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ACHK"}
    assert widths["K"] > widths["H"] > widths["C"] > widths["A"] >= 8  # sha256 > file name > name > id
    costs = workbook["Kosten"]
    assert costs["B2"].value == 2500 and costs["E2"].value == 1000 and isinstance(costs["E2"].value, int | float)
    assert costs["J2"].value == 40 and costs["J2"].number_format == "#,##0.0"  # school_pct, one place
    assert costs["E2"].number_format == "#,##0"  # school_eur: whole euros as given, with a thousands mark
    mixed = openpyxl.load_workbook(io.BytesIO(to_xlsx({"x": [["eur"], [Decimal("1000")], [Decimal("1250.50")]]})))
    assert [mixed["x"][f"A{r}"].number_format for r in (2, 3)] == ["#,##0.00"] * 2  # one format per column
    assert costs["D2"].value == "bedrag"


def test_xlsx_of_no_sheets_is_still_a_workbook():
    import openpyxl

    assert openpyxl.load_workbook(io.BytesIO(to_xlsx({}))).sheetnames == ["Blad1"]
