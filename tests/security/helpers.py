"""Shared helpers of the security tests: the real app with chosen settings, and database snapshots."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.components import COMPONENTS
from bot.config import Settings, load_settings
from bot.domain.clock import Clock

# Tables that hold what people asked, decided or were sent (bot_state and participants change
# on every turn and are checked separately).
DECISION_TABLES = ("requests", "request_events", "routing_feedback", "outbox")
ALL_DATA_TABLES = ("participants", "bot_state", "outbox", "once_keys", "requests", "request_events",
                   "routing_feedback")


def make_settings(database_url: str, tmp_path: Path, **environ: str) -> Settings:
    """Settings as the bot reads them, with the dispatcher off (tests deliver by hand)."""
    values = {"DATABASE_URL": database_url, "FILES_DIR": str(tmp_path / "files"), "DISPATCH_INTERVAL": "0"}
    values.update(environ)
    return load_settings(values, env_file=None)


@asynccontextmanager
async def app_client(settings: Settings, clock: Clock, **options: Any) -> AsyncIterator[Any]:
    """The real app behind a real HTTP server on an ephemeral loopback port (``options``: ``create_app``'s)."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.bootstrap import create_app
    from bot.maintenance import prepare_database

    await prepare_database(settings, load_sample=True)
    client = TestClient(TestServer(create_app(settings, clock=clock, **options), host="127.0.0.1", port=0))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def rows(client: Any, table: str) -> list[tuple[Any, ...]]:
    """Every row of ``table`` (ordered by its first column), as plain tuples."""
    async with client.server.app[COMPONENTS].engine.connect() as connection:
        result = await connection.execute(text(f"SELECT * FROM {table} ORDER BY 1"))  # noqa: S608 - fixed names
        return [tuple(row) for row in result.all()]


async def count(client: Any, table: str) -> int:
    async with client.server.app[COMPONENTS].engine.connect() as connection:
        return (await connection.execute(text(f"SELECT COUNT(*) FROM {table}"))).scalar_one()  # noqa: S608


async def snapshot(client: Any, tables: tuple[str, ...] = DECISION_TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """The content of ``tables``: compare two snapshots to prove that nothing changed."""
    return {table: await rows(client, table) for table in tables}


class AppInThread:
    """The real app served from its own thread and event loop, for synchronous callers.

    Hypothesis drives a plain function; the app must keep running while that function blocks
    on an HTTP call, so it cannot share the caller's loop.
    """

    def __init__(self, settings: Settings, clock: Clock):
        self.settings = settings
        self.clock = clock
        self.loop = asyncio.new_event_loop()
        self.url = ""
        self.app: Any = None
        self._thread = threading.Thread(target=self.loop.run_forever, name="app-under-test", daemon=True)
        self._runner: Any = None

    def run(self, coroutine: Any, timeout: float = 60.0) -> Any:
        """Run ``coroutine`` on the app's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _start(self) -> None:
        from aiohttp import web

        from bot.bootstrap import create_app
        from bot.maintenance import prepare_database

        await prepare_database(self.settings, load_sample=True)
        self.app = create_app(self.settings, clock=self.clock)
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    @contextmanager
    def running(self) -> Iterator[AppInThread]:
        self._thread.start()
        try:
            self.run(self._start())
            yield self
        finally:
            if self._runner is not None:
                self.run(self._runner.cleanup())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()

    @property
    def components(self) -> Any:
        return self.app[COMPONENTS]


@asynccontextmanager
async def authenticated_app_client(monkeypatch: Any, *, metadata_url: str, tmp_path: Path, clock: Clock,
                                   **environ: str) -> AsyncIterator[Any]:
    """The real app with an app id set (authentication on), validating tokens against loopback keys.

    Args:
        monkeypatch: pytest's monkeypatch, to point the SDK's channel validation at ``metadata_url``.
        metadata_url: :attr:`tests.security.jwt_keys.OpenIdServer.metadata_url`.
        tmp_path: Where the database and the files go.
        clock: The app's clock.
        environ: More settings.
    """
    import functools

    from botframework.connector.auth import ChannelValidation
    from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

    import bot.teams.adapter
    from tests.security.jwt_keys import APP_ID, APP_PASSWORD, fixed_token_credentials_factory

    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", metadata_url)
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    original = bot.teams.adapter.ConfigurationBotFrameworkAuthentication
    monkeypatch.setattr(bot.teams.adapter, "ConfigurationBotFrameworkAuthentication",
                        functools.partial(original, credentials_factory=fixed_token_credentials_factory()))
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", tmp_path, MicrosoftAppId=APP_ID,
                             MicrosoftAppPassword=APP_PASSWORD, MicrosoftAppType="MultiTenant", **environ)
    async with app_client(settings, clock) as client:
        yield client
