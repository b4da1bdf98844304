"""A throwaway PostgreSQL server for the test session: Unix socket only, no TCP port.

Usage::

    server = PostgresServer().start()
    url = server.create_database("t_abc")   # postgresql+asyncpg://postgres@/t_abc?host=/tmp/...
    ...
    server.stop()

``start_postgres_or_skip()`` is the fixture helper: it skips when PostgreSQL is not installed,
except in CI (``CI=true``), where a missing server must fail the run instead of hiding tests.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import glob
import logging
import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
SUPERUSER = "postgres"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
# Speed over durability: the data is thrown away anyway.
_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "log_min_messages": "warning",
}
_T = TypeVar("_T")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server binaries (``initdb``, ``pg_ctl``) are not installed."""


@dataclass(frozen=True)
class PostgresBinaries:
    """Where the server binaries live."""

    bin_dir: Path

    def __getitem__(self, name: str) -> str:
        return str(self.bin_dir / name)


def find_postgres_binaries() -> PostgresBinaries:
    """Find ``initdb`` and ``pg_ctl``: ``$POSTGRES_BIN_DIR``, then ``PATH``, then the newest Debian/RHEL install.

    Returns:
        The directory holding ``initdb``, ``pg_ctl`` and ``postgres``.

    Raises:
        PostgresUnavailable: When no such directory exists.
    """
    candidates: list[Path] = []
    if os.environ.get("POSTGRES_BIN_DIR"):
        candidates.append(Path(os.environ["POSTGRES_BIN_DIR"]))
    on_path = shutil.which("initdb")
    if on_path:
        # Resolve symlinks (e.g. /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb) so
        # pg_ctl and postgres come from the same version.
        candidates.append(Path(os.path.realpath(on_path)).parent)
    installed = glob.glob("/usr/lib/postgresql/*/bin") + glob.glob("/usr/pgsql-*/bin")
    candidates.extend(Path(p) for p in sorted(installed, key=_version_key, reverse=True))
    for bin_dir in candidates:
        if all(os.access(bin_dir / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return PostgresBinaries(bin_dir)
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or under /usr/lib/postgresql/*/bin; "
        "install them (Debian: apt-get install postgresql) or set POSTGRES_BIN_DIR"
    )


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


def postgres_required() -> bool:
    """Whether a missing PostgreSQL must fail the tests rather than skip them (true in CI)."""
    return os.environ.get("CI", "").lower() == "true"


def start_postgres_or_skip() -> PostgresServer:
    """Start a server for a pytest fixture: skip locally when PostgreSQL is missing, fail in CI.

    Returns:
        A started ``PostgresServer``; the caller stops it.
    """
    import pytest  # here, so the module works outside pytest (benchmarks)

    try:
        return PostgresServer().start()
    except PostgresUnavailable as error:
        if postgres_required():
            pytest.fail(f"CI=true but {error}", pytrace=False)
        pytest.skip(str(error))


class PostgresServer:
    """One private PostgreSQL server in a temporary directory, reachable only through a Unix socket.

    Attributes:
        socket_dir: The directory holding the server's socket (the ``host`` of its URLs).
        data_dir: The cluster's data directory.
        run_as: The system user the server runs as (None: the current user).
    """

    def __init__(self, binaries: PostgresBinaries | None = None) -> None:
        self._binaries = binaries
        self._base: Path | None = None
        self.socket_dir: Path | None = None
        self.data_dir: Path | None = None
        self.run_as: pwd.struct_passwd | None = None
        self._running = False
        self._lock = threading.Lock()
        # asyncpg needs an event loop; a private worker thread gives it a fresh one per call, so
        # create_database works from sync fixtures and from inside a running loop alike.
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None

    # ----------------------------------------------------------------- life cycle

    def start(self) -> PostgresServer:
        """Create a cluster in a temporary directory and start the server; returns when it accepts connections.

        Returns:
            The server itself.

        Raises:
            PostgresUnavailable: When the binaries are missing.
            RuntimeError: When initdb or pg_ctl fail (their output is in the message).
        """
        binaries = self._binaries or find_postgres_binaries()
        self._binaries = binaries
        # PostgreSQL refuses to run as root, and CI runs as root.
        self.run_as = _server_user() if os.geteuid() == 0 else None
        self._base = Path(tempfile.mkdtemp(prefix="pg-", dir=_traversable_tmp() if self.run_as else None))
        self.socket_dir = self._base / "sock"
        self.data_dir = self._base / "data"
        self.socket_dir.mkdir()
        if self.run_as is not None:
            for path in (self._base, self.socket_dir):
                os.chown(path, self.run_as.pw_uid, self.run_as.pw_gid)
        atexit.register(self.stop)
        try:
            self._run([binaries["initdb"], "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
                       "--encoding=UTF8", "--no-locale", "--no-sync"])
            settings = {**_SETTINGS, "unix_socket_directories": f"'{self.socket_dir}'"}
            with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
                conf.write("\n# tests/postgres_server.py\n")
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
            # -w waits until the server accepts connections: no polling on our side.
            self._run([binaries["pg_ctl"], "start", "-w", "-t", "60", "-D", str(self.data_dir),
                       "-l", str(self._base / "server.log")])
        except BaseException:
            self.stop()
            raise
        self._running = True
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-admin")
        log.debug("PostgreSQL started in %s", self._base)
        return self

    def stop(self) -> None:
        """Stop the server at once and delete its files. Safe to call twice (also runs at exit)."""
        with self._lock:
            base = self._base
            if base is None:
                return
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None
            if self.data_dir is not None and (self.data_dir / "postmaster.pid").exists() and self._binaries:
                # Immediate: no shutdown checkpoint, the data is thrown away.
                subprocess.run([self._binaries["pg_ctl"], "stop", "-w", "-m", "immediate", "-D", str(self.data_dir)],
                               capture_output=True, check=False, **self._user_kwargs())
            self._running = False
            self._base = None
            shutil.rmtree(base, ignore_errors=True)
        atexit.unregister(self.stop)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- databases

    def url(self, name: str) -> str:
        """The SQLAlchemy URL of database ``name`` (asyncpg, through the Unix socket).

        Args:
            name: The database name.

        Returns:
            E.g. ``postgresql+asyncpg://postgres@/t_abc?host=/tmp/pg-x/sock``.
        """
        if self.socket_dir is None:
            raise RuntimeError("PostgresServer is not started")
        # asyncpg reads a host starting with "/" as a socket directory; SQLAlchemy passes query
        # parameters through to asyncpg.connect().
        return f"postgresql+asyncpg://{SUPERUSER}@/{name}?host={self.socket_dir}"

    def connect_kwargs(self, name: str = "postgres") -> dict[str, Any]:
        """Keyword arguments for ``asyncpg.connect`` to database ``name``."""
        return {"host": str(self.socket_dir), "user": SUPERUSER, "database": name}

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create an empty database (or a copy of ``template``) and return its SQLAlchemy URL.

        Args:
            name: A plain identifier (letters, digits, underscore; at most 63 characters).
            template: A database to copy, e.g. one already migrated; None copies ``template0``.
                PostgreSQL refuses to copy a database that has open connections: dispose the
                engine that migrated it first.

        Returns:
            The new database's URL (see ``url``).
        """
        statement = f"CREATE DATABASE {_quoted(name)} TEMPLATE {_quoted(template or 'template0')}"

        async def create(conn: Any) -> None:
            # PostgreSQL 15 writes every copied block to the WAL by default; a file copy skips
            # that, and its checkpoint is cheap with fsync off. Either way: some tens of ms.
            strategy = " STRATEGY FILE_COPY" if conn.get_server_version().major >= 15 else ""
            await conn.execute(statement + strategy)

        self._run_admin(create)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing its connections first; no error when it does not exist.

        Args:
            name: The database name.
        """
        self._run_admin(lambda conn: conn.execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)"))

    def _run_admin(self, action: Callable[[Any], Awaitable[_T]]) -> _T:
        if not self._running or self._executor is None:
            raise RuntimeError("PostgresServer is not started")

        async def run() -> _T:
            import asyncpg

            conn = await asyncpg.connect(**self.connect_kwargs())
            try:
                return await action(conn)
            finally:
                await conn.close()

        return self._executor.submit(asyncio.run, run()).result(timeout=60)

    # ----------------------------------------------------------------- processes

    def _user_kwargs(self) -> dict[str, Any]:
        if self.run_as is None or self._base is None:
            return {}
        uid, gid = self.run_as.pw_uid, self.run_as.pw_gid
        # subprocess drops to the user itself (setgid, setgroups, setuid), so neither runuser
        # nor setpriv is needed. cwd and HOME must be readable by that user: initdb and pg_ctl
        # complain when started in root's home.
        return {"user": uid, "group": gid, "extra_groups": [gid], "cwd": str(self._base),
                "env": {**os.environ, "HOME": str(self._base), "USER": self.run_as.pw_name}}

    def _run(self, command: list[str]) -> None:
        # Output goes to a pipe: pg_ctl -l sends the server's own output to the log file, so the
        # daemon keeps no handle on the pipe and run() returns once pg_ctl does.
        result = subprocess.run(command, capture_output=True, text=True, check=False,
                                **self._user_kwargs())
        if result.returncode != 0:
            server_log = ""
            if self._base is not None and (self._base / "server.log").exists():
                server_log = (self._base / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{Path(command[0]).name} failed ({result.returncode}):\n{result.stdout}\n"
                               f"{result.stderr}\n{server_log}")


def _quoted(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
    return f'"{name}"'


def _server_user() -> pwd.struct_passwd:
    """The system user a root process runs the server as: ``postgres``, created if need be, else ``nobody``."""
    for attempt in range(2):
        try:
            return pwd.getpwnam(SUPERUSER)
        except KeyError:
            if attempt == 0 and shutil.which("useradd"):
                subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                                "--shell", "/usr/sbin/nologin", SUPERUSER], capture_output=True, check=False)
    try:
        return pwd.getpwnam("nobody")
    except KeyError as error:
        raise RuntimeError("running as root, and neither a postgres nor a nobody user exists") from error


def _traversable_tmp() -> str:
    """A temporary directory the server user can reach (every parent searchable by others).

    ``$TMPDIR`` may sit under root's 0700 home; /tmp is normally fine. As a last resort the
    parents get the search bit (o+x), which exposes no file listing.
    """
    for candidate in (tempfile.gettempdir(), "/tmp"):
        if _searchable_by_others(Path(candidate)):
            return candidate
    chosen = Path(tempfile.gettempdir()).resolve()
    for parent in [chosen, *chosen.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(parent, mode | stat.S_IXOTH)
    return str(chosen)


def _searchable_by_others(path: Path) -> bool:
    resolved = path.resolve()
    return resolved.is_dir() and all(p.stat().st_mode & stat.S_IXOTH for p in [resolved, *resolved.parents])
