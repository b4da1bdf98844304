"""``verwijder mijn gegevens`` through the real endpoint: nothing about the person is left anywhere.

Anna asks two questions. The first goes all the way (review, introduction to Maarten, both
introductions sent); the second waits: its review card for Dia and its introduction offer for
Maarten are planned but not sent (the dispatcher is not run). She hands in a document, then has
her data erased. Afterwards the dispatcher runs: Dia and Maarten get notices without her name or
question, and no column of any table holds her question, name, e-mail, Teams id or conversation.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.components import COMPONENTS
from storage.tables import Base, RequestRow
from tests import activities as build
from tests.e2e.test_http_documents import PDF, file_host, form_of, hand_in, send_files  # noqa: F401 (fixture)
from tests.e2e.test_http_sparring import QUESTION, ask_and_accept, deliver, introduce_people, post

SECOND = "Hoe krijg ik de gemeente mee in de exploitatie en de subsidie van de bibliotheek op school?"
ANNA = ("Anna de Vries", "anna@bieb.nl", "29:anna", "aad-anna", "a:personal-anna", QUESTION[:40], SECOND[:40],
        "plan.pdf")


async def every_stored_text(client) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(table, column, text) for every non-empty value of every column of every table.

    JSON (state documents included: they are plain JSON) is read as its JSON text.
    """
    found = []
    async with client.server.app[COMPONENTS].sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    if isinstance(value, dict | list):
                        text = json.dumps(value, ensure_ascii=False)
                    else:
                        text = str(value)
                    found.append((table.name, column, text))
    return found


def mentions(stored: list[tuple[str, str, str]], needles: tuple[str, ...]) -> set[tuple[str, str, str]]:
    """(table, column, needle) for every stored text that contains a needle (case does not matter)."""
    return {(table, column, needle) for table, column, text in stored for needle in needles
            if needle.lower() in text.lower()}


async def ask_without_delivery(client, connector, text: str) -> None:  # type: ignore[no-untyped-def]
    for answer in ("vraag", text, "Exploitatie", "Geen voorkeur", "nee"):
        await post(client, build.message(connector.url, answer, key="anna"))
    values = {"dialog": "question.send", "text": text, "theme": "Exploitatie", "preference": "any", "context": ""}
    await post(client, build.card_submit(connector.url, values, key="anna"))


async def request_row(client, request_id: int) -> RequestRow:  # type: ignore[no-untyped-def]
    async with client.server.app[COMPONENTS].sessions() as session:
        row = await session.get(RequestRow, request_id)
        assert row is not None
        return row


def said_to(connector, key: str) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(connector.activities(f"a:personal-{key}"), ensure_ascii=False)


async def test_erasure_leaves_nothing_about_the_person_in_any_table_or_message(
        bot_client, connector, file_host, tmp_path):  # noqa: F811 (fixture)
    base_url, files = file_host
    await introduce_people(bot_client, connector)
    await post(bot_client, build.installation_add(connector.url, key="anna"))  # welcomed once: a once-key

    # Question 1: reviewed, offered, accepted; the introductions are sent.
    await ask_and_accept(bot_client, connector)
    assert "Anna de Vries" in said_to(connector, "maarten")

    # Question 2: Dia's review card is planned, not sent; Dia sends it to Maarten from the overview
    # (a redirect the router learns from), and his introduction offer is planned, not sent either.
    await ask_without_delivery(bot_client, connector, SECOND)
    second = await request_row(bot_client, 2)
    redirect = {"ref": second.public_ref, "version": second.version, "person": "maarten-oba"}
    await post(bot_client, build.card_action(connector.url, "review.redirect", redirect, key="dia"), status=200)
    assert (await request_row(bot_client, 2)).state == "assigned"

    files["plan.pdf"] = PDF
    await send_files(bot_client, connector, base_url, "plan.pdf")
    await hand_in(bot_client, connector, form_of(connector), category="accountplan")

    before = mentions(await every_stored_text(bot_client), ANNA)
    # The scenario put her data where erasures used to miss it: planned and sent messages for others,
    # the router's redirect notes, the channel's state and once-keys.
    assert {(t, c) for t, c, _ in before} >= {
        ("outbox", "payload"), ("requests", "text"), ("routing_feedback", "question"), ("participants", "email"),
        ("bot_state", "key"), ("once_keys", "key"), ("documents", "file_name")}
    assert ("outbox", "payload", SECOND[:40]) in before  # the review card and the offer, still planned

    connector.reset()
    await post(bot_client, build.message(connector.url, "verwijder mijn gegevens", key="anna"))
    await post(bot_client, build.card_submit(connector.url, form_of(connector)["actions"][0]["data"], key="anna"))
    assert connector.texts("a:personal-anna")[-1].startswith("Je gegevens zijn verwijderd: 2 vragen en 1 documenten")
    await deliver(bot_client)

    # Dia hears that someone was erased, with counts only; the planned review card never comes.
    to_dia = said_to(connector, "dia")
    assert "gegevens laten verwijderen (2 vragen, 1 documenten)" in to_dia
    assert "Nieuwe sparringvraag" not in to_dia
    # Maarten hears both questions are off, by number only.
    to_maarten = connector.texts("a:personal-maarten")
    assert sorted(t[:14] for t in to_maarten) == ["Vraag #1 is in", "Vraag #2 is in"]
    for needle in ANNA:
        assert needle.lower() not in to_dia.lower() and needle.lower() not in said_to(connector, "maarten").lower()
    assert connector.activities("a:personal-anna")[-1]["text"].startswith("Je gegevens zijn verwijderd")

    assert mentions(await every_stored_text(bot_client), ANNA) == set()
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] == []

    # The next round has nothing left about her to send.
    connector.reset()
    await deliver(bot_client)
    assert connector.activities() == []
