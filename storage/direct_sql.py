"""Built-once statements run on the driver's own connection, past SQLAlchemy's execution layer.

SQLAlchemy builds an execution context, a cursor wrapper, a result object and a chain of
events around every statement, and the asyncio extension adds a greenlet switch per driver
call. For the statements every turn runs (bot state, the sender, the programme, a submitted
question's rows, the outbox) that was most of the turn's database time, where SQLite itself
takes microseconds. Here such a statement is compiled once per dialect, by SQLAlchemy, into its
SQL text, the order of its parameters and the type processors SQLAlchemy would apply to them
and to the columns it returns; each run then hands the values straight to ``sqlite3`` or
``asyncpg``: inside a unit of work on the connection SQLAlchemy's pool checked out for it, in
its transaction; outside one on a connection kept for statements that commit on their own
(``storage/autocommit.py``). Values come in and out exactly as SQLAlchemy would convert them
(``tests/storage/test_direct_sql.py`` compares the two on both databases).

Only Core statements of plain columns qualify (no ORM entities): callers pass the statements
they built once, and everything else keeps going through the ORM session.
"""

from __future__ import annotations

import re
import sqlite3
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

from storage.inline_sqlite import retry_while_locked

Processor = Callable[[Any], Any] | None
# Statements are built once, so a few hundred compiled forms cover every caller; the bound only
# keeps a caller that builds statements per call (a mistake) from growing the cache forever.
MAX_PREPARED = 256
_COUNT = re.compile(r"(\d+)\s*$")


class Statements(Protocol):
    """Where a repository runs its built-once statements (a unit of work's connection)."""

    async def execute(self, statement: ClauseElement, values: Mapping[str, Any] | None = None) -> Rows: ...


class Rows(Sequence[Any]):
    """What a statement returned: its rows (named tuples) and how many rows it changed.

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


@dataclass(frozen=True)
class Prepared:
    """One statement compiled for one dialect."""

    sql: str
    parameters: tuple[tuple[str, Any, Processor, bool], ...]  # name, default, processor, required
    returns_rows: bool
    processors: tuple[Processor, ...]
    row: Callable[..., Any]

    def arguments(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The positional values for the driver, converted as SQLAlchemy would."""
        arguments = []
        for name, default, processor, required in self.parameters:
            if name in values:
                value = values[name]
            elif required:
                raise KeyError(f"statement needs a value for {name!r}")
            else:
                value = default
            arguments.append(value if processor is None or value is None else processor(value))
        return tuple(arguments)

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[Any]:
        """Driver rows as named tuples, each column converted as SQLAlchemy would."""
        processors = self.processors
        if not any(processors):
            return [self.row(*values) for values in raw]
        return [self.row(*[value if p is None or value is None else p(value)
                           for p, value in zip(processors, values, strict=True)]) for values in raw]


def prepare(statement: ClauseElement, dialect: Dialect) -> Prepared:
    """Compile ``statement`` for ``dialect`` once: its SQL, its parameters and its result columns.

    Raises:
        ValueError: For statements this path does not handle (a parameter list given at run time).
    """
    try:
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    except InvalidRequestError as error:  # an IN list without values: it would be given at run time
        raise ValueError(f"a list given at run time cannot be compiled once ({error})") from error
    binds = {name: bind for bind, name in compiled.bind_names.items()}
    expanded: dict[str, tuple[Any, Any]] = {}
    for name, bind in binds.items():
        if bind.expanding:
            if bind.value is None or bind.callable is not None:
                raise ValueError(f"{name!r}: a list given at run time cannot be compiled once")
            for index, value in enumerate(bind.value, 1):
                expanded[f"{name}_{index}"] = (value, bind.type)
    # Columns the statement leaves out but that have a default in Python: SQLAlchemy computes
    # those before each run; a constant default is taken here, anything else is refused.
    defaults: dict[str, Any] = {}
    for column, default in ([(c, c.default) for c in compiled.insert_prefetch]
                            + [(c, c.onupdate) for c in compiled.update_prefetch]):
        if default is not None and not default.is_scalar:
            raise ValueError(f"{column.key!r}: a computed default cannot be compiled once; give a value")
        defaults[column.key] = default.arg if default is not None else None
    parameters = []
    for name in compiled.positiontup or ():
        if name in expanded:
            value, type_ = expanded[name]
            parameters.append((name, value, type_.dialect_impl(dialect).bind_processor(dialect), False))
            continue
        bind = binds[name]
        if bind.callable is not None:
            raise ValueError(f"{name!r}: a callable default cannot be compiled once")
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if name in defaults:
            parameters.append((name, defaults[name], processor, False))
        else:
            parameters.append((name, bind.value, processor, bind.required))
    returns_rows = bool(getattr(statement, "is_select", False) or getattr(statement, "_returning", ()))
    columns = list(statement.exported_columns) if returns_rows else []  # type: ignore[attr-defined]
    processors = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    row = namedtuple("Row", [column.key for column in columns], rename=True)  # type: ignore[misc]
    return Prepared(sql=compiled.string, parameters=tuple(parameters), returns_rows=returns_rows,
                    processors=processors, row=row)


class PreparedStatements:
    """The compiled form of each statement for one dialect, made on first use."""

    def __init__(self, dialect: Dialect):
        self.dialect = dialect
        self._prepared: OrderedDict[ClauseElement, Prepared] = OrderedDict()

    def __call__(self, statement: ClauseElement) -> Prepared:
        prepared = self._prepared.get(statement)
        if prepared is None:
            prepared = self._prepared[statement] = prepare(statement, self.dialect)
            if len(self._prepared) > MAX_PREPARED:
                self._prepared.popitem(last=False)
        return prepared


# Compiled statements per dialect (one per engine), kept as long as the engine lives.
_PREPARED: WeakKeyDictionary[Dialect, PreparedStatements] = WeakKeyDictionary()


def prepared_statements(dialect: Dialect) -> PreparedStatements:
    """The compiled statements of ``dialect``'s engine, shared by all its connections."""
    statements = _PREPARED.get(dialect)
    if statements is None:
        statements = _PREPARED[dialect] = PreparedStatements(dialect)
    return statements


class DirectConnection:
    """Runs prepared statements on one driver connection (SQLite or asyncpg).

    Args:
        statements: The compiled statements of the connection's dialect.
        sqlite: A ``sqlite3`` connection (used from the event loop's thread only).
        timeout: Seconds a SQLite statement keeps retrying while another process holds the lock.
        adapted: SQLAlchemy's adapted asyncpg connection (``PoolProxiedConnection.dbapi_connection``).
        in_transaction: True inside a unit of work: on PostgreSQL the transaction SQLAlchemy
            would begin lazily, before its first statement, is begun before ours.
    """

    def __init__(self, statements: PreparedStatements, *, sqlite: sqlite3.Connection | None = None,
                 timeout: float = 30.0, adapted: Any = None, in_transaction: bool = False):
        self._statements = statements
        self._dialect = statements.dialect
        self._sqlite = sqlite
        self._timeout = timeout
        self._adapted = adapted
        self._asyncpg = adapted.driver_connection if adapted is not None else None
        self._in_transaction = in_transaction

    @classmethod
    async def joining(cls, connection: AsyncConnection) -> DirectConnection:
        """The driver connection behind SQLAlchemy's ``connection``, in its transaction."""
        raw = await connection.get_raw_connection()
        statements = prepared_statements(connection.dialect)
        driver = raw.driver_connection
        sqlite = getattr(driver, "sqlite_connection", None)
        if sqlite is not None:
            return cls(statements, sqlite=sqlite, timeout=driver.lock_timeout)
        return cls(statements, adapted=raw.dbapi_connection, in_transaction=True)

    async def execute(self, statement: ClauseElement, values: Mapping[str, Any] | None = None) -> Rows:
        """Run ``statement`` (built once) with ``values`` for its bind parameters."""
        prepared = self._statements(statement)
        arguments = prepared.arguments(values or {})
        try:
            if self._sqlite is not None:
                raw, count = await self._run_sqlite(prepared, arguments)
            else:
                raw, count = await self._run_asyncpg(prepared, arguments)
        except DBAPIError:
            raise
        except Exception as error:
            raise self._translated(error, prepared, arguments) from error
        return Rows(prepared.rows(raw) if prepared.returns_rows else [], count)

    async def _run_sqlite(self, prepared: Prepared, arguments: tuple[Any, ...]) -> tuple[list[Any], int]:
        connection = self._sqlite
        assert connection is not None

        def run() -> tuple[list[Any], int]:
            cursor = connection.execute(prepared.sql, arguments)
            try:
                rows = cursor.fetchall() if prepared.returns_rows else []
                return rows, cursor.rowcount
            finally:
                cursor.close()

        return await retry_while_locked(run, self._timeout)

    async def _run_asyncpg(self, prepared: Prepared, arguments: tuple[Any, ...]) -> tuple[list[Any], int]:
        adapted = self._adapted
        async with adapted._execute_mutex:
            if self._in_transaction and adapted._transaction is None:
                await adapted._start_transaction()
            if prepared.returns_rows:
                rows = await self._asyncpg.fetch(prepared.sql, *arguments)
                return rows, len(rows)
            status = await self._asyncpg.execute(prepared.sql, *arguments)
        match = _COUNT.search(status or "")
        return [], int(match.group(1)) if match else -1

    def _translated(self, error: Exception, prepared: Prepared, arguments: tuple[Any, ...]) -> Exception:
        """The error SQLAlchemy would raise for ``error`` (``IntegrityError`` and the like)."""
        dbapi = self._dialect.loaded_dbapi
        original = error
        if self._asyncpg is not None:
            try:
                self._adapted._handle_exception(error)  # raises the DB-API error asyncpg's is translated to
            except Exception as translated:  # noqa: BLE001 - this is the translation
                original = translated
        if not isinstance(original, dbapi.Error):
            return original
        return DBAPIError.instance(prepared.sql, arguments, original, dbapi.Error,
                                   connection_invalidated=self._dialect.is_disconnect(original, self._adapted, None))
