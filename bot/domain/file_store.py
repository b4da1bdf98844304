"""The file-store port: where handed-in files live (a local folder now, an object store later)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from bot.domain.documents import UploadRefused


class FileTooLarge(UploadRefused):
    """The stream went past ``max_bytes``; nothing was kept."""

    def __init__(self, max_bytes: int):
        super().__init__("upload.too_large", max_mb=max(1, round(max_bytes / 1_000_000)))
        self.max_bytes = max_bytes


class UnknownFile(KeyError):
    """No stored file has this name."""


@dataclass(frozen=True)
class StoredFile:
    """A file safely in the store: its generated name, size, SHA-256 and first bytes."""

    stored_name: str
    size: int
    sha256: str
    head: bytes = field(default=b"", repr=False, compare=False)  # for ``documents.check_upload``


class FileStore(Protocol):
    """Keeps files under names it makes itself; nothing is ever overwritten or half written."""

    async def put(self, stream: AsyncIterator[bytes], *, max_bytes: int) -> StoredFile:
        """Write the stream to a temporary file, then move it into place under a new name.

        Raises:
            FileTooLarge: the stream is longer than ``max_bytes``; nothing is left behind (also
                when the caller cancels, e.g. on a download timeout).
        """
        ...

    async def open(self, stored_name: str) -> Path:
        """A local path to read the file from. Raises ``UnknownFile``."""
        ...

    async def read(self, stored_name: str) -> bytes:
        """The whole file. Raises ``UnknownFile``."""
        ...

    async def stale(self, older_than: timedelta) -> list[str]:
        """Stored names older than ``older_than`` (and drop partial writes of that age)."""
        ...

    async def delete(self, stored_name: str) -> bool:
        """Remove a file; False when it was not there."""
        ...
