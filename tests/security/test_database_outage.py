"""The database becomes unreachable during turns: a clear Dutch message, nothing half written."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from sqlalchemy import func, select

from bot.components import COMPONENTS
from bot.config import load_settings
from storage.tables import OutboxRow, RequestRow
from tests import activities as build
from tests.e2e.test_http_sparring import introduce_people, post
from tests.security.helpers import app_client

# A question whose theme is not clear from its words: the theme step is asked, and the outage hits its answer.
QUESTION = "Hoe krijgen andere bibliotheken de leesconsulenten op alle scholen tegelijk aan de slag?"

pytestmark = pytest.mark.postgres


async def set_connections(server, name: str, allowed: bool) -> None:  # type: ignore[no-untyped-def]
    admin = await asyncpg.connect(**server.connect_kwargs("postgres"))
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:  # end the bot's pooled connections too: a real outage takes those with it
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = $1 AND pid <> pg_backend_pid()", name)
    finally:
        await admin.close()


async def test_a_database_outage_mid_conversation(postgres_server, postgres_template, connector, clock, tmp_path):
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = postgres_server.create_database(name, template=postgres_template)
    settings = load_settings({"DATABASE_URL": url, "FILES_DIR": str(tmp_path / "files"), "DISPATCH_INTERVAL": "0"},
                             env_file=None)
    async with app_client(settings, clock) as client:
        await introduce_people(client, connector)
        await post(client, build.message(connector.url, "vraag", key="anna"))
        await post(client, build.message(connector.url, QUESTION, key="anna"))

        await set_connections(postgres_server, name, False)
        await post(client, build.message(connector.url, "Netwerk & Beleid", key="anna"))
        [said] = connector.texts("a:personal-anna")[-1:]
        assert said.startswith("Sorry, er ging aan mijn kant iets mis. Er is niets half opgeslagen")
        health = await client.get("/healthz")
        assert health.status == 503

        await set_connections(postgres_server, name, True)
        assert (await client.get("/healthz")).status == 200
        # The conversation goes on where it was: the answer is taken now, nothing was lost or doubled.
        await post(client, build.message(connector.url, "Netwerk & Beleid", key="anna"))
        assert "Met wie wil je" in str(connector.activities("a:personal-anna")[-1])
        async with client.server.app[COMPONENTS].sessions() as session:
            assert (await session.execute(select(func.count()).select_from(RequestRow))).scalar_one() == 0
            # Only Dia's card about Maarten's name (introduce_people) is in the outbox; nothing new.
            assert (await session.execute(select(func.count()).select_from(OutboxRow))).scalar_one() == 1
