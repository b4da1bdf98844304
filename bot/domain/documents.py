"""Handed-in documents: categories, consent, safe file names and a check of the real content.

A file's name says what it claims to be; its first bytes say what it is. ``check_upload``
accepts a file only when both agree and the type is one the programme uses (PDF, Office and
OpenDocument files, CSV, TXT, PNG, JPEG). Refusals carry a catalogue key for the Dutch message.

Whatever else a file's head holds, an executable (MZ, ELF, Mach-O, WebAssembly, a ``#!``
script) or markup a browser would run (HTML, XML, SVG, anything with ``<script``, ``on...=``
handlers or ``javascript:`` URLs) is refused: a file that is both a PDF and a web page or a
program (a polyglot) is refused as the dangerous one. Magic numbers count only at offset 0,
except PDF's ``%PDF-``, which readers look for in the first 1024 bytes (ISO 32000-2 puts it at
the start; Acrobat's implementation notes allow junk before it): what precedes it may be
neither a known file signature nor markup. Office and OpenDocument files are ZIPs whose entries
are checked too, and macro-enabled ones (a VBA project, OpenDocument Basic or scripts) are
refused.
"""

from __future__ import annotations

import codecs
import enum
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.domain.deadlines import DOCUMENT_CATEGORIES

CATEGORIES = DOCUMENT_CATEGORIES  # one list, shared with the deadlines' fulfilment rules
COST_CATEGORY = "kostenberekening"  # covers kostenberekening, offerte and factuur
HEAD_BYTES = 64 * 1024  # how much of a file ``inspect_file`` reads to recognise it
MAX_NAME_LENGTH = 120
MAX_CONTENT_TYPES_BYTES = 256 * 1024  # an Office file's [Content_Types].xml is a few KB

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
CSV = "text/csv"
TXT = "text/plain"
OLE2 = "application/x-ole-storage"  # a legacy Office file whose kind the head does not tell
ZIP = "application/zip"
EXE = "application/x-msdownload"
SCRIPT = "text/x-script"  # starts with #!: runs as a program wherever it is marked executable
MARKUP = "text/html"  # HTML, XML or SVG; a browser would render it and run its scripts
MACROS = "application/vnd.ms-office.vbaProject"  # an Office or OpenDocument file carrying macros
DANGEROUS = frozenset({EXE, SCRIPT, MARKUP})
PDF_HEADER_WINDOW = 1024

# Executable formats, all recognised at offset 0 only (as their loaders do).
_EXECUTABLE_MAGIC = (
    b"MZ",  # DOS/Windows PE
    b"\x7fELF",  # Linux and most Unixes
    b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe",  # Mach-O 32/64, both endians
    b"\xca\xfe\xba\xbe", b"\xbe\xba\xfe\xca",  # Mach-O universal binary; also a Java class file
    b"\x00asm",  # WebAssembly
    b"L\x00\x00\x00\x01\x14\x02\x00",  # Windows shortcut (.lnk), which runs a command
)
# Other signatures that must not sit in front of a %PDF- header (a PDF polyglot).
_OTHER_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"#!",
                b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"GIF8", b"%!PS", b"{\\rtf")
# WHATWG MIME sniffing's HTML signatures (each followed by a space or ">"), plus XML and SVG.
_MARKUP_STARTS = (b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div", b"<font",
                  b"<table", b"<a", b"<style", b"<title", b"<b", b"<body", b"<br", b"<p", b"<!--", b"<svg",
                  b"<?xml", b"<meta", b"<object", b"<embed", b"<link", b"<img", b"<form", b"<base", b"<math",
                  b"<xml", b"<xsl", b"<!entity", b"<!doctype")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# Script anywhere in a text file: a .txt or .csv that a browser or viewer would run.
_ACTIVE_CONTENT = re.compile(
    rb"<\s*/?\s*(script|iframe|object|embed|svg|html|body|meta|link|base|form|img)\b"
    rb"|javascript\s*:|vbscript\s*:|data\s*:\s*text/html"
    rb"|<[a-z][^<>]{0,2000}?[\s\"'/]on[a-z]{3,}\s*=", re.IGNORECASE)  # an on...= handler inside a tag
# Entries that carry macros: Office's VBA project (also in .docx renamed from .docm), OpenDocument
# Basic libraries and scripts.
_MACRO_ENTRY = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml|vbaProjectSignature\.bin)$|^(Basic|Scripts)/",
                          re.IGNORECASE)
_MACRO_CONTENT_TYPES = (b"macroenabled", b"vbaproject", b"ms-office.activex")
_OLE_MACRO_STREAMS = tuple(name.encode("utf-16-le") for name in ("_VBA_PROJECT", "Macros", "VBA"))

ACCEPTED: dict[str, str] = {
    ".pdf": PDF, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG,
    ".docx": DOCX, ".xlsx": XLSX, ".pptx": PPTX, ".odt": ODT, ".ods": ODS, ".odp": ODP,
    ".doc": DOC, ".xls": XLS, ".ppt": PPT, ".csv": CSV, ".txt": TXT,
}
ACCEPTED_EXTENSIONS = tuple(ACCEPTED)  # for the refusal message: what is accepted

_OOXML_PARTS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
_ODF_TYPES = {ODT, ODS, ODP}
_OLE_STREAMS = {"WordDocument": DOC, "Workbook": XLS, "Book": XLS, "PowerPoint Document": PPT}
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')


class Consent(enum.StrEnum):
    """Who may see a handed-in document besides its owner."""

    PROJECT_TEAM = "project_team"  # alleen het projectteam
    PARTICIPANTS = "participants"  # mag gedeeld worden met deelnemers


@dataclass(frozen=True)
class Document:
    """A handed-in file and what its owner said about it. ``id`` is 0 until stored."""

    id: int
    owner_id: int  # participant id
    category: str
    deadline_id: str | None
    consent: Consent
    note: str
    file_name: str  # sanitised, as shown to people
    stored_name: str  # the file store's generated name
    size: int
    sha256: str
    content_type: str
    created_at: datetime
    public_ref: str = ""  # what cards carry instead of ``id`` (random, see ``new_public_ref``)

    @property
    def shared(self) -> bool:
        """True when other participants may see it."""
        return self.consent is Consent.PARTICIPANTS


class UploadRefused(Exception):
    """A file that is not accepted; ``reason_key`` is a catalogue key for the message."""

    def __init__(self, reason_key: str, **values: object):
        super().__init__(reason_key)
        self.reason_key = reason_key
        self.values = values


class UploadLimitReached(UploadRefused):
    """Someone sent more files in the last 24 hours than ``MAX_UPLOADS_PER_DAY`` allows.

    ``retry_at`` (aware, UTC) is when enough of the counted files are a day old for this message.
    """

    def __init__(self, *, limit: int, left: int, count: int, retry_at: datetime):
        super().__init__("upload.daily_limit", max=limit, left=left, count=count)
        self.retry_at = retry_at


def is_category(category: str) -> bool:
    """True for one of the programme's document categories."""
    return category in CATEGORIES


def sanitise_file_name(name: str) -> str:
    """A file name safe to show and to offer for download: no folders, no control characters.

    Folders (``/``, ``\\``, ``..``) are dropped, characters Windows refuses become ``_``,
    reserved Windows names get a leading ``_``, the length is limited while the extension is
    kept, and the result is never empty.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip().rstrip(" .")
    if name.startswith("."):  # ".pdf" is only an extension; "..plan.pdf" a hidden name
        rest = name.lstrip(". ")
        name = rest if "." in rest else f"bestand.{rest}"
    if not name or name == "bestand.":
        return "bestand"
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if not stem:  # ".pdf": a name that is only an extension
        stem = "bestand"
    if stem.split(".")[0].strip().lower() in _RESERVED:
        stem = "_" + stem
    extension = extension[:16]
    room = MAX_NAME_LENGTH - (len(extension) + 1 if extension else 0)
    stem = stem[:room].rstrip(" .") or "bestand"
    return f"{stem}.{extension}" if extension else stem


def extension_of(file_name: str) -> str:
    """The lower-case extension with its dot (``.pdf``), or ``""``."""
    suffix = Path(sanitise_file_name(file_name)).suffix
    return suffix.lower()


def sniff(head: bytes, file_name: str = "", *, zip_names: Iterable[str] | None = None,
          content_types: bytes | None = None) -> str | None:
    """The real content type of a file from its first bytes, or None when it is none we know.

    ``zip_names`` are the entry names of a ZIP when the caller read its central directory
    (``inspect_file`` does); otherwise the local headers within ``head`` are used, which covers
    Office files whose ``[Content_Types].xml`` comes first (Word, Excel, LibreOffice all do).
    ``content_types`` is the text of that entry when the caller read it. ``file_name`` only
    decides between CSV and plain text. ``DANGEROUS`` types and ``MACROS`` are never accepted.
    """
    if not head:
        return None
    if head.startswith(_EXECUTABLE_MAGIC):
        return EXE
    if head.startswith(b"#!"):
        return SCRIPT
    if _starts_with_markup(head):
        return MARKUP
    pdf_at = head.find(b"%PDF-", 0, PDF_HEADER_WINDOW)
    if pdf_at >= 0:
        return PDF if pdf_at == 0 or _harmless_prefix(head[:pdf_at]) else None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole_kind(head)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(head, zip_names, content_types)
    if _is_text(head):
        if _ACTIVE_CONTENT.search(head):
            return MARKUP
        return CSV if extension_of(file_name) == ".csv" else TXT
    return None


def check_upload(head: bytes, file_name: str, *, zip_names: Iterable[str] | None = None,
                 content_types: bytes | None = None) -> str:
    """The content type to store a file as; raises ``UploadRefused`` when it is not accepted.

    Raises:
        UploadRefused: ``upload.refused_empty`` (no bytes), ``upload.refused_type`` (an
            extension or content the programme does not take), ``upload.refused_mismatch`` (the
            content is not what the extension says: a ``.pdf`` that is an EXE or a ZIP, or
            is also a web page), ``upload.refused_macro`` (an Office file with macros).
    """
    extension = extension_of(file_name)
    if not head:
        raise UploadRefused("upload.refused_empty")
    expected = ACCEPTED.get(extension)
    if expected is None:
        raise UploadRefused("upload.refused_type", extension=extension or "-")
    actual = sniff(head, file_name, zip_names=zip_names, content_types=content_types)
    if actual == MACROS:
        raise UploadRefused("upload.refused_macro", extension=extension)
    if actual == OLE2 and expected in (DOC, XLS, PPT):
        return expected  # a legacy Office file; which one the head did not tell
    if actual != expected:
        raise UploadRefused("upload.refused_mismatch", extension=extension)
    return actual


def inspect_file(path: Path, file_name: str) -> str:
    """``check_upload`` on a stored file, reading a ZIP's central directory when needed.

    Blocking file I/O: call it with ``asyncio.to_thread``.
    """
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    zip_names, content_types = None, None
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as archive:
                zip_names = archive.namelist()
                info = next((i for i in archive.infolist() if i.filename == "[Content_Types].xml"), None)
                if info is not None and info.file_size <= MAX_CONTENT_TYPES_BYTES:
                    with archive.open(info) as entry:
                        content_types = entry.read(MAX_CONTENT_TYPES_BYTES)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, zlib.error):
            zip_names = []
    return check_upload(head, file_name, zip_names=zip_names, content_types=content_types)


def _zip_kind(head: bytes, zip_names: Iterable[str] | None, content_types: bytes | None = None) -> str:
    names = list(zip_names) if zip_names is not None else _local_zip_names(head)
    if any(_MACRO_ENTRY.search(n) for n in names):
        return MACROS
    if content_types is not None and any(m in content_types.lower() for m in _MACRO_CONTENT_TYPES):
        return MACROS
    if "mimetype" in names or zip_names is None:
        mimetype = _odf_mimetype(head)
        if mimetype in _ODF_TYPES:
            return mimetype
    if "[Content_Types].xml" in names:
        for prefix, content_type in _OOXML_PARTS.items():
            if any(n.startswith(prefix) for n in names):
                return content_type
    return ZIP


def _starts_with_markup(head: bytes) -> bool:
    """HTML, XML or SVG at the start, after any byte-order mark and white space (as browsers sniff)."""
    start = head[:PDF_HEADER_WINDOW]
    for bom in _BOMS:
        if start.startswith(bom):
            start = start[len(bom):]
            break
    start = start.lstrip(b" \t\r\n\f").replace(b"\x00", b"").lower()  # NULs: UTF-16 text
    for signature in _MARKUP_STARTS:
        if start.startswith(signature):
            following = start[len(signature):len(signature) + 1]
            if signature in (b"<!--", b"<?xml") or following in (b"", b" ", b">", b"\t", b"\n", b"\r", b"/"):
                return True
    return False


def _harmless_prefix(prefix: bytes) -> bool:
    """What may precede ``%PDF-``: no other file's signature, no markup, no executable."""
    return not (prefix.startswith(_OTHER_MAGIC) or b"<" in prefix or b"#!" in prefix)


def _local_zip_names(data: bytes) -> list[str]:
    """Entry names from the local file headers found in ``data`` (the start of a ZIP)."""
    names = []
    offset = 0
    while True:
        offset = data.find(b"PK\x03\x04", offset)
        if offset < 0 or offset + 30 > len(data):
            break
        name_length, = struct.unpack_from("<H", data, offset + 26)
        raw = data[offset + 30:offset + 30 + name_length]
        names.append(raw.decode("utf-8", "replace"))
        offset += 4
    return names


def _odf_mimetype(head: bytes) -> str | None:
    """OpenDocument stores ``mimetype`` first and uncompressed, so its text is at a fixed place."""
    if len(head) < 30 or not head.startswith(b"PK\x03\x04"):
        return None
    method, = struct.unpack_from("<H", head, 8)
    size, = struct.unpack_from("<I", head, 18)
    name_length, extra_length = struct.unpack_from("<HH", head, 26)
    if method != 0 or head[30:30 + name_length] != b"mimetype" or size > 100:
        return None
    start = 30 + name_length + extra_length
    return head[start:start + size].decode("ascii", "replace")


def _ole_kind(head: bytes) -> str:
    """A legacy Office file; its main stream's name (UTF-16) tells which, when it is in ``head``."""
    if any(stream + b"\x00\x00" in head for stream in _OLE_MACRO_STREAMS):
        return MACROS
    for stream, content_type in _OLE_STREAMS.items():
        if stream.encode("utf-16-le") + b"\x00\x00" in head:
            return content_type
    return OLE2


def _is_text(head: bytes) -> bool:
    """UTF-8 (or Windows-1252) text without NUL bytes or other binary control characters."""
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            text = head.decode(encoding) if encoding == "cp1252" else _decode_utf8_prefix(head)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n\f")
        return controls == 0
    return False


def _decode_utf8_prefix(head: bytes) -> str:
    """Decode UTF-8, allowing a character cut in half at the end of the head."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    return decoder.decode(head, final=False)
