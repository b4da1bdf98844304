"""botbuilder ``Storage`` on SQLAlchemy, with e_tag optimistic concurrency.

Documents are plain JSON (see :mod:`storage.state_codec`): SQL can read them, and reading one
rebuilds only an allow-listed set of SDK types, so write access to the table never means code
execution. Statements run through the unit of work, like every repository's.

The store itself decides whether a document changed: it remembers the JSON it read for each
(key, e_tag) and skips a write whose encoded document is that JSON still. The SDK's own change
check (a jsonpickle flattening of the whole state on every load and every save) then has nothing
to decide (``bot.teams.sdk_fixes.let_the_store_skip_unchanged_state``).
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from botbuilder.core import Storage
from sqlalchemy import Text, bindparam, delete, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import state_codec
from storage.db import dialect_insert
from storage.statements import Statements
from storage.tables import BotStateRow
from storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)


class StateConflictError(Exception):
    """A write carried an e_tag that no longer matches: someone else wrote in between."""


STATE = BotStateRow.__table__
# Documents read or written lately, kept to compare the next save with. A turn adds one or two and
# needs its own only until it saves, so this covers well over a hundred turns in flight; past it the
# oldest go, and a document no longer remembered is simply written.
REMEMBERED_READS = 256
# The rows this turn read ahead (key -> row, None when there is none), until it takes them.
_HELD: ContextVar[dict[str, Any] | None] = ContextVar("sparringbot_state_read_ahead", default=None)


class SqlStorage(Storage):
    """Conversation and user state in the ``bot_state`` table.

    Args:
        sessions: Where the units of work it reads and writes in get their sessions.
        dialect: The database's dialect name (``sqlite`` or ``postgresql``).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, dialect: str):
        super().__init__()
        self._sessions = sessions
        self._statements = _Statements(dialect)
        # (key, e_tag) -> the document's JSON as stored under that e_tag (see the module's docstring).
        self._stored: OrderedDict[tuple[str, str], Any] = OrderedDict()

    async def read(self, keys: list[str]) -> dict[str, Any]:
        """Return the stored documents for ``keys``; each carries its current ``e_tag``.

        Documents this turn read already (:meth:`read_ahead`) are taken from there, once.
        """
        if not keys:
            return {}
        held = _HELD.get()
        if held is not None and all(key in held for key in keys):
            return self._documents([row for key in dict.fromkeys(keys) if (row := held.pop(key)) is not None])
        # Read-only: on SQLite no BEGIN and no write lock, three trips through aiosqlite's thread
        # fewer on every turn. The e_tag read with each document still guards the write.
        async with SqlUnitOfWork(self._sessions, read_only=True) as uow:
            rows = await self._rows(uow.statements, keys)
        return self._documents(rows)

    async def read_ahead(self, statements: Statements, keys: list[str]) -> None:
        """Read ``keys`` now, in the caller's unit of work, for this turn's :meth:`read` to take.

        A turn reads its sender and its conversation's state first thing; one read-only unit of
        work for both is one session and one connection checkout fewer (``storage.turn_reads``).
        What is read ahead belongs to the current task (a ``ContextVar``) until :meth:`read` takes
        it or :meth:`drop_read_ahead` drops it, so concurrent turns never see each other's.
        """
        rows = {row.key: row for row in await self._rows(statements, keys)}
        _HELD.set({key: rows.get(key) for key in keys})

    @staticmethod
    def drop_read_ahead() -> None:
        """Forget what this turn read ahead and did not use (called when the turn ends)."""
        _HELD.set(None)

    async def _rows(self, statements: Statements, keys: list[str]) -> list[Any]:
        rows: list[Any] = []
        for key in dict.fromkeys(keys):  # one key per read in practice: each BotState reads its own
            rows += await statements.execute(self._statements.read, {"state_key": key})
        return rows

    def _documents(self, rows: list[Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for row in rows:
            try:
                stored = state_codec.parse(row.data)
                document = state_codec.decode(stored)
            except state_codec.StateFormatError as error:
                # A document the codec refuses (a type outside its allow-list, a row from before
                # the JSON format) would fail every turn of that chat, "stop" included. Treat it
                # as absent: the dialog starts afresh and the next save overwrites the row.
                log.warning("state %r could not be read (%s); starting it afresh", row.key, error)
                continue
            if isinstance(document, dict):
                document["e_tag"] = row.e_tag
            self._remember(row.key, row.e_tag, stored)
            result[row.key] = document
        return result

    def _remember(self, key: str, e_tag: str, stored: Any) -> None:
        self._stored[(key, e_tag)] = stored
        self._stored.move_to_end((key, e_tag))
        while len(self._stored) > REMEMBERED_READS:
            self._stored.popitem(last=False)

    def _unchanged(self, key: str, expected: str | None, encoded: Any) -> bool:
        """True when ``encoded`` is what the store holds under ``key`` and the e_tag it was read with.

        Skipping such a write leaves the row exactly as writing it would (only its e_tag stays),
        and a turn that changed nothing is not refused because another turn wrote meanwhile.
        """
        if expected in (None, "*"):
            return False
        return self._stored.get((key, expected), _NOTHING) == encoded

    async def write(self, changes: Mapping[str, Any]) -> None:
        """Write all ``changes`` in one transaction, refusing stale e_tags.

        A change whose e_tag is missing or ``"*"`` overwrites; any other e_tag must match
        the stored one, otherwise :class:`StateConflictError` is raised and nothing of
        this call is written.
        """
        if changes is None:
            raise ValueError("changes are required when writing")
        if not changes:
            return
        encoded: dict[str, tuple[str | None, Any]] = {}
        for key, value in changes.items():
            expected = _e_tag_of(value)
            if expected == "":
                raise ValueError(f"empty e_tag for state key {key!r}")
            data = state_codec.encode(value)
            if not self._unchanged(key, expected, data):
                encoded[key] = (expected, data)
        if not encoded:
            return  # nothing changed since it was read: no transaction at all
        now = datetime.now(UTC)
        new_tags: dict[str, str] = {}
        async with SqlUnitOfWork(self._sessions) as uow:
            for key, (expected, data) in encoded.items():
                new_tag = uuid.uuid4().hex
                await self._statements.write_one(uow.statements, key=key, data=data,
                                                 expected=expected, new_tag=new_tag, now=now)
                new_tags[key] = new_tag
            await uow.commit()
        # Hand the new tags back so a second save in the same turn is not refused (and is skipped
        # when nothing changed since this one).
        for key, tag in new_tags.items():
            _set_e_tag(changes[key], tag)
            # The version replaced stays remembered (until crowded out): a turn that read it and
            # changed nothing still writes nothing.
            self._remember(key, tag, encoded[key][1])

    async def delete(self, keys: list[str]) -> None:
        """Remove the documents for ``keys`` (missing keys are ignored)."""
        if not keys:
            return
        async with SqlUnitOfWork(self._sessions) as uow:
            await uow.statements.execute(delete(STATE).where(STATE.c.key.in_(keys)))
            await uow.commit()
        for remembered in [k for k in self._stored if k[0] in keys]:
            del self._stored[remembered]


class _Statements:
    """The statements of every turn, built once.

    Building a statement and its cache key costs more than SQLite takes to run it (about
    0.2 ms on the bench machine); a statement object that is reused keeps its cache key.
    """

    def __init__(self, dialect: str):
        # The document is read as its JSON text and parsed by the codec, so a row holding anything
        # else (written by hand, say) is one unreadable document, not a failed query.
        self.read = (select(STATE.c.key, type_coerce(STATE.c.data, Text).label("data"), STATE.c.e_tag)
                     .where(STATE.c.key == bindparam("state_key")))
        values = {"data": bindparam("new_data", type_=STATE.c.data.type), "e_tag": bindparam("new_tag"),
                  "updated_at": bindparam("now")}
        self.overwrite = update(STATE).where(STATE.c.key == bindparam("state_key")).values(**values)
        self.update_if = self.overwrite.where(STATE.c.e_tag == bindparam("expected"))
        self.create = (dialect_insert(dialect)(STATE).values(key=bindparam("state_key"), **values)
                       .on_conflict_do_nothing())

    async def write_one(self, connection: Statements, *, key: str, data: Any, expected: str | None,
                        new_tag: str, now: datetime) -> None:
        """Update ``key`` if its e_tag is still ``expected`` (any e_tag for None or "*"), or create it."""
        parameters = {"state_key": key, "new_data": data, "new_tag": new_tag, "now": now}
        if expected in (None, "*"):
            if (await connection.execute(self.overwrite, parameters)).rowcount:
                return
        else:
            if (await connection.execute(self.update_if, {**parameters, "expected": expected})).rowcount:
                return
            raise StateConflictError(f"state {key!r} was changed by another turn")
        if not (await connection.execute(self.create, parameters)).rowcount:
            # Another turn inserted the same key first; its document wins, ours is stale.
            raise StateConflictError(f"state {key!r} was created by another turn")


_NOTHING = object()


def _e_tag_of(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("e_tag")
    return getattr(value, "e_tag", None)


def _set_e_tag(value: Any, tag: str) -> None:
    if isinstance(value, dict):
        value["e_tag"] = tag
    elif hasattr(value, "e_tag"):
        value.e_tag = tag
