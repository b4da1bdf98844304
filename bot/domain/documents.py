"""Handed-in documents: categories, consent, safe file names and a check of the real content.

A file's name says what it claims to be; its first bytes say what it is. ``check_upload``
accepts a file only when both agree and the type is one the programme uses (PDF, Office and
OpenDocument files, CSV, TXT, PNG, JPEG). Refusals carry a catalogue key for the Dutch message.
"""

from __future__ import annotations

import codecs
import enum
import re
import struct
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.domain.deadlines import DOCUMENT_CATEGORIES

CATEGORIES = DOCUMENT_CATEGORIES  # one list, shared with the deadlines' fulfilment rules
COST_CATEGORY = "kostenberekening"  # covers kostenberekening, offerte and factuur
HEAD_BYTES = 64 * 1024  # how much of a file ``inspect_file`` reads to recognise it
MAX_NAME_LENGTH = 120

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


def sniff(head: bytes, file_name: str = "", *, zip_names: Iterable[str] | None = None) -> str | None:
    """The real content type of a file from its first bytes, or None when it is none we know.

    ``zip_names`` are the entry names of a ZIP when the caller read its central directory
    (``inspect_file`` does); otherwise the local headers within ``head`` are used, which covers
    Office files whose ``[Content_Types].xml`` comes first (Word, Excel, LibreOffice all do).
    ``file_name`` only decides between CSV and plain text.
    """
    if not head:
        return None
    if b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        return EXE
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole_kind(head)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(head, zip_names)
    if _is_text(head):
        return CSV if extension_of(file_name) == ".csv" else TXT
    return None


def check_upload(head: bytes, file_name: str, *, zip_names: Iterable[str] | None = None) -> str:
    """The content type to store a file as; raises ``UploadRefused`` when it is not accepted.

    Raises:
        UploadRefused: ``upload.refused_empty`` (no bytes), ``upload.refused_type`` (an
            extension or content the programme does not take), ``upload.refused_mismatch`` (the
            content is not what the extension says: a ``.pdf`` that is an EXE or a ZIP).
    """
    extension = extension_of(file_name)
    if not head:
        raise UploadRefused("upload.refused_empty")
    expected = ACCEPTED.get(extension)
    if expected is None:
        raise UploadRefused("upload.refused_type", extension=extension or "-")
    actual = sniff(head, file_name, zip_names=zip_names)
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
    zip_names = None
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as archive:
                zip_names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            zip_names = []
    return check_upload(head, file_name, zip_names=zip_names)


def _zip_kind(head: bytes, zip_names: Iterable[str] | None) -> str:
    names = list(zip_names) if zip_names is not None else _local_zip_names(head)
    if "mimetype" in names or zip_names is None:
        mimetype = _odf_mimetype(head)
        if mimetype in _ODF_TYPES:
            return mimetype
    if "[Content_Types].xml" in names:
        for prefix, content_type in _OOXML_PARTS.items():
            if any(n.startswith(prefix) for n in names):
                return content_type
    return ZIP


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
