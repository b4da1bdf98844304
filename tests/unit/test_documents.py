"""File names, and the real content of an upload against its extension."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bot.domain import documents
from bot.domain.deadlines import DOCUMENT_CATEGORIES
from bot.domain.documents import (
    CATEGORIES,
    Consent,
    UploadRefused,
    check_upload,
    inspect_file,
    sanitise_file_name,
    sniff,
)


def zip_bytes(entries: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buffer.getvalue()


def ooxml(part: str) -> bytes:
    return zip_bytes([("[Content_Types].xml", b"<Types/>"), ("_rels/.rels", b"<Relationships/>"),
                      (f"{part}/document.xml", b"<x/>")])


def odf(kind: str) -> bytes:
    return zip_bytes([("mimetype", f"application/vnd.oasis.opendocument.{kind}".encode()),
                      ("content.xml", b"<office:document-content/>")], stored_first=True)


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 20
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 40
OLE_WORD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "WordDocument".encode("utf-16-le") + b"\x00\x00"


def test_one_list_of_categories():
    assert CATEGORIES is DOCUMENT_CATEGORIES
    assert {"evaluatieformat", "ambitiebrief", "accountplan", "kostenberekening", "factsheet-input",
            "overig"} == set(CATEGORIES)
    assert Consent("participants") is Consent.PARTICIPANTS and Consent("project_team") is Consent.PROJECT_TEAM


@pytest.mark.parametrize(("raw", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
    ("C:\\Users\\dia\\Accountplan 2026.docx", "Accountplan 2026.docx"),
    ("..", "bestand"),
    ("", "bestand"),
    ("   ", "bestand"),
    ("/", "bestand"),
    (".pdf", "bestand.pdf"),
    ("plan\x00\x07\x1b.pdf", "plan.pdf"),
    ("regel\neen\ttwee.txt", "regeleentwee.txt"),
    ("a<b>c:d\"e|f?g*h.csv", "a_b_c_d_e_f_g_h.csv"),
    ("CON.txt", "_CON.txt"),
    ("lpt1", "_lpt1"),
    ("com3.tar.gz", "_com3.tar.gz"),
    ("verslag.pdf.", "verslag.pdf"),
    ("kosten\u202eFDP.exe", "kostenFDP.exe"),  # right-to-left override dropped
    ("Évaluatie formaat.pdf", "Évaluatie formaat.pdf"),
])
def test_sanitise_file_name(raw, expected):
    assert sanitise_file_name(raw) == expected


def test_sanitise_limits_length_and_keeps_extension():
    name = sanitise_file_name("x" * 500 + ".xlsx")
    assert len(name) <= documents.MAX_NAME_LENGTH and name.endswith(".xlsx")


@pytest.mark.parametrize(("name", "data", "content_type"), [
    ("plan.pdf", PDF, documents.PDF),
    ("foto.png", PNG, documents.PNG),
    ("foto.JPG", JPEG, documents.JPEG),
    ("foto.jpeg", JPEG, documents.JPEG),
    ("plan.docx", ooxml("word"), documents.DOCX),
    ("kosten.xlsx", ooxml("xl"), documents.XLSX),
    ("dia.pptx", ooxml("ppt"), documents.PPTX),
    ("plan.odt", odf("text"), documents.ODT),
    ("kosten.ods", odf("spreadsheet"), documents.ODS),
    ("dia.odp", odf("presentation"), documents.ODP),
    ("plan.doc", OLE_WORD, documents.DOC),
    ("oud.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, documents.XLS),  # kind not in the head
    ("lijst.csv", b"school;bedrag\nDe Regenboog;1.234,50\n", documents.CSV),
    ("notitie.txt", "Één notitie — met accenten\r\n".encode(), documents.TXT),
    ("oud.txt", "café € 10".encode("cp1252"), documents.TXT),
])
def test_accepted_types(name, data, content_type):
    assert check_upload(data, name) == content_type


@pytest.mark.parametrize(("name", "data", "key"), [
    ("plan.pdf", EXE, "upload.refused_mismatch"),
    ("plan.pdf", zip_bytes([("a.txt", b"hi")]), "upload.refused_mismatch"),
    ("plan.docx", zip_bytes([("a.txt", b"hi")]), "upload.refused_mismatch"),
    ("plan.docx", ooxml("xl"), "upload.refused_mismatch"),
    ("plan.pdf", PNG, "upload.refused_mismatch"),
    ("foto.png", PDF, "upload.refused_mismatch"),
    ("notitie.txt", EXE, "upload.refused_mismatch"),
    ("notitie.txt", b"abc\x00def", "upload.refused_mismatch"),
    ("plan.odt", odf("spreadsheet"), "upload.refused_mismatch"),
    ("setup.exe", EXE, "upload.refused_type"),
    ("archief.zip", zip_bytes([("a.txt", b"hi")]), "upload.refused_type"),
    ("geen-extensie", PDF, "upload.refused_type"),
    ("plan.pdf", b"", "upload.refused_empty"),
])
def test_refused(name, data, key):
    with pytest.raises(UploadRefused) as refused:
        check_upload(data, name)
    assert refused.value.reason_key == key


def test_sniff_reports_what_it_found():
    assert sniff(EXE, "plan.pdf") == documents.EXE
    assert sniff(zip_bytes([("a.txt", b"hi")])) == documents.ZIP
    assert sniff(b"\x00\x01\x02\x03") is None


def test_office_file_with_content_types_last_is_recognised_from_the_central_directory(tmp_path: Path):
    # Some writers (openpyxl among them) put [Content_Types].xml at the end of the archive.
    data = zip_bytes([("xl/workbook.xml", b"<w/>" * 40_000), ("docProps/app.xml", b"<p/>"),
                      ("[Content_Types].xml", b"<Types/>")])
    path = tmp_path / "stored"
    path.write_bytes(data)
    assert inspect_file(path, "kosten.xlsx") == documents.XLSX
    with pytest.raises(UploadRefused):
        inspect_file(path, "kosten.docx")


def test_utf8_cut_in_half_at_the_end_of_the_head_is_still_text():
    text = ("é" * 100).encode()
    assert check_upload(text[:-1], "notitie.txt") == documents.TXT
