"""Calendars end to end through the real app: announcement → .ics → feed → the coordinator moves the session."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import icalendar
import vobject

from bot.components import COMPONENTS
from tests import activities as build
from tests.e2e.test_http_documents import PDF, file_host, form_of, hand_in, send_files  # noqa: F401 (fixture)
from tests.e2e.test_http_sparring import deliver, form_values, introduce_people, post, texts_of

SESSION_UID = "event-sessie-exploitatie@sparringbot.dbos-po"
DEADLINE_UID = "deadline-exploitatievraag@sparringbot.dbos-po"


def open_url_buttons(card: dict) -> dict[str, str]:
    return {a["title"]: a["url"] for a in card.get("actions", []) if a["type"] == "Action.OpenUrl"}


async def fetch(client, url: str, status: int = 200) -> bytes:  # type: ignore[no-untyped-def]
    """GET a link the bot handed out, on the test server (the link's path and query only)."""
    parts = urlsplit(url)
    response = await client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert response.status == status, await response.text()
    if status == 200:
        assert response.headers["Content-Type"].startswith("text/calendar")
        assert response.headers["Cache-Control"] == "private, no-store"  # a revoked feed must not linger
    return await response.read()


def events_by_uid(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def vobject_starts(body: bytes) -> dict[str, datetime]:
    """The second, independent reading: UID → start in UTC."""
    calendar = vobject.readOne(body.decode())
    return {e.uid.value: e.dtstart.value.astimezone(UTC) for e in calendar.vevent_list}


async def announce_session(client, connector) -> dict:  # type: ignore[no-untyped-def]
    """Move the clock to the announcement (21 days before 14 April 2027), plan and deliver; Anna's card."""
    components = client.server.app[COMPONENTS]
    components.clock.set(datetime(2027, 3, 24, 7, 0, tzinfo=UTC))
    await components.planner.plan_all()
    components.clock.set(datetime(2027, 3, 24, 8, 30, tzinfo=UTC))  # 09:00 in Amsterdam has passed
    await deliver(client)
    return next(c for c in reversed(connector.cards("a:personal-anna"))
                if c["body"][0]["text"].startswith("Aankondiging"))


async def test_announcement_ics_feed_and_a_moved_session(bot_client, connector):
    await introduce_people(bot_client, connector)
    announcement = await announce_session(bot_client, connector)
    button = open_url_buttons(announcement)["Zet in mijn agenda"]

    single = await fetch(bot_client, button)
    [session] = events_by_uid(single).values()
    assert str(session["uid"]) == SESSION_UID and int(session["sequence"]) == 0
    assert session.decoded("dtstart").astimezone(UTC) == datetime(2027, 4, 14, 8, 0, tzinfo=UTC)
    assert str(session["location"]) == "Leiden" and str(session["status"]) == "CONFIRMED"
    assert vobject_starts(single) == {SESSION_UID: datetime(2027, 4, 14, 8, 0, tzinfo=UTC)}
    assert icalendar.Calendar.from_ical(single).walk("VTIMEZONE")[0]["tzid"] == "Europe/Amsterdam"

    await post(bot_client, build.message(connector.url, "agenda", key="anna"))
    feed_card = connector.cards("a:personal-anna")[-1]
    links = open_url_buttons(feed_card)
    webcal, https = links["Abonneren (webcal)"], links["Link"]
    assert webcal.startswith("webcal://") and webcal.split("://")[1] == https.split("://")[1]
    feed = await fetch(bot_client, https)
    assert set(events_by_uid(feed)) == {SESSION_UID, DEADLINE_UID}
    deadline = events_by_uid(feed)[DEADLINE_UID]
    assert deadline.decoded("dtstart").astimezone(UTC) == datetime(2027, 3, 28, 10, 0, tzinfo=UTC)  # CEST began
    assert deadline.walk("VALARM"), "an open deadline has an alarm"
    assert vobject_starts(feed)[DEADLINE_UID] == datetime(2027, 3, 28, 10, 0, tzinfo=UTC)

    # The coordinator moves the session a day and to Utrecht.
    await post(bot_client, build.message(connector.url, "deadlines", key="dia"))
    buttons = {a["title"]: a["data"] for a in connector.cards("a:personal-dia")[-1]["actions"]}
    await post(bot_client, build.card_submit(connector.url, buttons["Wijzig: Sessie 1 Exploitatie"], key="dia"))
    form = connector.cards("a:personal-dia")[-1]
    await post(bot_client, build.card_submit(connector.url, {**form["actions"][0]["data"], **form_values(form),
                                                             "date": "2027-04-15", "place": "Utrecht"}, key="dia"))
    await deliver(bot_client)

    change = connector.cards("a:personal-anna")[-1]
    assert change["body"][0]["text"] == "Gewijzigd: Sessie 1 Exploitatie"
    assert "donderdag 15 april, 10:00 in Utrecht" in texts_of(change)
    assert "woensdag 14 april, 10:00 in Leiden" in texts_of(change)
    moved = events_by_uid(await fetch(bot_client, https))[SESSION_UID]
    assert int(moved["sequence"]) == 1 and str(moved["location"]) == "Utrecht"
    assert moved.decoded("dtstart").astimezone(UTC) == datetime(2027, 4, 15, 8, 0, tzinfo=UTC)
    # The old button still opens the entry, now in its new version: the calendar updates, not duplicates.
    again = events_by_uid(await fetch(bot_client, button))[SESSION_UID]
    assert int(again["sequence"]) == 1
    assert not any(c["body"][0]["text"].startswith("Gewijzigd") for c in connector.cards("a:personal-dia"))


async def test_cancelled_session_is_marked_and_told(bot_client, connector):
    await introduce_people(bot_client, connector)
    await announce_session(bot_client, connector)
    await post(bot_client, build.message(connector.url, "agenda", key="anna"))
    https = open_url_buttons(connector.cards("a:personal-anna")[-1])["Link"]

    await post(bot_client, build.message(connector.url, "deadlines", key="dia"))
    buttons = {a["title"]: a["data"] for a in connector.cards("a:personal-dia")[-1]["actions"]}
    await post(bot_client, build.card_submit(connector.url, buttons["Wijzig: Sessie 1 Exploitatie"], key="dia"))
    cancel = next(a["data"] for a in connector.cards("a:personal-dia")[-1]["actions"]
                  if a["title"] == "Laat dit niet doorgaan")
    await post(bot_client, build.card_submit(connector.url, cancel, key="anna"))  # not hers to press
    assert connector.texts("a:personal-anna")[-1] == "Deze knop is niet voor jou bedoeld."
    await post(bot_client, build.card_submit(connector.url, cancel, key="dia"))
    assert connector.texts("a:personal-dia")[-1].startswith("Geannuleerd: Sessie 1 Exploitatie")
    await post(bot_client, build.card_submit(connector.url, cancel, key="dia"))  # a second click changes nothing
    assert connector.texts("a:personal-dia")[-1] == "Dit staat al niet meer op het programma."
    await deliver(bot_client)

    told = [c for c in connector.cards("a:personal-anna") if c["body"][0]["text"].startswith("Gaat niet door")]
    assert len(told) == 1
    session = events_by_uid(await fetch(bot_client, https))[SESSION_UID]
    assert str(session["status"]) == "CANCELLED" and int(session["sequence"]) == 1


async def test_agenda_nieuw_revokes_the_old_feed_link(bot_client, connector):
    await introduce_people(bot_client, connector)
    await post(bot_client, build.message(connector.url, "agenda", key="anna"))
    old = open_url_buttons(connector.cards("a:personal-anna")[-1])["Link"]
    await post(bot_client, build.message(connector.url, "agenda", key="anna"))
    assert open_url_buttons(connector.cards("a:personal-anna")[-1])["Link"] == old  # asking again: same link
    await fetch(bot_client, old)

    await post(bot_client, build.message(connector.url, "Kun je de sessies in mijn agenda zetten?", key="anna"))
    assert open_url_buttons(connector.cards("a:personal-anna")[-1])["Link"] == old  # free text: the same link

    await post(bot_client, build.message(connector.url, "agenda nieuw", key="anna"))
    renewed = connector.cards("a:personal-anna")[-1]
    assert renewed["body"][1]["text"].startswith("Je hebt een nieuwe agendalink")
    new = open_url_buttons(renewed)["Link"]
    assert new != old
    await fetch(bot_client, old, status=404)
    await fetch(bot_client, new)


async def test_feeds_hold_only_their_own_deadlines_and_bad_links_are_404(bot_client, connector):
    await introduce_people(bot_client, connector)
    # A deadline for Anna only (by e-mail), as the programme file can have (the coordinator's form
    # makes deadlines for everyone).
    from bot.domain.deadlines import Audience, Deadline

    components = bot_client.server.app[COMPONENTS]
    async with components.uow_factory() as uow:
        await uow.schedule.save(Deadline("alleen-anna", "Alleen voor Anna", "", datetime(2027, 5, 1, 12, 0),
                                         audience=Audience("people", people=("anna@bieb.nl",))),
                                now=components.clock.now(), source="file")
        await uow.commit()
    links = {}
    for key in ("anna", "maarten"):
        await post(bot_client, build.message(connector.url, "agenda", key=key))
        links[key] = open_url_buttons(connector.cards(f"a:personal-{key}")[-1])["Link"]
    anna = set(events_by_uid(await fetch(bot_client, links["anna"])))
    maarten = set(events_by_uid(await fetch(bot_client, links["maarten"])))
    assert "deadline-alleen-anna@sparringbot.dbos-po" in anna
    assert "deadline-alleen-anna@sparringbot.dbos-po" not in maarten
    assert DEADLINE_UID in maarten

    anna_link = links["anna"]
    token = anna_link.rsplit("/", 1)[1].removesuffix(".ics")
    participant, signature = token.split("-")
    other = links["maarten"].rsplit("/", 1)[1].removesuffix(".ics").split("-")[0]
    base = anna_link.rsplit("/", 1)[0]
    for bad in (f"{other}-{signature}", f"{participant}-{'0' * 32}", "x", f"{participant}-{signature[:-1]}"):
        await fetch(bot_client, f"{base}/{bad}.ics", status=404)
    await fetch(bot_client, "http://h/calendar/item/ics-e-sessie-dexploitatie.1.abc.ics", status=404)


async def test_a_deadline_reminder_puts_the_deadline_in_the_calendar(bot_client, connector):
    await introduce_people(bot_client, connector)
    components = bot_client.server.app[COMPONENTS]
    components.clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    await components.planner.plan_all()
    components.clock.set(datetime(2027, 3, 15, 7, 5, tzinfo=UTC))  # the reminder 14 days before
    await deliver(bot_client)
    reminder = connector.cards("a:personal-anna")[-1]
    assert reminder["body"][0]["text"] == "Herinnering: Meest brandende vraag over exploitatie"
    body = await fetch(bot_client, open_url_buttons(reminder)["Zet in mijn agenda"])
    deadline = events_by_uid(body)[DEADLINE_UID]
    assert deadline.decoded("dtstart").astimezone(UTC) == datetime(2027, 3, 28, 10, 0, tzinfo=UTC)
    assert vobject_starts(body) == {DEADLINE_UID: datetime(2027, 3, 28, 10, 0, tzinfo=UTC)}
    assert deadline.walk("VALARM")

    components.clock.set(datetime(2028, 5, 1, 9, 0, tzinfo=UTC))  # long after: the link has expired
    await fetch(bot_client, open_url_buttons(reminder)["Zet in mijn agenda"], status=404)


async def test_a_handed_in_deadline_is_marked_in_the_feed(bot_client, connector, file_host):  # noqa: F811 (fixture)
    base, files = file_host
    await introduce_people(bot_client, connector)
    await post(bot_client, build.message(connector.url, "agenda", key="anna"))
    https = open_url_buttons(connector.cards("a:personal-anna")[-1])["Link"]
    before = events_by_uid(await fetch(bot_client, https))[DEADLINE_UID]
    assert str(before["summary"]) == "Deadline: Meest brandende vraag over exploitatie" and before.walk("VALARM")

    files["kosten.pdf"] = PDF
    await send_files(bot_client, connector, base, "kosten.pdf")
    await hand_in(bot_client, connector, form_of(connector), category="kostenberekening")
    after = events_by_uid(await fetch(bot_client, https))[DEADLINE_UID]
    assert str(after["summary"]) == "✔ Ingeleverd: Meest brandende vraag over exploitatie"
    assert not after.walk("VALARM") and str(after["uid"]) == DEADLINE_UID
    maarten_link = await _feed_link(bot_client, connector, "maarten")
    assert str(events_by_uid(await fetch(bot_client, maarten_link))[DEADLINE_UID]["summary"]).startswith("Deadline:")


async def _feed_link(client, connector, key: str) -> str:  # type: ignore[no-untyped-def]
    await post(client, build.message(connector.url, "agenda", key=key))
    return open_url_buttons(connector.cards(f"a:personal-{key}")[-1])["Link"]
