"""How repositories run their Core statements: on the unit of work's ORM session.

One way to the database: a repository's statements (built once, so SQLAlchemy's compiled-statement
cache finds them by their cache key) run with ``session.execute`` in the unit of work's one
transaction, and see what the session has flushed. The result is read at once into :class:`Rows`,
so the repositories do not hold a cursor open across their own ``await``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ClauseElement

from storage.db import read_only_options


class Rows(Sequence[Any]):
    """What a statement returned: its rows and how many rows it changed.

    Offers the parts of SQLAlchemy's ``Result`` the repositories use.
    """

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int):
        self._rows = rows
        self.rowcount = rowcount

    def __getitem__(self, index: Any) -> Any:
        return self._rows[index]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        """Every row."""
        return list(self._rows)

    def first(self) -> Any:
        """The first row, or None."""
        return self._rows[0] if self._rows else None

    def scalar(self) -> Any:
        """The first column of the first row, or None."""
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        """The first column of the only row."""
        if len(self._rows) != 1:
            raise ValueError(f"expected one row, got {len(self._rows)}")
        return self._rows[0][0]

    def scalars(self) -> list[Any]:
        """The first column of every row."""
        return [row[0] for row in self._rows]


class ReadOnlyError(RuntimeError):
    """A read-only unit of work was asked to write (a programming error: nothing was written)."""


class Statements(Protocol):
    """Where a repository runs its statements (its unit of work's session)."""

    async def execute(self, statement: ClauseElement, values: Mapping[str, Any] | None = None) -> Rows: ...


class SessionStatements:
    """Runs Core statements in a unit of work's transaction, on its ORM session's connection.

    ``session.connection()`` is the session's own connection in its transaction; Core statements
    run there skip the ORM's execution layer, which they do not need. What the session holds
    unflushed is flushed first, as its autoflush would before a statement of its own.
    """

    def __init__(self, session: AsyncSession, *, read_only: bool = False):
        self._session = session
        self._read_only = read_only

    async def execute(self, statement: ClauseElement, values: Mapping[str, Any] | None = None) -> Rows:
        """Run ``statement`` with ``values`` for its bind parameters in the unit of work's transaction.

        Raises:
            ReadOnlyError: For anything but a SELECT in a read-only unit of work.
        """
        session = self._session
        if self._read_only:
            if not getattr(statement, "is_select", False):
                raise ReadOnlyError("a read-only unit of work runs SELECT statements only")
            # The option reaches the connection before its transaction begins (storage.db's "begin"
            # event reads it); once the session has its connection, that connection already carries it.
            connection = await session.connection(execution_options=None if session.in_transaction()
                                                  else read_only_options(session.bind.dialect.name))
        else:
            if session.new or session.dirty or session.deleted:
                await session.flush()
            connection = await session.connection()
        result = await connection.execute(statement, dict(values) if values else None)
        rows = list(result.all()) if result.returns_rows else []
        return Rows(rows, result.rowcount)
