"""Planning reminders, announcements and summaries against a fixed clock; fulfilment; audiences."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import FixedClock
from bot.domain.deadlines import (
    Audience,
    Deadline,
    Event,
    Fulfilment,
    audience_includes,
    is_fulfilled,
    plan_deadline_reminders,
    plan_deadline_summary,
    plan_event_messages,
)
from bot.domain.models import Role
from bot.domain.quiet_hours import QuietHours

AMS = ZoneInfo("Europe/Amsterdam")
QUIET = QuietHours()
TODAY = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

# The newsletter's deadline: "uiterlijk 28 maart" (in 2027 a Sunday, the night of the DST change).
EXPLOITATIE = Deadline(
    id="exploitatievraag", title="Meest brandende vraag over exploitatie", description="",
    due_local=datetime(2027, 3, 28, 12, 0), audience=Audience("all"),
    fulfilment=Fulfilment("Exploitatie", ("kostenberekening",)),
)
SESSIE = Event(
    id="sessie-exploitatie", title="Sessie 1 Exploitatie", description="",
    starts_local=datetime(2027, 4, 14, 10, 0), ends_local=datetime(2027, 4, 14, 15, 0), place="Leiden",
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def reminders(deadline: Deadline, now: datetime, recipients=(42,)):
    return plan_deadline_reminders(deadline, recipients=recipients, zone=AMS, quiet=QUIET, now=now)


def test_newsletter_deadline_reminders():
    planned = reminders(EXPLOITATIE, TODAY)
    assert [(m.key, m.due_at, m.kind, m.subject_id, m.recipient) for m in planned] == [
        # 14 days before is Sunday 14 March: quiet hours move it to Monday 08:00 CET.
        ("deadline:exploitatievraag:p42:14d", utc(2027, 3, 15, 7, 0), "deadline_reminder", "exploitatievraag", 42),
        # Thursday 25 March 09:00 CET.
        ("deadline:exploitatievraag:p42:3d", utc(2027, 3, 25, 8, 0), "deadline_reminder", "exploitatievraag", 42),
        # 1 day before is Saturday: moved to Monday 29 March, after the deadline, so not planned.
    ]


def test_reminder_at_0900_local_is_0800z_before_and_0700z_after_the_spring_change():
    deadline = Deadline("d", "D", "", datetime(2027, 4, 1, 12, 0), reminder_days=(7, 1))  # a Thursday
    assert [m.due_at for m in reminders(deadline, TODAY)] == [utc(2027, 3, 25, 8, 0), utc(2027, 3, 31, 7, 0)]


def test_reminder_at_0900_local_is_0700z_before_and_0800z_after_the_autumn_change():
    deadline = Deadline("d", "D", "", datetime(2027, 11, 4, 12, 0), reminder_days=(7, 1))  # a Thursday
    assert [m.due_at for m in reminders(deadline, TODAY)] == [utc(2027, 10, 28, 7, 0), utc(2027, 11, 3, 8, 0)]


def test_offsets_in_the_past_are_not_planned_as_the_clock_moves():
    clock = FixedClock(TODAY)
    assert len(reminders(EXPLOITATIE, clock.now())) == 2
    clock.set(utc(2027, 3, 20, 12, 0))
    assert [m.key for m in reminders(EXPLOITATIE, clock.now())] == ["deadline:exploitatievraag:p42:3d"]
    clock.set(utc(2027, 3, 25, 8, 0))      # exactly the send moment: still planned
    assert len(reminders(EXPLOITATIE, clock.now())) == 1
    clock.advance(timedelta(seconds=1))
    assert reminders(EXPLOITATIE, clock.now()) == []


def test_reminder_time_after_the_due_time_on_the_due_day_is_not_planned():
    deadline = Deadline("d", "D", "", datetime(2027, 4, 1, 12, 0), reminder_days=(0,), reminder_time=time(9, 0))
    assert [m.due_at for m in reminders(deadline, TODAY)] == [utc(2027, 4, 1, 7, 0)]
    late = Deadline("d", "D", "", datetime(2027, 4, 1, 8, 30), reminder_days=(0,), reminder_time=time(9, 0))
    assert reminders(late, TODAY) == []


def test_keys_are_unique_and_stable_across_runs():
    first = reminders(EXPLOITATIE, TODAY, recipients=[3, 1, 2, 1])
    second = reminders(EXPLOITATIE, TODAY + timedelta(hours=1), recipients=[2, 3, 1])
    assert first == second
    keys = [m.key for m in first]
    assert len(keys) == len(set(keys)) == 6
    assert reminders(EXPLOITATIE, TODAY, recipients=[]) == []


def test_event_announcement_and_reminder():
    planned = plan_event_messages(SESSIE, recipients=[7], zone=AMS, quiet=QUIET, now=TODAY)
    assert [(m.key, m.kind, m.due_at) for m in planned] == [
        ("event:sessie-exploitatie:p7:announce", "event_announcement", utc(2027, 3, 24, 8, 0)),  # Wed 09:00 CET
        ("event:sessie-exploitatie:p7:reminder", "event_reminder", utc(2027, 4, 13, 7, 0)),      # Tue 09:00 CEST
    ]
    later = plan_event_messages(SESSIE, recipients=[7], zone=AMS, quiet=QUIET, now=utc(2027, 4, 1, 0, 0))
    assert [m.kind for m in later] == ["event_reminder"]


def test_event_reminder_for_a_monday_moves_to_monday_morning_if_still_before_the_start():
    monday_nine = Event("e", "E", "", datetime(2027, 5, 10, 9, 0))
    planned = plan_event_messages(monday_nine, recipients=[1], zone=AMS, quiet=QUIET, now=TODAY)
    assert planned[-1].due_at == utc(2027, 5, 10, 6, 0)     # Monday 08:00 CEST
    monday_eight = Event("e", "E", "", datetime(2027, 5, 10, 8, 0))
    planned = plan_event_messages(monday_eight, recipients=[1], zone=AMS, quiet=QUIET, now=TODAY)
    assert [m.kind for m in planned] == ["event_announcement"]


def test_summary_goes_to_each_coordinator_after_the_due_moment_outside_quiet_hours():
    planned = plan_deadline_summary(EXPLOITATIE, coordinators=[5, 9, 5], zone=AMS, now=TODAY)
    assert [(m.key, m.kind, m.due_at) for m in planned] == [
        ("deadline:exploitatievraag:p5:summary", "deadline_summary", utc(2027, 3, 29, 6, 0)),
        ("deadline:exploitatievraag:p9:summary", "deadline_summary", utc(2027, 3, 29, 6, 0)),
    ]
    weekday = Deadline("d", "D", "", datetime(2027, 4, 1, 12, 0))
    [summary] = plan_deadline_summary(weekday, coordinators=[5], zone=AMS, now=TODAY)
    assert summary.due_at == utc(2027, 4, 1, 10, 1)


def test_summary_is_still_planned_shortly_after_the_deadline_but_not_for_old_ones():
    assert len(plan_deadline_summary(EXPLOITATIE, coordinators=[5], zone=AMS, now=utc(2027, 3, 30, 0, 0))) == 1
    assert plan_deadline_summary(EXPLOITATIE, coordinators=[5], zone=AMS, now=utc(2027, 5, 1, 0, 0)) == []


def test_fulfilment_either_or_both():
    either = Fulfilment("Exploitatie", ("kostenberekening",))
    both = Fulfilment("Exploitatie", ("kostenberekening",), require_all=True)
    assert is_fulfilled(either, question_themes=["exploitatie"], document_categories=[])
    assert is_fulfilled(either, question_themes=[], document_categories={"kostenberekening"})
    assert not is_fulfilled(either, question_themes=["Factsheet"], document_categories=["overig"])
    assert not is_fulfilled(both, question_themes=["Exploitatie"], document_categories=[])
    assert is_fulfilled(both, question_themes=["Exploitatie"], document_categories=["kostenberekening"])


def test_fulfilment_with_one_part_and_with_none():
    documents_only = Fulfilment(None, ("evaluatieformat", "ambitiebrief"), require_all=True)
    assert is_fulfilled(documents_only, question_themes=[], document_categories=["ambitiebrief"])
    assert not is_fulfilled(Fulfilment(), question_themes=["Exploitatie"], document_categories=["overig"])


def test_audience_matching():
    who = {"person_id": "maarten-oba", "email": "Maarten@OBA.nl", "role": Role.COLLEAGUE}
    outsider = {"person_id": None, "email": "x@bieb.nl", "role": None}
    assert audience_includes(Audience("all"), **who) and audience_includes(Audience("all"), **outsider)
    assert audience_includes(Audience("role", role="colleague"), **who)
    assert not audience_includes(Audience("role", role="adviser"), **who)
    assert audience_includes(Audience("role", role="participant"), **outsider)
    assert not audience_includes(Audience("role", role="participant"), **who)
    assert audience_includes(Audience("people", people=("maarten-oba",)), **who)
    assert audience_includes(Audience("people", people=("maarten@oba.nl",)), **who)
    assert not audience_includes(Audience("people", people=("eline-bzhe",)), **who)
    assert not audience_includes(Audience("people", people=("x@bieb.nl",)), person_id=None, email=None, role=None)
    assert not audience_includes(Audience("nonsense"), **who)


@pytest.mark.parametrize(("role", "person_id", "included"), [
    (Role.COLLEAGUE, "maarten-oba", True),  # a library colleague in the directory
    (None, None, True),  # a participant outside the directory: they work at a library too
    (Role.ADVISER, "daniel", False),  # Probiblio's advisers are not the libraries
    (Role.COORDINATOR, "dia", False),
])
def test_the_libraries_audience(role, person_id, included):  # type: ignore[no-untyped-def]
    assert audience_includes(Audience("libraries"), person_id=person_id, email=None, role=role) is included
    # "all" is wider: it names the adviser as well (the coordinator is left out by the planner).
    assert audience_includes(Audience("all"), person_id=person_id, email=None, role=role)


def test_the_deadline_form_keeps_the_audience_unless_the_coordinator_chooses_another():
    from bot.domain.services.schedule import deadline_from_form

    listed = Deadline("d", "Titel", "", datetime(2027, 3, 28, 12),
                      audience=Audience("people", people=("anna@bieb.nl",)))
    form = {"title": "Titel", "due_date": "2027-03-28", "deadline_id": "d"}
    assert deadline_from_form(form, {"d"}, listed)["audience"] == {"people": ["anna@bieb.nl"]}
    assert deadline_from_form({**form, "audience": "people"}, {"d"}, listed)["audience"] == {"people": ["anna@bieb.nl"]}
    assert deadline_from_form({**form, "audience": "libraries"}, {"d"}, listed)["audience"] == "libraries"
    assert deadline_from_form({**form, "audience": "adviser"}, {"d"}, listed)["audience"] == {"role": "adviser"}
    assert deadline_from_form({"title": "Nieuw"}, set())["audience"] == "all"  # a card from before the choice
    assert deadline_from_form({"title": "Nieuw", "audience": "iedereen"}, set())["audience"] == "iedereen"  # refused
