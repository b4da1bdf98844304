"""The real app over HTTP: Teams-shaped activities in, replies at a fake Bot Connector."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.components import COMPONENTS
from storage.tables import ParticipantRow
from tests import activities as build
from tests.activities import member


async def post(client, activity, status=201):  # type: ignore[no-untyped-def]
    response = await client.post("/api/messages", json=activity)
    assert response.status == status, await response.text()
    return response


def card_texts(card: dict) -> str:
    return " ".join(str(block.get("text", "")) for block in card.get("body", []))


async def participant_rows(client) -> list[ParticipantRow]:  # type: ignore[no-untyped-def]
    sessions = client.server.app[COMPONENTS].sessions
    async with sessions() as session:
        return list((await session.scalars(select(ParticipantRow).order_by(ParticipantRow.teams_id))).all())


async def test_install_gives_a_dutch_welcome_once_and_records_the_participant(bot_client, connector):
    connector.members["a:personal-anna"] = [member("anna", name="Anna de Vries", email="anna@bibliotheek.nl")]
    await post(bot_client, build.installation_add(connector.url))
    await post(bot_client, build.installation_add(connector.url))  # Teams may send it again
    cards = connector.cards()
    assert len(cards) == 2  # once, though Teams sent it twice
    assert "Welkom bij Sparringbot, Anna de Vries!" in card_texts(cards[0])
    # Anna is not in the directory: first contact asks which library she works for.
    assert card_texts(cards[1]).startswith("Voor welke bibliotheek werk je?")
    [row] = await participant_rows(bot_client)
    assert (row.teams_id, row.email, row.name, row.locale) == (
        "29:anna", "anna@bibliotheek.nl", "Anna de Vries", "nl-NL")
    assert row.tenant_id == build.TENANT
    assert row.conversation_reference["conversation"]["id"] == "a:personal-anna"


async def test_unknown_text_gets_the_help_card_in_dutch_and_english(bot_client, connector):
    await post(bot_client, build.message(connector.url, "wat is het weer morgen"))
    await post(bot_client, build.message(connector.url, "what is this", key="ben", locale="en-US"))
    # Each is new and outside the directory: asked for their library first, then answered.
    asked_nl, dutch, asked_en, english = connector.cards()
    assert "Dat begreep ik niet helemaal" in card_texts(dutch)
    assert "I did not quite get that" in card_texts(english)
    assert card_texts(asked_nl).startswith("Voor welke bibliotheek")
    assert card_texts(asked_en).startswith("Which library")


async def test_help_and_stop(bot_client, connector):
    await post(bot_client, build.message(connector.url, "help"))
    await post(bot_client, build.message(connector.url, "stop"))
    assert "Wat kan Sparringbot voor je doen?" in card_texts(connector.cards()[-1])
    assert connector.texts()[-1].startswith("Er was niets om te stoppen")


async def test_a_help_button_click_is_a_card_submit(bot_client, connector):
    await post(bot_client, build.card_submit(connector.url, {"command": "help"}))
    assert "Wat kan Sparringbot voor je doen?" in card_texts(connector.cards()[-1])


async def test_email_links_the_participant_to_the_directory(bot_client, connector):
    connector.members["a:personal-dia"] = [member("dia", name="Dia Wesseling", email="DWesseling@probiblio.nl")]
    await post(bot_client, build.message(connector.url, "hallo", key="dia"))
    [row] = await participant_rows(bot_client)
    assert row.person_id == "dia"


async def test_team_install_reads_the_roster_and_member_changes_are_tracked(bot_client, connector):
    team = "19:team@thread.tacv2"
    connector.members[team] = [member(f"p{i}", name=f"Deelnemer {i}", email=f"p{i}@bieb.nl") for i in range(7)]
    await post(bot_client, build.team_install(connector.url, team_id=team))
    rows = await participant_rows(bot_client)
    assert len(rows) == 7 and all(r.active and r.email for r in rows)
    assert "Hallo allemaal" in card_texts(connector.cards()[0])

    connector.members[team].append(member("new", name="Nieuw", email="nieuw@bieb.nl"))
    await post(bot_client, build.team_members_changed(connector.url, added=["new"], team_id=team))
    await post(bot_client, build.team_members_changed(connector.url, removed=["p3"], team_id=team))
    rows = {r.teams_id: r for r in await participant_rows(bot_client)}
    assert rows["29:new"].email == "nieuw@bieb.nl"
    assert rows["29:p3"].active is False and len(rows) == 8


async def test_proactive_message_reaches_someone_who_never_chatted(bot_client, connector):
    from bot.domain.models import OutgoingMessage

    team = "19:team@thread.tacv2"
    connector.members[team] = [member("quiet", name="Stille Deelnemer", email="stil@bieb.nl")]
    await post(bot_client, build.team_install(connector.url, team_id=team))
    [row] = await participant_rows(bot_client)
    assert row.conversation_reference is None
    messenger = bot_client.server.app[COMPONENTS].messenger
    await messenger.send(row.id, OutgoingMessage(text="Herinnering: uiterlijk 28 maart"))
    assert connector.texts() == []  # queued in the outbox, not sent yet
    await bot_client.server.app[COMPONENTS].dispatcher.run_once()
    assert connector.created_conversations, "a 1:1 conversation must be created"
    assert connector.texts()[-1] == "Herinnering: uiterlijk 28 maart"
    [row] = await participant_rows(bot_client)
    assert row.conversation_reference is not None  # the next send takes the short path
    await messenger.send(row.id, OutgoingMessage(text="Tweede"))
    await bot_client.server.app[COMPONENTS].dispatcher.run_once()
    assert len(connector.created_conversations) == 1 and connector.texts()[-1] == "Tweede"


async def test_a_failing_turn_tells_the_user_in_dutch_without_a_stack_trace(bot_client, connector, monkeypatch):
    from storage.turn_reads import TurnReads

    async def broken(_self, _teams_id, _state_keys):  # type: ignore[no-untyped-def]
        raise RuntimeError("database is gone")

    # The first thing every message reads: its sender and its conversation's state.
    monkeypatch.setattr(TurnReads, "sender_and_state", broken)
    await post(bot_client, build.message(connector.url, "help"))
    [text] = connector.texts()
    assert text.startswith("Sorry, er ging aan mijn kant iets mis")
    assert "Traceback" not in text and "database is gone" not in text


@pytest.mark.parametrize(("body", "headers", "status"), [
    (b"{not json", {"Content-Type": "application/json"}, 400),
    (b"[1, 2]", {"Content-Type": "application/json"}, 400),
    (b'{"text": "no type"}', {"Content-Type": "application/json"}, 400),
    (b"hello", {"Content-Type": "text/plain"}, 415),
    (b'{"type": "message", "text": "' + b"x" * 2_000_000 + b'"}', {"Content-Type": "application/json"}, 413),
])
async def test_bad_requests_get_clear_4xx_answers(bot_client, body, headers, status):
    response = await bot_client.post("/api/messages", data=body, headers=headers)
    assert response.status == status
    assert "error" in await response.json()


async def test_healthz_checks_the_database(bot_client):
    response = await bot_client.get("/healthz")
    assert response.status == 200 and (await response.json())["database"] == "ok"
    assert response.headers["X-Request-Id"]
