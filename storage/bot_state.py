"""botbuilder ``Storage`` on SQLAlchemy, with e_tag optimistic concurrency.

Dialog state holds SDK objects (dialog instances, prompt activities), so documents are
stored as pickles (see :mod:`storage.state_codec`). A pickle, like the jsonpickle of the SDK's
own blob and Cosmos stores, can rebuild arbitrary classes, so this table must stay private to
the bot (never writable by anyone else).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from botbuilder.core import Storage
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import state_codec
from storage.autocommit import Autocommit, transaction
from storage.db import dialect_insert
from storage.direct_sql import DirectConnection
from storage.tables import BotStateRow

log = logging.getLogger(__name__)


class StateConflictError(Exception):
    """A write carried an e_tag that no longer matches: someone else wrote in between."""


STATE = BotStateRow.__table__


class SqlStorage(Storage):
    """Conversation and user state in the ``bot_state`` table.

    Every turn reads and most turns write here, so its statements run straight on the driver's
    connection (``storage.direct_sql``): no ORM session, and none of SQLAlchemy's execution layer.
    """

    def __init__(self, engine: AsyncEngine, autocommit: Autocommit):
        """Args:
            engine: The bot's engine.
            autocommit: Where reads and one-document writes run (the caller closes it).
        """
        super().__init__()
        self._engine = engine
        self._autocommit = autocommit
        self._statements = _Statements(engine.dialect.name)

    async def read(self, keys: list[str]) -> dict[str, Any]:
        """Return the stored documents for ``keys``; each carries its current ``e_tag``."""
        if not keys:
            return {}
        rows = []
        async with self._autocommit.connection() as connection:
            for key in dict.fromkeys(keys):  # one key per read in practice: each BotState reads its own
                rows += await connection.execute(self._statements.read, {"state_key": key})
        result: dict[str, Any] = {}
        for row in rows:
            try:
                document = state_codec.decode(row.data)
            except Exception as error:
                # A document no SDK class can be rebuilt from (say, after an upgrade renamed one)
                # would fail every turn of that chat, "stop" included. Treat it as absent: the
                # dialog starts afresh and the next save overwrites the row.
                log.warning("state %r could not be read (%s); starting it afresh", row.key, type(error).__name__)
                continue
            if isinstance(document, dict):
                document["e_tag"] = row.e_tag
            result[row.key] = document
        return result

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
        now = datetime.now(UTC)
        new_tags: dict[str, str] = {}
        async with self._transaction(single=len(changes) == 1) as connection:
            for key, value in changes.items():
                expected = _e_tag_of(value)
                if expected == "":
                    raise ValueError(f"empty e_tag for state key {key!r}")
                new_tag = uuid.uuid4().hex
                data = state_codec.encode(value)
                await self._statements.write_one(connection, key, data, expected, new_tag, now)
                new_tags[key] = new_tag
        # Hand the new tags back so a second save in the same turn is not refused.
        for key, tag in new_tags.items():
            _set_e_tag(changes[key], tag)

    def _transaction(self, *, single: bool) -> Any:
        if single:
            # One document is one UPDATE (or one INSERT), atomic by itself: on PostgreSQL in
            # autocommit that is one round trip instead of three (BEGIN, UPDATE, COMMIT).
            return self._autocommit.connection()
        return transaction(self._engine)

    async def delete(self, keys: list[str]) -> None:
        """Remove the documents for ``keys`` (missing keys are ignored)."""
        if not keys:
            return
        async with self._engine.begin() as connection:
            await connection.execute(delete(STATE).where(STATE.c.key.in_(keys)))


class _Statements:
    """The statements of every turn, built once.

    Building a statement and its cache key costs more than SQLite takes to run it (about
    0.2 ms on the bench machine); a statement object that is reused keeps its cache key.
    """

    def __init__(self, dialect: str):
        self.read = select(STATE.c.key, STATE.c.data, STATE.c.e_tag).where(STATE.c.key == bindparam("state_key"))
        values = {"data": bindparam("new_data"), "e_tag": bindparam("new_tag"), "updated_at": bindparam("now")}
        self.overwrite = update(STATE).where(STATE.c.key == bindparam("state_key")).values(**values)
        self.update_if = self.overwrite.where(STATE.c.e_tag == bindparam("expected"))
        self.create = (dialect_insert(dialect)(STATE).values(key=bindparam("state_key"), **values)
                       .on_conflict_do_nothing())

    async def write_one(self, connection: DirectConnection, key: str, data: str, expected: str | None,
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


def _e_tag_of(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("e_tag")
    return getattr(value, "e_tag", None)


def _set_e_tag(value: Any, tag: str) -> None:
    if isinstance(value, dict):
        value["e_tag"] = tag
    elif hasattr(value, "e_tag"):
        value.e_tag = tag
