"""What a plain turn asks of the database, through the real app: reads take no write transaction.

Every transaction on SQLite costs trips through aiosqlite's thread and takes the one write lock
that all instances share; a turn that only reads (``help``) needs neither, and a dialog answer
needs one, for its state. Counted from SQLAlchemy's ``before_cursor_execute`` event: every
statement the app sends, ``BEGIN IMMEDIATE`` included.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bot.components import COMPONENTS
from tests import activities as build
from tests.activities import member
from tests.e2e.test_http_sparring import deliver, introduce_people, texts_of


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    # SQLite only: PostgreSQL's BEGIN is asyncpg's own (tests/storage/test_round_trips.py counts it there).
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


async def turn(client, activity) -> list[str]:  # type: ignore[no-untyped-def]
    """Post ``activity``; the first word of every statement it sent to the database."""
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement.split()[0].upper())

    engine = client.server.app[COMPONENTS].engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = await client.post("/api/messages", json=activity)
        assert response.status == 201, await response.text()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent


async def test_a_help_turn_begins_no_transaction(bot_client, connector):  # type: ignore[no-untyped-def]
    connector.members["a:personal-anna"] = [member("anna", name="Anna de Vries", email="anna@bieb.nl")]
    await turn(bot_client, build.message(connector.url, "hallo", key="anna"))
    connector.reset()
    sent = await turn(bot_client, build.message(connector.url, "help", key="anna"))
    assert sent == ["SELECT", "SELECT"]  # the sender, the dialog state; was BEGIN and SELECT, twice
    assert connector.cards("a:personal-anna") or connector.texts("a:personal-anna")  # help was answered


async def test_a_dialog_answer_begins_one_transaction_for_its_state(bot_client, connector):  # type: ignore[no-untyped-def]
    connector.members["a:personal-anna"] = [member("anna", name="Anna de Vries", email="anna@bieb.nl")]
    await turn(bot_client, build.message(connector.url, "hallo", key="anna"))
    await turn(bot_client, build.message(connector.url, "vraag", key="anna"))
    sent = await turn(bot_client, build.message(connector.url, "Hoe begin ik met de bibliotheek op school?",
                                                key="anna"))
    assert sent.count("BEGIN") == 1  # the state write; was four (sender, state, themes, state write)
    assert sent[-1] == "UPDATE"  # the dialog moved on: its state was written


# Handlers render, services decide: each of these turns reads what it shows in one unit of work
# (plus the coordinator check a card action makes before it runs), not one per thing shown.


async def test_the_examples_are_read_in_one_transaction(bot_client, connector):  # type: ignore[no-untyped-def]
    await introduce_people(bot_client, connector)
    sent = await turn(bot_client, build.message(connector.url, "voorbeelden", key="maarten"))
    assert sent.count("BEGIN") == 1  # the documents with their owners; was two (documents, then owners)
    assert connector.cards("a:personal-maarten") or connector.texts("a:personal-maarten")


async def test_the_submissions_are_read_in_one_transaction(bot_client, connector):  # type: ignore[no-untyped-def]
    await introduce_people(bot_client, connector)
    sent = await turn(bot_client, build.message(connector.url, "inzendingen", key="dia"))
    assert sent.count("BEGIN") == 1  # was three: the documents, the deadlines' status, the participants' names
    assert "Inzendingen" in texts_of(connector.cards("a:personal-dia")[-1])


async def test_a_link_decision_names_its_actor_without_reading_again(bot_client, connector):  # type: ignore[no-untyped-def]
    connector.members["a:personal-dia"] = [member("dia", name="Dia Wesseling", email="dwesseling@probiblio.nl")]
    connector.members["a:personal-maarten"] = [member("maarten", name="Maarten Jansen", email="maarten@oba.nl")]
    for key in ("dia", "maarten"):
        await turn(bot_client, build.message(connector.url, "hallo", key=key))
    await deliver(bot_client)
    card = next(c for c in reversed(connector.cards("a:personal-dia"))
                if c["body"][0]["text"] == "Wie is dit?" and "Maarten Jansen" in texts_of(c))
    confirm = next(a for a in card["actions"] if a.get("verb") == "link.confirm")
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement.split()[0].upper())

    engine = bot_client.server.app[COMPONENTS].engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = await bot_client.post("/api/messages", json=build.card_action(
            connector.url, "link.confirm", confirm["data"], key="dia"))
        assert response.status == 200
        answer = await response.json()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "Dia Wesseling" in str(answer)  # the card names who decided
    assert sent.count("BEGIN") <= 2  # the coordinator check and the decision; was four (names read after it)


async def test_a_turn_reads_its_sender_and_state_on_one_connection(bot_client, connector):  # type: ignore[no-untyped-def]
    connector.members["a:personal-anna"] = [member("anna", name="Anna de Vries", email="anna@bieb.nl")]
    await turn(bot_client, build.message(connector.url, "hallo", key="anna"))
    checkouts: list[object] = []

    def checkout(_dbapi_connection, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        checkouts.append(record)

    pool = bot_client.server.app[COMPONENTS].engine.sync_engine.pool
    event.listen(pool, "checkout", checkout)
    try:
        sent = await turn(bot_client, build.message(connector.url, "help", key="anna"))
    finally:
        event.remove(pool, "checkout", checkout)
    assert sent == ["SELECT", "SELECT"]
    assert len(checkouts) == 1  # one read-only unit of work for both; was one each
