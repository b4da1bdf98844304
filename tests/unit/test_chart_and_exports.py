"""The cost chart (matplotlib) says what it should in the reader's language; the exports open in csv and openpyxl."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.cost_split import PAYERS, CostAggregate, CostSplit, aggregate
from bot.domain.documents import Consent, Document
from bot.domain.exports import cost_split_rows, submission_rows, to_csv, to_xlsx
from bot.features.documents.cost_cards import chart_texts
from bot.features.documents.cost_chart import (
    HEIGHT,
    PAYER_COLOURS,
    WIDTH,
    CostChartTexts,
    cost_overview_figure,
    cost_overview_png,
    euro,
    percent,
)
from bot.texts import Catalogue

REPO = Path(__file__).resolve().parents[2]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def words(language: str = "nl"):  # type: ignore[no-untyped-def]
    """The catalogue's export words in ``language``, as the service passes them."""
    catalogue = Catalogue.load()
    return lambda key, **values: catalogue.plain(key, language, **values)


def split(total: str, pupils: int | None = None, **parts: str) -> CostSplit:
    return CostSplit(total_per_year=Decimal(total), pupils=pupils,
                     parts={p: Decimal(parts.get(p, "0")) for p in PAYERS})


SPLITS = [("Bibliotheek Aa", split("2500", 250, school="1000", bibliotheek="750", subsidie="500", gemeente="250")),
          ("Bibliotheek Bb", split("3000", None, school="1500", bibliotheek="1500")),
          ("Bibliotheek Cc", split("1800", 120, school="600", bibliotheek="600", gemeente="300", overig="300"))]


def overview() -> CostAggregate:
    result = aggregate(SPLITS)
    assert result is not None
    return result


def figure_texts(language: str) -> tuple[CostChartTexts, list[str]]:
    from matplotlib.text import Text

    texts = chart_texts(Catalogue.load(), language, overview())
    figure = cost_overview_figure(overview(), texts)
    return texts, [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text()]


def test_the_dutch_chart_names_the_payers_with_dutch_euros_and_percentages():
    _, shown = figure_texts("nl")
    assert "Wie betaalt dBos po?" in shown
    assert ("3 bibliotheken (anoniem) · totaal per school per jaar: mediaan € 2.500, van € 1.800 tot € 3.000"
            in shown)
    for name in ("School", "Bibliotheek", "Subsidie", "Gemeente", "Overig"):
        assert name in shown
    assert "40% (van 33,3% tot 50%)" in shown  # school: 1000/2500, 1500/3000, 600/1800
    assert "Aandeel in de kosten" in shown and "mediaan" in shown and "75%" in shown


def test_the_english_chart_is_in_english():
    _, shown = figure_texts("en")
    assert "Who pays for dBos po?" in shown and "Municipality" in shown and "Library" in shown
    assert "3 libraries (anonymous) · total per school per year: median €2,500, from €1,800 to €3,000" in shown
    assert "40% (from 33.3% to 50%)" in shown


def test_the_chart_is_a_1600_by_900_png_in_the_payers_colours_with_its_description():
    from PIL import Image

    texts = chart_texts(Catalogue.load(), "nl", overview())
    image = Image.open(io.BytesIO(cost_overview_png(overview(), texts)))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT) == (1600, 900)
    colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1_000_000)}
    for payer in PAYERS:
        assert tuple(bytes.fromhex(PAYER_COLOURS[payer][1:])) in colours, payer
    assert image.info["Title"] == "Wie betaalt dBos po?"
    assert image.info["Description"].startswith("School: mediaan 40%, van 33,3% tot 50%; Bibliotheek:")
    assert "Software" not in image.info


def test_a_payer_too_thin_for_its_name_in_the_stacked_bar_is_named_in_its_row():
    from matplotlib.text import Text

    thin = [(f"Bieb {n}", split("1000", school="960", gemeente="30", overig="10")) for n in range(3)]
    result = aggregate(thin)
    assert result is not None
    figure = cost_overview_figure(result, chart_texts(Catalogue.load(), "nl", result))
    shown = [t.get_text() for t in figure.findobj(Text) if t.get_visible()]
    assert shown.count("School") == 2 and shown.count("Gemeente") == 1  # the bar and the row; the row only


@pytest.mark.parametrize(("value", "language", "expected"), [
    (Decimal("1234.49"), "nl", "€ 1.234"), (Decimal("1234.5"), "nl", "€ 1.235"), (1234567, "nl", "€ 1.234.567"),
    (Decimal("999"), "nl", "€ 999"), (Decimal("1234.5"), "en", "€1,235"), (0, "nl", "€ 0"),
])
def test_euros(value, language, expected):
    assert euro(value, language) == expected


@pytest.mark.parametrize(("value", "language", "expected"), [
    (Decimal("37.50"), "nl", "37,5%"), (Decimal("40.0"), "nl", "40%"), (Decimal("33.333"), "en", "33.3%"),
    (0, "nl", "0%"), (Decimal("99.96"), "nl", "100%"),
])
def test_percentages(value, language, expected):
    assert percent(value, language) == expected


def test_matplotlib_and_openpyxl_are_imported_only_when_a_chart_or_workbook_is_made():
    code = ("import sys, bot.bootstrap, bot.cli.main, bot.features.documents.cost_cards\n"
            "import bot.features.documents.handlers, bot.domain.services.exports\n"
            "print(sorted(m for m in ('matplotlib', 'openpyxl', 'PIL') if m in sys.modules))\n"
            "from tests.unit.test_chart_and_exports import overview\n"
            "from bot.features.documents.cost_cards import chart_texts\n"
            "from bot.features.documents.cost_chart import cost_overview_png\n"
            "from bot.texts import Catalogue\n"
            "cost_overview_png(overview(), chart_texts(Catalogue.load(), 'nl', overview()))\n"
            "print('matplotlib' in sys.modules, 'matplotlib.pyplot' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.stdout.splitlines() == ["[]", "True False"], result.stderr


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
    rows = submission_rows(documents(), words=words(), zone=AMSTERDAM,
                           owners={7: ("Anna de Vries", "Bibliotheek Aa")},
                           deadlines={"accountplan-2026": "Accountplan 2026"})
    data = to_csv(rows, zone=AMSTERDAM)
    assert data.startswith(b"\xef\xbb\xbf")
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert read[0][:5] == ["Nummer", "Ingediend op (Europe/Amsterdam)", "Deelnemer", "Bibliotheek", "Soort document"]
    first = dict(zip(read[0], read[1], strict=True))
    assert first["Bestandsnaam"] == "Accountplan; versie 2.docx" and first["Soort document"] == "Accountplan"
    assert first["Deadline"] == "Accountplan 2026" and first["Zichtbaar voor"] == "Alle deelnemers"
    assert first["Toelichting"].startswith("'=")  # no formula injection
    # 09:00 UTC on 3 March is 10:00 in Amsterdam, with the offset so the moment stays exact.
    assert first["Ingediend op (Europe/Amsterdam)"] == "2026-03-03 10:00+01:00"
    second = dict(zip(read[0], read[2], strict=True))
    # An owner the export cannot name is "unknown", never an internal number.
    assert second["Deelnemer"] == "Onbekende deelnemer" and second["Bibliotheek"] == ""
    assert second["Toelichting"] == "Offerte é" and second["Zichtbaar voor"] == "Projectteam"


def test_csv_times_follow_summer_time_and_english_headings_follow_the_asker():
    summer = [Document(**{**documents()[0].__dict__, "created_at": datetime(2026, 7, 1, 22, 30, tzinfo=UTC)})]
    read = list(csv.reader(io.StringIO(to_csv(submission_rows(summer, words=words("en"), zone=AMSTERDAM),
                                              zone=AMSTERDAM).decode("utf-8-sig")), delimiter=";"))
    assert read[0][:4] == ["Number", "Submitted on (Europe/Amsterdam)", "Participant", "Library"]
    assert read[1][1] == "2026-07-02 00:30+02:00"  # the next day, local summer time
    assert read[1][6] == "All participants" and read[1][4] == "Account plan"


def test_cost_splits_csv_uses_decimal_commas():
    read = list(csv.reader(io.StringIO(to_csv(cost_split_rows(SPLITS, words=words())).decode("utf-8-sig")),
                           delimiter=";"))
    row = dict(zip(read[0], read[1], strict=True))
    assert row["Bibliotheek"] == "Bibliotheek Aa" and row["Totaal per school per jaar (€)"] == "2500"
    assert row["School (%)"] == "40,0" and row["Leerlingen"] == "250" and row["Ingevuld in"] == "euro's"
    assert row["Gemeente (€)"] != "" and "school_pct" not in row


def test_xlsx_reads_back_with_openpyxl():
    import openpyxl

    submissions = submission_rows(documents(), words=words())
    data = to_xlsx({"Inzendingen": submissions, "Kosten/verdeling": cost_split_rows(SPLITS, words=words()),
                    "Inzendingen ": [["dubbel"]]})
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames[:2] == ["Inzendingen", "Kosten_verdeling"]
    assert len(workbook.sheetnames) == 3 and len(set(workbook.sheetnames)) == 3
    sheet = workbook["Inzendingen"]
    assert [c.value for c in sheet[1]][:3] == ["Nummer", "Ingediend op (UTC)", "Deelnemer"]
    assert sheet["A2"].value == 1 and isinstance(sheet["A2"].value, int)
    assert sheet["H2"].value == "Accountplan; versie 2.docx" and sheet["I2"].value == 12345
    assert sheet["L3"].value == "Offerte é"
    costs = workbook["Kosten_verdeling"]
    assert costs["B2"].value == 2500 and costs["C3"].value is None
    assert costs.max_row == 4


def test_xlsx_cells_keep_their_types_and_the_header_is_bold_frozen_and_filtered():
    import openpyxl

    rows = submission_rows(documents(), words=words(), zone=AMSTERDAM, owners={7: ("Anna de Vries", "Bibliotheek Aa")})
    rows.append([3, date(2026, 3, 31), "Bram", "", "kostenberekening", "", "", "x.pdf", 1, "", "", True])
    sheets = {"Inzendingen": rows, "Kosten": cost_split_rows(SPLITS, words=words())}
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx(sheets, zone=AMSTERDAM)))
    sheet = workbook["Inzendingen"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:L{len(rows)}"
    assert all(cell.font.bold for cell in sheet[1]) and not sheet["B2"].font.bold
    # 09:00 UTC on 3 March is 10:00 in Amsterdam: Excel has no zones, so the export shows local time.
    assert sheet["B1"].value == "Ingediend op (Europe/Amsterdam)"  # the heading says which zone
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
    assert costs["D2"].value == "euro's"


def test_xlsx_of_no_sheets_is_still_a_workbook():
    import openpyxl

    assert openpyxl.load_workbook(io.BytesIO(to_xlsx({}))).sheetnames == ["Blad1"]
