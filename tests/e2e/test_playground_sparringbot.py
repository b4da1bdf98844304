"""Sparringbot in the real Microsoft 365 Agents Playground: one Playground per person."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.bootstrap import create_app
from bot.components import COMPONENTS
from bot.config import load_settings
from bot.domain.clock import FixedClock
from bot.maintenance import prepare_database
from storage.tables import ParticipantRow, RequestRow
from tests.e2e.test_http_sparring import form_values
from tests.playground import Playground, PlaygroundUser, playground_installed

if not playground_installed():
    if os.environ.get("CI") == "true":
        raise RuntimeError("the Agents Playground is not installed (run `npm ci`)")
    pytest.skip("the Agents Playground is not installed (run `npm ci`)", allow_module_level=True)

pytestmark = pytest.mark.playground

CAST = {
    "anna": PlaygroundUser(id="29:pg-anna", name="Anna de Vries", email="anna@bibliotheek-voorbeeld.nl",
                           aad_object_id="a1a1a1a1-0000-4000-8000-000000000001", locale="nl-NL"),
    "dia": PlaygroundUser(id="29:pg-dia", name="Dia Wesseling", email="dwesseling@probiblio.nl",
                          aad_object_id="a1a1a1a1-0000-4000-8000-000000000002", locale="nl-NL"),
    "maarten": PlaygroundUser(id="29:pg-maarten", name="Maarten Visser", email="maarten@oba-voorbeeld.nl",
                              aad_object_id="a1a1a1a1-0000-4000-8000-000000000003", locale="nl-NL"),
    "bram": PlaygroundUser(id="29:pg-bram", name="Bram Jansen", email="bram@bibliotheek-voorbeeld.nl",
                           aad_object_id="a1a1a1a1-0000-4000-8000-000000000004"),
    "sanne": PlaygroundUser(id="29:pg-sanne", name="Sanne Smit", email="sanne@bibliotheek-voorbeeld.nl",
                            aad_object_id="a1a1a1a1-0000-4000-8000-000000000005"),
    "eva": PlaygroundUser(id="29:pg-eva", name="Eva Mulder", email="eva@bibliotheek-voorbeeld.nl",
                          aad_object_id="a1a1a1a1-0000-4000-8000-000000000006"),
}
QUESTION = "Een grote stichting wil met al haar scholen tegelijk starten. Hoe pak ik dat gefaseerd aan?"


def playground_for(key: str, endpoint: str) -> Playground:
    others = tuple(user for name, user in CAST.items() if name != key)
    return Playground(endpoint, current_user=CAST[key], users=others, personal_chat_id=f"a:pg-personal-{key}")


@pytest.fixture
async def live_bot(tmp_path) -> AsyncIterator[tuple[str, web.Application]]:  # type: ignore[no-untyped-def]
    """The real app on a real loopback port (0 = any free one), SQLite, sample programme."""
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "DISPATCH_INTERVAL": "0",
                              "FILE_HOSTS": "127.0.0.1", "FILES_DIR": str(tmp_path / "files")}, env_file=None)
    await prepare_database(settings, load_sample=True)
    # A clock the test can move: 1 March 2027, four weeks before the newsletter's deadline.
    runner = web.AppRunner(create_app(settings, clock=FixedClock(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/api/messages", runner.app
    finally:
        await runner.cleanup()


def card_text(message) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(b.get("text", "")) for card in message.cards for b in card.get("body", []))


async def test_install_welcome_and_help_in_dutch(live_bot):
    endpoint, _ = live_bot
    async with playground_for("anna", endpoint) as anna:
        await anna.install()
        welcome = await anna.wait_for_message(lambda m: "Welkom bij Sparringbot" in card_text(m))
        assert "Anna de Vries" in card_text(welcome)
        await anna.send_text("hallo")
        await anna.wait_for_message(lambda m: "Welkom bij Sparringbot" in card_text(m))
        await anna.send_text("wat is het weer morgen?")
        help_card = await anna.wait_for_message(lambda m: "Wat kan Sparringbot voor je doen?" in card_text(m))
        assert "Dat begreep ik niet helemaal" in card_text(help_card)


async def test_a_question_travels_from_asker_to_coordinator_to_expert(live_bot):
    endpoint, app = live_bot
    dispatcher = app[COMPONENTS].dispatcher
    async with playground_for("dia", endpoint) as dia, playground_for("maarten", endpoint) as maarten, \
            playground_for("anna", endpoint) as anna:
        for person in (dia, maarten, anna):
            await person.send_text("hallo")
            await person.wait_for_message(lambda m: "Welkom bij Sparringbot" in card_text(m))
        # Maarten's directory entry has no e-mail: his name only proposes a link, and Dia confirms it.
        assert (await dispatcher.run_once()).sent == 1
        proposal = await dia.wait_for_message(lambda m: "Wie is dit?" in card_text(m))
        assert "Maarten Visser (Teams) zegt Maarten (OBA) uit de deelnemerslijst te zijn" in card_text(proposal)
        link = next(a for a in proposal.cards[0]["actions"] if a.get("verb") == "link.confirm")
        assert "Gekoppeld door Dia Wesseling" in str(await dia.invoke_execute("link.confirm", link["data"],
                                                                               reply_to_id=proposal.id))

        await anna.send_text("vraag")
        await anna.wait_for_message(lambda m: m.text.startswith("Wat is je sparringvraag?"))
        await anna.send_text(QUESTION)
        # The theme is clear from the question: not asked, pre-selected on the confirmation card.
        await anna.wait_for_message(lambda m: "Met wie wil je" in str(m.raw))
        await anna.send_text("Geen voorkeur")
        await anna.wait_for_message(lambda m: m.text.startswith("Wil je nog iets toelichten"))
        await anna.send_text("nee")
        confirm = await anna.wait_for_message(lambda m: "Klopt je vraag zo?" in card_text(m))
        assert '"value": "Netwerk & Beleid"' in json.dumps(confirm.cards[0], ensure_ascii=False)
        await anna.submit({"dialog": "question.send", "text": QUESTION, "theme": "Netwerk & Beleid",
                           "preference": "any", "context": ""}, reply_to_id=confirm.id)
        thanks = await anna.wait_for_message(lambda m: m.text.startswith("Dank je!"))
        assert "nummer 1" in thanks.text

        assert (await dispatcher.run_once()).sent == 1
        review = await dia.wait_for_message(lambda m: "Nieuwe sparringvraag #1" in card_text(m))
        approve = next(a for a in review.cards[0]["actions"] if a.get("verb") == "review.approve")
        assert approve["title"] == "Doorsturen naar Maarten"
        answer = await dia.invoke_execute("review.approve", approve["data"], reply_to_id=review.id)
        assert "Doorgestuurd naar Maarten door Dia Wesseling" in str(answer)

        assert (await dispatcher.run_once()).sent == 1
        offer = await maarten.wait_for_message(lambda m: "Wil je sparren met Anna de Vries" in card_text(m))
        accept = next(a for a in offer.cards[0]["actions"] if a.get("verb") == "intro.accept")
        await maarten.invoke_execute("intro.accept", accept["data"], reply_to_id=offer.id)
        assert (await dispatcher.run_once()).sent == 2
        intro = await anna.wait_for_message(lambda m: "Goed nieuws! Maarten (OBA)" in card_text(m))
        assert "users=maarten%40oba-voorbeeld.nl" in str(intro.cards)
        await maarten.wait_for_message(lambda m: "in contact gebracht met Anna de Vries" in card_text(m))

    async with app[COMPONENTS].sessions() as session:
        [request] = (await session.scalars(select(RequestRow))).all()
        linked = dict((await session.execute(select(ParticipantRow.name, ParticipantRow.person_id))).all())
    assert (request.state, request.assignee_id) == ("accepted", "maarten-oba")
    assert linked["Dia Wesseling"] == "dia" and linked["Maarten Visser"] == "maarten-oba"


async def test_a_reminder_arrives_and_its_button_starts_the_question(live_bot):
    endpoint, app = live_bot
    components = app[COMPONENTS]
    async with playground_for("anna", endpoint) as anna:
        await anna.send_text("hallo")
        await anna.wait_for_message(lambda m: "Welkom bij Sparringbot" in card_text(m))
        assert await components.planner.plan_all() > 0
        components.clock.set(datetime(2027, 3, 15, 7, 1, tzinfo=UTC))  # Monday 15 March, 08:01 in Amsterdam
        await components.dispatcher.run_once()
        reminder = await anna.wait_for_message(lambda m: "Herinnering: Meest brandende vraag" in card_text(m))
        assert "Uiterlijk zondag 28 maart, 12:00" in card_text(reminder)
        ask = reminder.cards[0]["actions"][0]
        assert ask["title"] == "Stel je vraag"
        await anna.submit(ask["data"], reply_to_id=reminder.id)
        await anna.wait_for_message(lambda m: m.text.startswith("Wat is je sparringvraag?"))


async def test_a_document_is_handed_in_through_the_playground(live_bot):
    from aiohttp.test_utils import TestServer

    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

    async def serve(request: web.Request) -> web.Response:
        body = pdf + request.match_info["name"].encode()  # two different files
        return web.Response(body=body, content_type="application/pdf")

    files = web.Application()
    files.router.add_get("/{name}", serve)
    host = TestServer(files, host="127.0.0.1", port=0)
    await host.start_server()
    endpoint, _ = live_bot
    try:
        async with playground_for("anna", endpoint) as anna:
            await anna.send_text("hallo")
            await anna.wait_for_message(lambda m: "Welkom bij Sparringbot" in card_text(m))
            # The Playground sends files as ordinary attachments with a content URL, like the emulator.
            activity = await anna.activity_template("install")
            activity.pop("action", None)
            activity.update(type="message", text="", attachments=[
                {"contentType": "application/pdf", "name": "accountplan.pdf",
                 "contentUrl": str(host.make_url("/accountplan.pdf"))}])
            await anna.send_custom_activity(activity)
            form = await anna.wait_for_message(lambda m: "Wat is accountplan.pdf?" in card_text(m))
            await anna.submit({**form.cards[0]["actions"][0]["data"], "category": "accountplan", "deadline": "",
                               "consent": "participants", "note": ""}, reply_to_id=form.id)
            receipt = await anna.wait_for_message(lambda m: "Ontvangen: accountplan.pdf" in card_text(m))
            assert "Accountplan" in str(receipt.cards)

            activity["attachments"] = [{"contentType": "application/pdf", "name": "kosten.pdf",
                                        "contentUrl": str(host.make_url("/kosten.pdf"))}]
            await anna.send_custom_activity(activity)
            form = await anna.wait_for_message(lambda m: "Wat is kosten.pdf?" in card_text(m))
            await anna.submit({**form.cards[0]["actions"][0]["data"], "category": "kostenberekening",
                               "deadline": "exploitatievraag", "consent": "project_team", "note": ""},
                              reply_to_id=form.id)
            await anna.wait_for_message(lambda m: "Ontvangen: kosten.pdf" in card_text(m))
            costs = await anna.wait_for_message(lambda m: "Wat kost dBos po per school" in card_text(m))
            await anna.submit({**costs.cards[0]["actions"][0]["data"], "total": "1.200", "pupils": "240",
                               "unit": "percentages", "school": "50", "bibliotheek": "30", "subsidie": "0",
                               "gemeente": "20", "overig": "0"}, reply_to_id=costs.id)
            await anna.wait_for_message(lambda m: m.text.startswith("✔ De kostenverdeling is opgeslagen"))
    finally:
        await host.close()


async def test_the_team_roster_is_read_and_someone_who_never_chatted_is_reached(live_bot):
    from bot.domain.models import OutgoingMessage

    endpoint, app = live_bot
    components = app[COMPONENTS]
    async with playground_for("anna", endpoint) as anna:
        team = anna.config_file_content()["team"]["id"]
        await anna.send_event("botAdded", conversation_id=team)  # the app added to the programme's team
        await anna.wait_for_message(lambda m: "Hallo allemaal" in card_text(m))
        async with components.sessions() as session:
            members = {row.name: row for row in (await session.scalars(select(ParticipantRow))).all()}
        assert {"Dia Wesseling", "Maarten Visser", "Bram Jansen", "Sanne Smit", "Eva Mulder"} <= set(members)
        assert members["Dia Wesseling"].person_id == "dia" and members["Sanne Smit"].conversation_reference is None
        # Sanne never chatted with the bot: a personal chat is created for her.
        await components.messenger.send(members["Sanne Smit"].id, OutgoingMessage(text="Herinnering voor Sanne"))
        # Also sent: Dia's card asking whether Maarten Visser of the roster is Maarten (name only).
        assert (await components.dispatcher.run_once()).sent == 2
        assert members["Maarten Visser"].person_id is None
        async with components.sessions() as session:
            sanne = await session.get(ParticipantRow, members["Sanne Smit"].id)
        assert sanne.conversation_reference is not None  # stored for the next message


async def test_plain_dutch_phrasings_get_the_right_flows(live_bot):
    """The issue's phrasings, typed in the Playground as participants type them (issue 16)."""
    endpoint, _ = live_bot
    async with playground_for("anna", endpoint) as anna:
        await anna.send_text("Hallo, Sparringbot!")
        await anna.wait_for_message(lambda m: m.text.startswith("Hallo Anna!"))
        await anna.send_text("Deadlines?")
        await anna.wait_for_message(lambda m: "Deadline" in card_text(m) or "deadline" in card_text(m))
        await anna.send_text("wanneer moet ik mijn kostenberekening inleveren?")
        await anna.wait_for_message(lambda m: "Deadline" in card_text(m) or "deadline" in card_text(m))
        await anna.send_text("Mijn vragen?")
        await anna.wait_for_message(lambda m: "vragen" in card_text(m).lower())
        await anna.send_text("wat kun je?")
        help_card = await anna.wait_for_message(lambda m: "Wat kan Sparringbot voor je doen?" in card_text(m))
        assert "Dat begreep ik niet" not in card_text(help_card)
        await anna.send_text("ik wil mijn accountplan insturen")
        await anna.wait_for_message(lambda m: "Accountplan" in m.text and "bijlage" in m.text)
        await anna.send_text("zijn er voorbeelden van ambitiebrieven?")
        await anna.wait_for_message(lambda m: "Voorbeelden" in card_text(m))
        await anna.send_text("bedankt!")
        await anna.wait_for_message(lambda m: m.text.startswith("Graag gedaan!"))
        typed = "De boekenkratten komen te laat aan, hoe doen anderen dat?"
        await anna.send_text(typed)
        offer = await anna.wait_for_message(lambda m: "Wil je dit als sparringvraag aan Dia sturen?" in card_text(m))
        yes = offer.cards[0]["actions"][0]
        assert yes["data"] == {"command": "ask", "text": typed}
        await anna.submit(yes["data"], reply_to_id=offer.id)
        await anna.wait_for_message(lambda m: "Over welk thema" in str(m.raw) or "Met wie wil je" in str(m.raw))
        await anna.send_text("help")
        await anna.wait_for_message(lambda m: m.text.startswith("Kies"))
        await anna.send_text("stop")
        await anna.wait_for_message(lambda m: m.text.startswith("Oké, ik ben gestopt."))
        await anna.send_text("verwijder al mijn gegevens")
        confirm = await anna.wait_for_message(lambda m: any(a.get("data", {}).get("verb") == "erase_confirm"
                                                            for c in m.cards for a in c.get("actions", [])))
        assert confirm.cards


async def test_a_session_goes_into_the_calendar_and_moves_there(live_bot):
    """Issue 19 in the Playground: announcement → .ics, feed subscribed, the coordinator moves the session."""
    import icalendar
    from aiohttp import ClientSession

    endpoint, app = live_bot
    components = app[COMPONENTS]
    base = endpoint.removesuffix("/api/messages")

    async def entries(http: ClientSession, url: str) -> dict[str, icalendar.Event]:
        """GET a link the bot handed out, on the live server (its path and query only)."""
        parts = urlsplit(url)
        async with http.get(base + parts.path + (f"?{parts.query}" if parts.query else "")) as response:
            assert response.status == 200 and response.content_type == "text/calendar"
            calendar = icalendar.Calendar.from_ical(await response.read())
        return {str(e["uid"]): e for e in calendar.walk("VEVENT")}

    session_uid = "event-sessie-exploitatie@sparringbot.dbos-po"
    async with playground_for("dia", endpoint) as dia, playground_for("anna", endpoint) as anna, \
            ClientSession() as http:
        for person in (dia, anna):
            await person.send_text("hallo")
            await person.wait_for_message(lambda m: "Welkom bij Sparringbot" in card_text(m))
        components.clock.set(datetime(2027, 3, 24, 7, 0, tzinfo=UTC))  # 21 days before 14 April
        await components.planner.plan_all()
        components.clock.set(datetime(2027, 3, 24, 8, 30, tzinfo=UTC))
        await components.dispatcher.run_once()
        announcement = await anna.wait_for_message(lambda m: "Aankondiging" in card_text(m))
        add = next(a for a in announcement.cards[0]["actions"] if a["title"] == "Zet in mijn agenda")
        [session] = (await entries(http, add["url"])).values()
        assert str(session["uid"]) == session_uid and str(session["location"]) == "Leiden"

        await anna.send_text("kan ik dit in mijn agenda zetten?")
        feed_card = await anna.wait_for_message(lambda m: "Jouw persoonlijke agenda" in card_text(m))
        feed = next(a["url"] for a in feed_card.cards[0]["actions"] if a["title"] == "Link")
        assert int((await entries(http, feed))[session_uid]["sequence"]) == 0

        # Dia moves the session a day later, to Utrecht, on her deadlines card.
        await dia.send_text("deadlines")
        board = await dia.wait_for_message(lambda m: any(a.get("title") == "Wijzig: Sessie 1 Exploitatie"
                                                         for c in m.cards for a in c.get("actions", [])))
        change = next(a for a in board.cards[0]["actions"] if a["title"] == "Wijzig: Sessie 1 Exploitatie")
        await dia.submit(change["data"], reply_to_id=board.id)
        form = await dia.wait_for_message(lambda m: any("place" in form_values(card) for card in m.cards))
        await dia.submit({**form.cards[0]["actions"][0]["data"], **form_values(form.cards[0]), "date": "2027-04-15",
                          "place": "Utrecht"}, reply_to_id=form.id)
        await dia.wait_for_message(lambda m: m.text.startswith("✔") and "Sessie 1 Exploitatie" in m.text)
        await components.dispatcher.run_once()
        told = await anna.wait_for_message(lambda m: "Gewijzigd: Sessie 1 Exploitatie" in card_text(m))
        assert "donderdag 15 april, 10:00 in Utrecht" in card_text(told)
        moved = (await entries(http, feed))[session_uid]
        assert int(moved["sequence"]) == 1 and str(moved["location"]) == "Utrecht"
        assert moved.decoded("dtstart").astimezone(UTC) == datetime(2027, 4, 15, 8, 0, tzinfo=UTC)

