"""``bot.domain.file_store.FileStore`` on a local folder (``FILES_DIR``)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import secrets
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from bot.domain.documents import HEAD_BYTES
from bot.domain.file_store import FileTooLarge, StoredFile, UnknownFile

_NAME = re.compile(r"^[0-9a-f]{32}$")


class LocalFileStore:
    """Files under random 128-bit names in one folder; temporary files in ``.tmp`` beside them.

    Stored names are generated here, never taken from users, and checked on every use, so a
    path outside the folder cannot be reached. A file is linked into place only when complete,
    and linking refuses to replace an existing name. The folders are 0700 and the files 0600
    (temporary ones too): handed-in documents are for the bot's own user only.
    """

    def __init__(self, root: Path | str):
        self._root = Path(root)
        self._tmp = self._root / ".tmp"

    @property
    def root(self) -> Path:
        return self._root

    async def put(self, stream: AsyncIterator[bytes], *, max_bytes: int) -> StoredFile:
        """Stream to a temporary file, hashing as it goes; move it into place when complete."""
        await asyncio.to_thread(self._make_folders)
        temporary = self._tmp / f"{secrets.token_hex(16)}.part"
        digest, size, head = hashlib.sha256(), 0, bytearray()
        handle = await asyncio.to_thread(_create_private, temporary)
        try:
            try:
                async for chunk in stream:
                    if not chunk:
                        continue
                    size += len(chunk)
                    if size > max_bytes:
                        raise FileTooLarge(max_bytes)
                    digest.update(chunk)
                    if len(head) < HEAD_BYTES:
                        head += chunk[:HEAD_BYTES - len(head)]
                    await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(_flush, handle)
            finally:
                await asyncio.to_thread(handle.close)
            stored_name = await asyncio.to_thread(self._place, temporary)
        except BaseException:
            # Too large, a failed or cancelled download: leave nothing behind.
            await asyncio.to_thread(_remove, temporary)
            raise
        return StoredFile(stored_name=stored_name, size=size, sha256=digest.hexdigest(), head=bytes(head))

    async def open(self, stored_name: str) -> Path:
        """The file's path; raises ``UnknownFile`` when there is none."""
        path = self._path(stored_name)
        if not await asyncio.to_thread(path.is_file):
            raise UnknownFile(stored_name)
        return path

    async def read(self, stored_name: str) -> bytes:
        """The whole file."""
        path = await self.open(stored_name)
        return await asyncio.to_thread(path.read_bytes)

    async def delete(self, stored_name: str) -> bool:
        """Remove one file; False when it was not there."""
        return await asyncio.to_thread(_remove, self._path(stored_name))

    async def stale(self, older_than: timedelta) -> list[str]:
        """Stored names older than ``older_than``, and partial downloads of a crashed process removed.

        Called at start-up; the caller deletes the stored names no document refers to.
        """
        return await asyncio.to_thread(self._stale, older_than.total_seconds())

    def _stale(self, seconds: float) -> list[str]:
        cutoff = time.time() - seconds
        if self._tmp.is_dir():
            for part in self._tmp.glob("*.part"):
                if part.stat().st_mtime < cutoff:
                    _remove(part)
        if not self._root.is_dir():
            return []
        return [p.name for p in self._root.iterdir()
                if _NAME.fullmatch(p.name) and p.is_file() and p.stat().st_mtime < cutoff]

    def _make_folders(self) -> None:
        for folder in (self._root, self._tmp):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            # mkdir's mode does not change a folder that exists (one an older version made 0755).
            if folder.stat().st_mode & 0o777 != 0o700:
                folder.chmod(0o700)

    def _path(self, stored_name: str) -> Path:
        if not _NAME.fullmatch(stored_name or ""):
            raise UnknownFile(stored_name)
        return self._root / stored_name

    def _place(self, temporary: Path) -> str:
        """Link the finished file under a fresh name (never replacing one), drop the temporary."""
        while True:
            stored_name = secrets.token_hex(16)
            target = self._root / stored_name
            try:
                os.link(temporary, target)
            except FileExistsError:
                continue
            except OSError:
                # No hard links here (some network shares): claim the name exclusively, then move.
                try:
                    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                except FileExistsError:
                    continue
                os.close(fd)
                os.replace(temporary, target)
                return stored_name
            _remove(temporary)
            return stored_name


def _create_private(path: Path):  # type: ignore[no-untyped-def]
    """Open a new file for writing, readable and writable by the owner only (never an existing one)."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), 0o600)
    return os.fdopen(fd, "wb")


def _flush(handle) -> None:  # type: ignore[no-untyped-def]
    handle.flush()
    os.fsync(handle.fileno())


def _remove(path: Path) -> bool:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
        return True
    return False
