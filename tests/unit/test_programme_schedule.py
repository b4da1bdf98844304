"""The programme file's deadlines: and events: sections: the sample parses, bad entries are named."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.domain.deadlines import Audience, Fulfilment, plan_deadline_reminders, plan_event_messages
from bot.domain.models import Programme
from bot.domain.programme_schedule import parse_deadlines, parse_events
from bot.domain.quiet_hours import QuietHours

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_programme.yaml"
THEMES = Programme("x").themes


class Problems(list):
    def __call__(self, path: tuple[Any, ...], message: str) -> None:
        self.append((path, message))

    @property
    def paths(self) -> list[tuple[Any, ...]]:
        return [path for path, _ in self]


def deadline(**changes: Any) -> dict[str, Any]:
    entry = {"id": "d", "title": "D", "due": "2027-03-28 12:00",
             "fulfilled_by": {"question_theme": "Exploitatie"}}
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def event(**changes: Any) -> dict[str, Any]:
    entry = {"id": "e", "title": "E", "starts": "2027-04-14 10:00"}
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def test_sample_schedule_parses_and_plans_the_newsletter_items():
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    problems = Problems()
    [exploitatie] = parse_deadlines(data["deadlines"], problems, themes=THEMES)
    [sessie] = parse_events(data["events"], problems)
    assert problems == []
    assert exploitatie.id == "exploitatievraag"
    assert exploitatie.due_local == datetime(2027, 3, 28, 12, 0)
    assert exploitatie.audience == Audience("libraries")  # the libraries' deadline: no adviser is reminded
    assert exploitatie.fulfilment == Fulfilment("Exploitatie", ("kostenberekening",), require_all=False)
    assert exploitatie.reminder_days == (14, 3, 1) and exploitatie.reminder_time == time(9, 0)
    assert "offerte of factuur" in exploitatie.description
    assert (sessie.id, sessie.place, sessie.announce_days) == ("sessie-exploitatie", "Leiden", 21)
    assert (sessie.starts_local, sessie.ends_local) == (datetime(2027, 4, 14, 10), datetime(2027, 4, 14, 15))

    zone, now = ZoneInfo("Europe/Amsterdam"), datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    quiet = QuietHours()
    assert len(plan_deadline_reminders(exploitatie, recipients=[1, 2], zone=zone, quiet=quiet, now=now)) == 4
    assert len(plan_event_messages(sessie, recipients=[1, 2], zone=zone, quiet=quiet, now=now)) == 4


def test_absent_sections_mean_none():
    problems = Problems()
    assert parse_deadlines(None, problems) == [] and parse_events(None, problems) == []
    assert problems == []


@pytest.mark.parametrize(("value", "expected"), [
    ("2027-03-28 12:00", datetime(2027, 3, 28, 12, 0)),
    ("2027-03-28T08:30", datetime(2027, 3, 28, 8, 30)),
    ("2027-03-28 9:05:00", datetime(2027, 3, 28, 9, 5)),
    ("2027-03-28", datetime(2027, 3, 28, 12, 0)),                  # a bare date means 12:00
    (yaml.safe_load("d: 2027-03-28")["d"], datetime(2027, 3, 28, 12, 0)),
    (yaml.safe_load("d: 2027-03-28 17:00:00")["d"], datetime(2027, 3, 28, 17, 0)),
])
def test_accepted_due_values(value: Any, expected: datetime):
    problems = Problems()
    [parsed] = parse_deadlines([deadline(due=value)], problems)
    assert problems == [] and parsed.due_local == expected


def test_audiences_and_fulfilment_forms():
    problems = Problems()
    parsed = parse_deadlines([
        deadline(id="a", audience={"role": "colleague"}),
        deadline(id="b", audience={"people": ["maarten-oba", "X@Y.nl"]},
                 fulfilled_by={"documents": ["evaluatieformat", "accountplan"], "require": "all"}),
        deadline(id="c", audience="libraries"),
    ], problems, themes=THEMES)
    assert problems == []
    assert parsed[2].audience == Audience("libraries")
    assert parsed[0].audience == Audience("role", role="colleague")
    assert parsed[1].audience == Audience("people", people=("maarten-oba", "x@y.nl"))
    assert parsed[1].fulfilment == Fulfilment(None, ("evaluatieformat", "accountplan"), require_all=True)


@pytest.mark.parametrize(("changes", "path", "fragment"), [
    ({"due": "28 maart"}, ("deadlines", 0, "due"), "must be a local date and time like 2027-03-28 12:00"),
    ({"due": None}, ("deadlines", 0, "due"), "must be a local date and time"),
    ({"due": "2027-02-30 12:00"}, ("deadlines", 0, "due"), "local date and time"),
    ({"due": yaml.safe_load("d: 2027-03-28 12:00:00+01:00")["d"]}, ("deadlines", 0, "due"), "no time zone"),
    ({"id": "Exploitatie Vraag"}, ("deadlines", 0, "id"), "lowercase"),
    ({"title": " "}, ("deadlines", 0, "title"), "required"),
    ({"audience": "everyone"}, ("deadlines", 0, "audience"), "must be 'all'"),
    ({"audience": {"role": "director"}}, ("deadlines", 0, "audience"), "participant"),
    ({"audience": {"people": []}}, ("deadlines", 0, "audience"), "people"),
    ({"fulfilled_by": None}, ("deadlines", 0, "fulfilled_by"), "required"),
    ({"fulfilled_by": {"require": "any"}}, ("deadlines", 0, "fulfilled_by"), "question_theme, documents"),
    ({"fulfilled_by": {"question_theme": "Financien"}}, ("deadlines", 0, "fulfilled_by", "question_theme"),
     "Exploitatie"),
    ({"fulfilled_by": {"documents": ["begroting"]}}, ("deadlines", 0, "fulfilled_by", "documents"),
     "kostenberekening"),
    ({"fulfilled_by": {"documents": ["overig"], "require": "both"}}, ("deadlines", 0, "fulfilled_by", "require"),
     "'any' or 'all'"),
    ({"reminders": [14, -1]}, ("deadlines", 0, "reminders"), "0 to 365"),
    ({"reminders": "14"}, ("deadlines", 0, "reminders"), "list"),
    ({"reminder_time": yaml.safe_load("t: 10:30")["t"]}, ("deadlines", 0, "reminder_time"), "in quotes"),
    ({"reminder_time": "25:00"}, ("deadlines", 0, "reminder_time"), "09:00"),
])
def test_bad_deadline_is_reported_with_its_path(changes: dict[str, Any], path: tuple[Any, ...], fragment: str):
    problems = Problems()
    assert parse_deadlines([deadline(**changes)], problems, themes=THEMES) == []
    assert path in problems.paths, problems
    assert fragment in dict(problems)[path]


def test_unknown_fields_are_reported_and_reminders_normalised():
    problems = Problems()
    [parsed] = parse_deadlines([deadline(remind=[1], reminders=[1, 14, 3, 14])], problems)
    assert problems.paths == [("deadlines", 0, "remind")] and "unknown field" in problems[0][1]
    assert parsed.reminder_days == (14, 3, 1)


def test_duplicate_ids_and_non_mapping_entries():
    problems = Problems()
    parse_deadlines([deadline(), "exploitatie", deadline()], problems)
    assert problems.paths == [("deadlines", 1), ("deadlines", 2, "id")]
    assert "duplicate id 'd' (also entry 1)" in problems[1][1]


def test_a_section_that_is_not_a_list():
    problems = Problems()
    assert parse_events({"id": "e"}, problems) == []
    assert problems.paths == [("events",)]


@pytest.mark.parametrize(("changes", "path"), [
    ({"starts": None}, ("events", 0, "starts")),
    ({"ends": "2027-04-14 09:00"}, ("events", 0, "ends")),
    ({"ends": "later"}, ("events", 0, "ends")),
    ({"place": 3}, ("events", 0, "place")),
    ({"announce_days": 0}, ("events", 0, "announce_days")),
    ({"audience": {"role": "colleague", "people": ["x"]}}, ("events", 0, "audience")),
    ({"due": "2027-04-14"}, ("events", 0, "due")),
])
def test_bad_event_is_reported_with_its_path(changes: dict[str, Any], path: tuple[Any, ...]):
    problems = Problems()
    parse_events([event(**changes)], problems)
    assert problems.paths == [path]


def test_event_defaults():
    problems = Problems()
    [parsed] = parse_events([event(ends=None, description="  Met   Daniel ")], problems)
    assert problems == []
    assert (parsed.ends_local, parsed.place, parsed.description, parsed.audience) == (None, "", "Met Daniel",
                                                                                     Audience("all"))
