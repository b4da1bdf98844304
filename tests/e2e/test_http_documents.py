"""Handing in documents through the real app: Teams file attachments served from loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.components import COMPONENTS
from storage.tables import DocumentRow
from tests import activities as build
from tests.e2e.test_http_sparring import confirm_link, deliver, introduce_people, post, texts_of

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 200


@pytest.fixture
async def file_host() -> AsyncIterator[tuple[str, dict[str, bytes]]]:
    """Serves files the way Teams' pre-authorised download URLs do (plain GET, no token)."""
    files: dict[str, bytes] = {}

    async def serve(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        return web.Response(body=files[name]) if name in files else web.Response(status=404)

    app = web.Application()
    app.router.add_get("/f/{name}", serve)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield str(server.make_url("/f/")), files
    finally:
        await server.close()


def teams_file(base: str, name: str) -> dict:
    return {"contentType": "application/vnd.microsoft.teams.file.download.info", "name": name,
            "content": {"downloadUrl": base + name, "uniqueId": name, "fileType": name.rsplit(".", 1)[-1]}}


async def send_files(client, connector, base: str, *names: str, key: str = "anna") -> None:  # type: ignore[no-untyped-def]
    activity = build.message(connector.url, "", key=key)
    activity["attachments"] = [teams_file(base, n) for n in names]
    await post(client, activity)


def form_of(connector, key: str = "anna") -> dict:  # type: ignore[no-untyped-def]
    return connector.cards(f"a:personal-{key}")[-1]


async def hand_in(client, connector, form: dict, *, key: str = "anna", **values: str) -> None:  # type: ignore[no-untyped-def]
    await post(client, build.card_submit(connector.url, {**form["actions"][0]["data"], "deadline": "",
                                                          "consent": "project_team", "note": "", **values}, key=key))


async def test_a_document_is_received_described_and_receipted(bot_client, connector, file_host):
    base, files = file_host
    await introduce_people(bot_client, connector)
    files["accountplan 2027.pdf"] = PDF
    await send_files(bot_client, connector, base, "accountplan 2027.pdf")
    form = form_of(connector)
    assert form["body"][0]["text"] == "Wat is accountplan 2027.pdf?"
    await hand_in(bot_client, connector, form, category="accountplan", consent="participants", note="Versie 2")
    receipt = form_of(connector)
    assert receipt["body"][0]["text"] == "✔ Ontvangen: accountplan 2027.pdf"
    facts = {f["title"]: f["value"] for f in receipt["body"][1]["facts"]}
    assert facts["Soort document"] == "Accountplan" and facts["Wie mag het zien?"].startswith("Mag gedeeld")
    assert facts["Notitie (optioneel)"] == "Versie 2"

    await send_files(bot_client, connector, base, "accountplan 2027.pdf")  # the same content again
    await hand_in(bot_client, connector, form_of(connector), category="accountplan")
    assert form_of(connector)["body"][0]["text"].startswith("Dit bestand had je al ingestuurd")
    async with bot_client.server.app[COMPONENTS].sessions() as session:
        assert len((await session.scalars(select(DocumentRow))).all()) == 1


async def test_refused_files_keep_nothing(bot_client, connector, file_host, tmp_path):
    base, files = file_host
    await introduce_people(bot_client, connector)
    files["factuur.pdf"], files["tool.exe"], files["leeg.txt"] = EXE, EXE, b""
    await send_files(bot_client, connector, base, "factuur.pdf", "tool.exe", "leeg.txt", "weg.pdf")
    said = connector.texts("a:personal-anna")
    assert said[-4].startswith("Dit bestand heet .pdf, maar is iets anders")
    assert said[-3].startswith("Bestanden van het type .exe neem ik niet aan")
    assert said[-2].startswith("Dit bestand is leeg")
    assert said[-1].startswith("Het ophalen van weg.pdf lukte niet")
    stored = [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
    assert stored == []


async def test_names_are_sanitised_and_several_files_each_get_a_form(bot_client, connector, file_host):
    base, files = file_host
    await introduce_people(bot_client, connector)
    files["a.pdf"], files["b.pdf"] = PDF, PDF + b"% b\n"
    activity = build.message(connector.url, "", key="anna")
    activity["attachments"] = [teams_file(base, "a.pdf") | {"name": "../../etc/passwd.pdf"}, teams_file(base, "b.pdf")]
    await post(bot_client, activity)
    forms = connector.cards("a:personal-anna")[-2:]
    assert [f["body"][0]["text"] for f in forms] == ["Wat is passwd.pdf?", "Wat is b.pdf?"]


async def test_shared_examples_never_show_unshared_files_and_links_expire(bot_client, connector, file_host):
    base, files = file_host
    await introduce_people(bot_client, connector)
    files["plan.pdf"], files["kosten.pdf"] = PDF, PDF + b"% kosten\n"
    await send_files(bot_client, connector, base, "plan.pdf")
    await hand_in(bot_client, connector, form_of(connector), category="accountplan", consent="participants")
    await send_files(bot_client, connector, base, "kosten.pdf")
    await hand_in(bot_client, connector, form_of(connector), category="kostenberekening", consent="project_team")

    await post(bot_client, build.message(connector.url, "voorbeelden", key="maarten"))
    examples = texts_of(form_of(connector, "maarten"))
    assert "plan.pdf" in examples and "kosten.pdf" not in examples
    assert "· Anna de Vries" in examples  # whose it is: her library, or her Teams name while unlinked
    link = examples.split("](")[1].split(")")[0]
    path = link.split("127.0.0.1", 1)[1].split("/", 1)[1]
    response = await bot_client.get("/" + path)
    assert response.status == 200 and await response.read() == PDF
    forged = "/" + path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert (await bot_client.get(forged)).status == 404

    await post(bot_client, build.message(connector.url, "inzendingen", key="maarten"))
    assert connector.texts("a:personal-maarten")[-1] == "Dat kan alleen de coördinator van het project."
    await post(bot_client, build.message(connector.url, "inzendingen", key="dia"))
    overview = texts_of(form_of(connector, "dia"))
    assert "Accountplan: Anna de Vries" in overview
    assert "Nog niet ingestuurd: Maarten (OBA)" in overview  # a deadline asking for a document he still owes
    assert "Kostenberekening, offerte of factuur: Anna de Vries" in overview


async def test_a_document_for_a_deadline_fulfils_it(bot_client, connector, file_host):
    base, files = file_host
    await introduce_people(bot_client, connector)
    files["begroting.xlsx"] = _xlsx()
    await send_files(bot_client, connector, base, "begroting.xlsx", key="maarten")
    form = form_of(connector, "maarten")
    deadline_input = next(i for i in form["body"] if i.get("id") == "deadline")
    assert deadline_input["value"] == "exploitatievraag"  # suggested: the open deadline that takes documents
    await hand_in(bot_client, connector, form, key="maarten", category="kostenberekening",
                  deadline="exploitatievraag")
    await post(bot_client, build.message(connector.url, "deadlines", key="maarten"))
    assert "✔ gedaan" in texts_of(form_of(connector, "maarten"))


async def test_files_in_a_channel_are_sent_back_to_the_personal_chat(bot_client, connector, file_host):
    base, files = file_host
    await introduce_people(bot_client, connector)
    files["plan.pdf"] = PDF
    activity = build.channel_message(connector.url, "", key="anna")
    activity["attachments"] = [teams_file(base, "plan.pdf")]
    await post(bot_client, activity)
    assert any("persoonlijke chat" in (a.get("text") or "") for a in connector.activities())


def _xlsx() -> bytes:
    from bot.domain.exports import to_xlsx

    return to_xlsx({"Kosten": [["Totaal", 1000]]})


async def test_cost_splits_validated_on_the_card_and_an_anonymous_overview_from_three_libraries(
        bot_client, connector, file_host, database_url, tmp_path):
    import base64
    import csv
    import io
    import subprocess
    import sys

    import openpyxl

    from tests.activities import member

    base, files = file_host
    await introduce_people(bot_client, connector)
    connector.members["a:personal-eline"] = [member("eline", name="Eline Bakker", email="eline@bzhe.nl")]
    await post(bot_client, build.message(connector.url, "hallo", key="eline"))
    await deliver(bot_client)
    await confirm_link(bot_client, connector, "Eline Bakker")  # her directory entry has no e-mail
    splits = {"anna": ("1.000", "500", "500"), "maarten": ("2000", "1000", "1000,00"), "eline": ("1500", "0", "1500")}
    for number, (key, (total, school, library)) in enumerate(splits.items()):
        files[f"kosten-{key}.pdf"] = PDF + f"% {number}\n".encode()
        await send_files(bot_client, connector, base, f"kosten-{key}.pdf", key=key)
        await hand_in(bot_client, connector, form_of(connector, key), key=key, category="kostenberekening")
        cost_form = form_of(connector, key)
        assert cost_form["body"][0]["text"] == "Wat kost dBos po per school, en wie betaalt wat?"
        action = cost_form["actions"][0]["data"]
        wrong = {**action, "total": total, "school": school, "bibliotheek": "1", "unit": "amounts"}
        await post(bot_client, build.card_submit(connector.url, wrong, key=key))
        errors = [b["text"] for b in form_of(connector, key)["body"] if b.get("color") == "Attention"]
        assert errors and errors[0].startswith("De delen tellen op tot")
        await post(bot_client, build.card_submit(connector.url, {**wrong, "bibliotheek": library}, key=key))
        assert connector.texts(f"a:personal-{key}")[-1].startswith("✔ De kostenverdeling is opgeslagen")
        if key == "maarten":
            await post(bot_client, build.message(connector.url, "kostenoverzicht", key="dia"))
            assert connector.texts("a:personal-dia")[-1].startswith("Er zijn pas 2 bibliotheken")

    await post(bot_client, build.message(connector.url, "kostenoverzicht", key="anna"))
    assert connector.texts("a:personal-anna")[-1] == "Dat kan alleen de coördinator van het project."
    await post(bot_client, build.message(connector.url, "kostenoverzicht", key="dia"))
    overview = form_of(connector, "dia")
    facts = {f["title"]: f["value"] for f in overview["body"][1]["facts"]}
    assert facts == {"Bibliotheken": "3", "Totaal per school per jaar":
                     "mediaan € 1.500,00 (van € 1.000,00 tot € 2.000,00)"}
    image = next(b for b in overview["body"] if b["type"] == "Image")
    png = base64.b64decode(image["url"].split(",", 1)[1])
    from PIL import Image

    chart = Image.open(io.BytesIO(png))
    assert chart.size == (1600, 900) and chart.info["Title"] == "Wie betaalt dBos po?"
    assert chart.info["Description"].startswith("School: mediaan 50%, van 0% tot 50%; Bibliotheek: mediaan 50%")
    # Anonymous: no name in the card's words nor in the chart's (the image's base64 may hold any letters).
    words = str([b for b in overview["body"] if b["type"] != "Image"]) + str(chart.info)
    assert "Maarten" not in words and "OBA" not in words and "BZHE" not in words

    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"kosten.{fmt}"
        subprocess.run([sys.executable, "-m", "bot", "export", "costs", "--format", fmt, "--out", str(out)],
                       check=True, env=env, capture_output=True, timeout=60)
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig")), delimiter=";"))
        else:
            rows = [list(r) for r in openpyxl.load_workbook(out).active.iter_rows(values_only=True)]
        assert len(rows) == 4 and rows[0][0] == "Bibliotheek"  # the CLI's headings are in Dutch
        assert {str(r[0]) for r in rows[1:]} >= {"OBA", "BZHE"}


async def test_my_data_and_erasure(bot_client, connector, file_host, tmp_path):
    from storage.tables import ParticipantRow, RequestRow
    from tests.e2e.test_http_sparring import ask, deliver

    base, files = file_host
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    files["plan.pdf"] = PDF
    await send_files(bot_client, connector, base, "plan.pdf")
    await hand_in(bot_client, connector, form_of(connector), category="accountplan")
    await post(bot_client, build.message(connector.url, "mijn gegevens", key="anna"))
    summary = texts_of(form_of(connector))
    assert "Anna de Vries" in summary and "anna@bieb.nl" in summary and "plan.pdf" in summary
    assert "Een grote stichting" in summary
    await post(bot_client, build.card_submit(connector.url, form_of(connector)["actions"][0]["data"], key="anna"))
    confirm = form_of(connector)
    assert "Weet je het zeker?" in texts_of(confirm)
    await post(bot_client, build.card_submit(connector.url, confirm["actions"][0]["data"], key="anna"))
    assert connector.texts("a:personal-anna")[-1].startswith("Je gegevens zijn verwijderd: 1 vragen en 1 documenten")
    await deliver(bot_client)
    assert "gegevens laten verwijderen (1 vragen, 1 documenten)" in connector.texts("a:personal-dia")[-1]
    async with bot_client.server.app[COMPONENTS].sessions() as session:
        anna = select(ParticipantRow).where(ParticipantRow.teams_id == "29:anna")
        assert (await session.scalars(anna)).first() is None
        assert (await session.scalars(select(RequestRow))).all() == []
        assert (await session.scalars(select(DocumentRow))).all() == []
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] == []


async def test_the_coordinator_downloads_exports_from_the_chat(bot_client, connector, file_host):
    import io

    import openpyxl

    base, files = file_host
    await introduce_people(bot_client, connector)
    files["plan.pdf"] = PDF
    await send_files(bot_client, connector, base, "plan.pdf")
    await hand_in(bot_client, connector, form_of(connector), category="accountplan")
    await post(bot_client, build.message(connector.url, "export", key="anna"))
    assert connector.texts("a:personal-anna")[-1] == "Dat kan alleen de coördinator van het project."
    await post(bot_client, build.message(connector.url, "export", key="dia"))
    links = {a["title"]: a["url"] for a in form_of(connector, "dia")["actions"]}
    assert set(links) == {"Inzendingen (Excel)", "Inzendingen (CSV)", "Kostenverdelingen (Excel)",
                          "Kostenverdelingen (CSV)"}
    path = "/" + links["Inzendingen (Excel)"].split("/", 3)[3]
    response = await bot_client.get(path)
    assert response.status == 200 and "filename=inzendingen.xlsx" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(await response.read()))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert workbook.sheetnames == ["Inzendingen"]
    assert rows[0][:4] == ("Nummer", "Ingediend op (Europe/Amsterdam)", "Deelnemer", "Bibliotheek")
    assert rows[1][2] == "Anna de Vries" and rows[1][7] == "plan.pdf"
    assert type(rows[1][1]).__name__ == "datetime" and rows[1][1].tzinfo is None  # a date, in local time
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold and isinstance(rows[1][8], int)
    csv_response = await bot_client.get("/" + links["Inzendingen (CSV)"].split("/", 3)[3])
    submitted = (await csv_response.text(encoding="utf-8-sig")).splitlines()[1].split(";")[1]
    offset = submitted[-6:]  # the ISO offset of local time: +01:00 in winter, +02:00 in summer
    assert offset in ("+01:00", "+02:00") and submitted[:16] == rows[1][1].strftime("%Y-%m-%d %H:%M")
    csv_path = "/" + links["Kostenverdelingen (CSV)"].split("/", 3)[3]
    costs = await bot_client.get(csv_path)
    assert costs.status == 200 and (await costs.text(encoding="utf-8-sig")).startswith("Bibliotheek;")
    # An English-speaking coordinator gets English titles, file names and headings.
    await post(bot_client, build.message(connector.url, "export", key="dia", locale="en-US"))
    english = {a["title"]: a["url"] for a in form_of(connector, "dia")["actions"]}
    response = await bot_client.get("/" + english["Submissions (Excel)"].split("/", 3)[3])
    assert "filename=submissions.xlsx" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(await response.read())).active
    assert [c.value for c in sheet[1]][:3] == ["Number", "Submitted on (Europe/Amsterdam)", "Participant"]


async def test_too_large_and_stalled_downloads_keep_nothing(connector, database_url, clock, tmp_path, monkeypatch):
    import asyncio

    import aiohttp

    from bot.config import load_settings
    from bot.features.documents import handlers as document_handlers
    from tests.security.helpers import app_client

    release = asyncio.Event()  # set at the end: the stalled download never finishes by itself

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.4\n" + b"0" * 1_500_000)

    async def stalled(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b"%PDF-1.4\n")
        await release.wait()
        return response

    host_app = web.Application()
    host_app.router.add_get("/f/groot.pdf", big)
    host_app.router.add_get("/f/traag.pdf", stalled)
    host = TestServer(host_app, host="127.0.0.1", port=0)
    await host.start_server()
    monkeypatch.setattr(document_handlers, "DOWNLOAD_TIMEOUT", aiohttp.ClientTimeout(total=30, sock_read=0.3))
    settings = load_settings({"DATABASE_URL": database_url, "FILES_DIR": str(tmp_path / "files"),
                              "DISPATCH_INTERVAL": "0", "MAX_UPLOAD_MB": "1", "FILE_HOSTS": "127.0.0.1"},
                             env_file=None)
    try:
        async with app_client(settings, clock) as client:
            await introduce_people(client, connector)
            await send_files(client, connector, str(host.make_url("/f/")), "groot.pdf", "traag.pdf")
    finally:
        release.set()
        await host.close()
    said = connector.texts("a:personal-anna")
    assert said[-2].startswith("Dit bestand is groter dan 1 MB")
    assert said[-1].startswith("Het ophalen van traag.pdf lukte niet")
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] == []
