"""Calendar rules (UID, SEQUENCE, tokens) and the .ics files, read back by two independent parsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from bot.domain.calendar import (
    CANCELLED,
    MOVED,
    RESTORED,
    CalendarEntry,
    changes_between,
    feed_participant,
    feed_token,
    feed_token_valid,
    item_from_subject,
    item_subject,
    new_feed_secret,
    next_sequence,
    uid_for,
)
from bot.domain.deadlines import Deadline, Event
from bot.domain.services.calendar import FeedItem
from bot.domain.services.schedule_changes import before_from_payload, change_payload
from bot.domain.signed_links import sign, verify
from bot.domain.understanding.beyond_intents import asks_for_calendar, command_beyond_intents
from bot.features.calendar.ics import render_calendar
from bot.texts import Catalogue

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
TEXTS = Catalogue.load()
SECRET = b"s" * 32
DEADLINE = Deadline("exploitatievraag", "Meest brandende vraag", "Je vraag over exploitatie",
                    datetime(2027, 3, 28, 12, 0))
SESSION = Event("sessie-exploitatie", "Sessie 1 Exploitatie", "Met Daniel en Geert-Jan",
                datetime(2027, 4, 14, 10, 0), datetime(2027, 4, 14, 15, 0), "Leiden")


def render(*items: FeedItem, language: str = "nl", name: str | None = "Feed") -> bytes:
    return render_calendar(items, texts=TEXTS, language=language, zone=AMS, now=NOW, name=name)


def parsed(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["uid"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def second_opinion(body: bytes) -> dict[str, tuple[datetime, datetime, int, str]]:
    """vobject's reading: UID → (start UTC, end UTC, SEQUENCE, STATUS)."""
    calendar = vobject.readOne(body.decode())
    return {e.uid.value: (e.dtstart.value.astimezone(UTC), e.dtend.value.astimezone(UTC), int(e.sequence.value),
                          e.status.value) for e in calendar.vevent_list}


def test_a_deadline_on_the_night_summer_time_begins_is_ten_utc():
    body = render(FeedItem(CalendarEntry(DEADLINE, changed_at=NOW)))
    event = parsed(body)[uid_for(DEADLINE)]
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2027, 3, 28, 10, 0, tzinfo=UTC)
    assert event["dtstart"].params["TZID"] == "Europe/Amsterdam"
    start, _, sequence, status = second_opinion(body)[uid_for(DEADLINE)]
    assert start == datetime(2027, 3, 28, 10, 0, tzinfo=UTC) and sequence == 0 and status == "CONFIRMED"
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(days=1)


@pytest.mark.parametrize(("local", "utc_hour"), [(datetime(2027, 3, 27, 12, 0), 11),  # still winter time
                                                 (datetime(2027, 10, 31, 12, 0), 11),  # winter time again
                                                 (datetime(2027, 10, 30, 12, 0), 10)])
def test_both_parsers_agree_on_either_side_of_a_clock_change(local, utc_hour):
    deadline = Deadline("d", "D", "", local)
    body = render(FeedItem(CalendarEntry(deadline)))
    expected = local.replace(hour=utc_hour, tzinfo=UTC)
    assert parsed(body)[uid_for(deadline)].decoded("dtstart").astimezone(UTC) == expected
    assert second_opinion(body)[uid_for(deadline)][0] == expected


def test_a_session_has_title_place_description_end_and_the_zone():
    body = render(FeedItem(CalendarEntry(SESSION, sequence=3)), language="en")
    calendar = icalendar.Calendar.from_ical(body)
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    event = parsed(body)[uid_for(SESSION)]
    assert str(event["summary"]) == "Sessie 1 Exploitatie" and str(event["location"]) == "Leiden"
    assert str(event["description"]) == "Met Daniel en Geert-Jan"
    assert second_opinion(body)[uid_for(SESSION)] == (datetime(2027, 4, 14, 8, 0, tzinfo=UTC),
                                                      datetime(2027, 4, 14, 13, 0, tzinfo=UTC), 3, "CONFIRMED")
    assert not event.walk("VALARM")


def test_uid_depends_on_the_item_id_only():
    moved = Event(SESSION.id, "Andere titel", "", datetime(2028, 1, 1, 9, 0), None, "Utrecht")
    assert uid_for(moved) == uid_for(SESSION) == "event-sessie-exploitatie@sparringbot.dbos-po"
    assert uid_for(DEADLINE) == "deadline-exploitatievraag@sparringbot.dbos-po"
    assert uid_for(Deadline(SESSION.id, "x", "", datetime(2027, 1, 1))) != uid_for(SESSION)


def test_sequence_goes_up_on_time_or_place_only():
    later = Event(**{**SESSION.__dict__, "starts_local": datetime(2027, 4, 15, 10, 0),
                     "ends_local": datetime(2027, 4, 15, 15, 0)})
    elsewhere = Event(**{**SESSION.__dict__, "place": "Utrecht"})
    renamed = Event(**{**SESSION.__dict__, "title": "Sessie 1", "description": "Nieuw"})
    assert next_sequence(2, before=SESSION, after=later, was_cancelled=False) == 3
    assert next_sequence(2, before=SESSION, after=elsewhere, was_cancelled=False) == 3
    assert next_sequence(2, before=SESSION, after=renamed, was_cancelled=False) == 2
    assert next_sequence(2, before=SESSION, after=SESSION, was_cancelled=True) == 3  # it comes back
    assert next_sequence(0, before=None, after=SESSION, was_cancelled=False) == 0
    moved_deadline = Deadline(**{**DEADLINE.__dict__, "due_local": datetime(2027, 3, 29, 12, 0)})
    assert next_sequence(0, before=DEADLINE, after=moved_deadline, was_cancelled=False) == 1


def test_changes_are_moves_cancellations_and_returns():
    before = {"a": CalendarEntry(SESSION, 0), "b": CalendarEntry(DEADLINE, 1),
              "c": CalendarEntry(SESSION, 4, cancelled=True), "d": CalendarEntry(SESSION, 2, cancelled=True)}
    after = {"a": CalendarEntry(SESSION, 1), "b": CalendarEntry(DEADLINE, 2, cancelled=True),
             "c": CalendarEntry(SESSION, 5), "d": CalendarEntry(SESSION, 3, cancelled=True),
             "new": CalendarEntry(SESSION, 0)}
    assert [(c.after.sequence, c.what) for c in changes_between(before, after)] == [
        (1, MOVED), (2, CANCELLED), (5, RESTORED)]
    assert changes_between(after, after) == []


def test_the_change_payload_brings_back_the_old_time_and_place():
    later = Event(**{**SESSION.__dict__, "starts_local": datetime(2027, 4, 15, 11, 0), "place": "Utrecht"})
    [change] = changes_between({"s": CalendarEntry(SESSION)}, {"s": CalendarEntry(later, 1)})
    assert before_from_payload(change_payload(change), later) == SESSION
    assert before_from_payload({"item_kind": "event", "before": "junk"}, later) == later


def test_a_cancelled_entry_is_cancelled_with_a_higher_sequence_and_no_alarm():
    body = render(FeedItem(CalendarEntry(DEADLINE, 2, cancelled=True)))
    event = parsed(body)[uid_for(DEADLINE)]
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 2 and not event.walk("VALARM")
    assert second_opinion(body)[uid_for(DEADLINE)][3] == "CANCELLED"


def test_a_handed_in_deadline_is_marked_without_alarm():
    body = render(FeedItem(CalendarEntry(DEADLINE), done=True), FeedItem(CalendarEntry(SESSION)))
    event = parsed(body)[uid_for(DEADLINE)]
    assert str(event["summary"]).startswith("✔ Ingeleverd") and not event.walk("VALARM")
    assert set(second_opinion(body)) == {uid_for(DEADLINE), uid_for(SESSION)}


def test_feed_tokens_are_per_person_and_renewable():
    secret = new_feed_secret()
    token = feed_token(42, secret, SECRET)
    assert feed_participant(token) == 42 and feed_token_valid(token, 42, secret, SECRET)
    assert not feed_token_valid(token, 42, new_feed_secret(), SECRET)  # agenda nieuw
    assert not feed_token_valid(token, 43, secret, SECRET)
    assert not feed_token_valid(token, 42, secret, b"t" * 32)  # another app secret
    assert feed_token(43, secret, SECRET).split("-")[1] != token.split("-")[1]
    for bad in ("", "42", "42-xyz", "0-" + "0" * 32, "-1-" + "0" * 32, token + "0", "042-" + "0" * 32):
        assert feed_participant(bad) is None


@pytest.mark.parametrize("item_id", ["sessie-1", "a.b_c-d", "x", "a" * 64, "9-9.9_9"])
def test_item_subjects_round_trip_through_signed_links(item_id):
    for item in (Deadline(item_id, "t", "", datetime(2027, 1, 1)), Event(item_id, "t", "", datetime(2027, 1, 1))):
        token = sign(item_subject(item), NOW + timedelta(days=1), SECRET)
        kind = "deadline" if isinstance(item, Deadline) else "event"
        assert item_from_subject(verify(token, NOW, SECRET) or "") == (kind, item_id)
    assert item_from_subject("ics-e-a-x") is None and item_from_subject("doc-1") is None


@pytest.mark.parametrize("text", [
    "zet het in mijn agenda", "Zet het in mijn agenda!", "kan ik dit aan m’n Outlook-agenda toevoegen?",
    "add it to my calendar", "agendalink", "mag ik de agenda-link", "ik wil een link voor mijn agenda",
    "hoe abonneer ik me op de agenda", "subscribe to the calendar", "zet de sessie in mijn kalender",
    "kan dit in outlook?", "put this in my Outlook calendar", "Zet het in mijn Teams-agenda"])
def test_calendar_requests_in_free_text_are_recognised(text):
    assert asks_for_calendar(text)


@pytest.mark.parametrize("text", [
    "hoe zetten andere bibliotheken leesbevordering op de agenda van de gemeente?",
    "aansluiten bij de agenda van de raad", "wat staat er op de agenda", "deadlines", "wanneer is de sessie",
    "ik wil mijn accountplan insturen", "hoe krijg ik de wethouder zo ver dat het op de agenda komt",
    "onze agenda zit vol, hoe plannen andere bibliotheken de schoolbezoeken?"])
def test_questions_that_merely_mention_an_agenda_are_not_calendar_requests(text):
    assert not asks_for_calendar(text)


def test_an_empty_feed_is_still_a_calendar_to_subscribe_to():
    body = render(name="dBos po (Sparringbot)")
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["x-wr-calname"]) == "dBos po (Sparringbot)" and not calendar.walk("VEVENT")
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT4H" in body
    assert vobject.readOne(body.decode()).name == "VCALENDAR"


@pytest.mark.parametrize(("text", "role", "command"), [
    ("open het overzicht", "coordinator", "dashboard"), ("Kan ik het dashboard zien?", "coordinator", "dashboard"),
    ("mag ik de inloglink", "coordinator", "dashboard"), ("show me the overview", "coordinator", "dashboard"),
    ("waar vind ik het tabblad overzicht?", "coordinator", "dashboard"),
    ("open het overzicht", "participant", None), ("het overzicht van de kosten", "coordinator", None),
    ("geef me het overzicht van de inzendingen", "coordinator", None), ("kostenoverzicht", "coordinator", None),
    ("zet het in mijn agenda", "coordinator", "calendar"), ("zet het in mijn agenda", "participant", "calendar"),
    ("hoe maak ik een overzicht voor de gemeente?", "coordinator", None),
])
def test_commands_beyond_the_intents_are_read_for_the_right_role(text, role, command):
    assert command_beyond_intents(text, role=role) == command
