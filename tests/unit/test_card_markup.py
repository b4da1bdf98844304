"""Every card builder shows user-supplied strings as inert text, and ordinary text without backslashes.

The builders are enumerated from their modules: a new public builder without a case here fails
``test_every_card_builder_is_covered``, so it cannot skip the escaping check.
"""

from __future__ import annotations

import inspect
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import cards
from bot.cards import escape
from bot.domain.cost_split import PAYERS, CostAggregate, Stat
from bot.domain.deadlines import Deadline, Event, Fulfilment
from bot.domain.documents import Consent, Document
from bot.domain.models import Participant, Person, Role
from bot.domain.requests import Draft, Preference, SparringRequest, State, Suggestion
from bot.domain.services.documents import PendingUpload
from bot.domain.services.schedule import DeadlineStatus
from bot.features.calendar import cards as calendar_cards
from bot.features.documents import cards as document_cards
from bot.features.documents import cost_cards
from bot.features.help import cards as help_cards
from bot.features.identity import library as library_cards
from bot.features.schedule import cards as schedule_cards
from bot.features.sparring import cards as request_cards
from bot.features.sparring import follow_ups as follow_up_composers
from bot.texts import Catalogue

ORDINARY = "dBos po. Vraag 1-2: kosten (school/bieb) 50%!"
HOSTILE = ("[x](https://evil.example) **vet** _nadruk_ <at>Dia</at> <b>html</b> ![img](https://evil.example/i.png) "
           "`code` ~~weg~~ C:\\map\\*ster*\n# Kop\n- lijst\n1. een\n> quote\n===\n" + ORDINARY)
LIVE = ("[x]", "**vet**", "_nadruk_", "<at>", "<b>", "![img]", "[img]", "`code`", "~~weg~~", "*ster*", "\n# Kop",
        "\n- lijst", "\n1. een", "\n> quote", "\n===")
ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")  # a backslash and the punctuation it makes plain
MODULES = (cards, help_cards, request_cards, document_cards, schedule_cards, cost_cards, follow_up_composers,
           calendar_cards, library_cards)
# Helpers that build elements or plain strings from text the caller already made safe.
NOT_BUILDERS = {"adaptive_card", "heading", "paragraph", "command_button", "card_button", "chat_link", "size_label",
                "escape", "preference_label", "chart_texts"}
ZONE = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
TEXTS = Catalogue.load()

PERSON = Person(id="p1", name=HOSTILE, organisation=HOSTILE, role=Role.COORDINATOR, email="p@x.nl")
PARTICIPANT = Participant(id=1, teams_id="29:a", tenant_id="t", aad_object_id="a", name=HOSTILE, email="a@x.nl",
                          locale="nl-NL", person_id=None)
REQUEST = SparringRequest(id=1, asker_id=1, text=HOSTILE, theme=HOSTILE, preference=Preference.ANY, context=HOSTILE,
                          state=State.SUGGESTED, created_at=NOW, updated_at=NOW, public_ref="r" * 22,
                          suggestions=(Suggestion("p1", 2.5, (HOSTILE,)),), declined_by=("p1",), note=HOSTILE)
DEADLINE = Deadline(id="d1", title=HOSTILE, description=HOSTILE, due_local=datetime(2026, 4, 1, 12, 0),
                    fulfilment=Fulfilment(document_categories=("accountplan",), question_theme="Overig"))
EVENT = Event(id="e1", title=HOSTILE, description=HOSTILE, starts_local=datetime(2026, 4, 2, 10, 0), place=HOSTILE)
STATUS = DeadlineStatus(deadline=DEADLINE, due_at=NOW, done_ids=(1,), open_ids=(1,))
DOCUMENT = Document(id=1, owner_id=1, category="accountplan", deadline_id="d1", consent=Consent.PARTICIPANTS,
                    note=HOSTILE, file_name=HOSTILE, stored_name="s", size=1234, sha256="0" * 64,
                    content_type="application/pdf", created_at=NOW, public_ref="d" * 22)
UPLOAD = PendingUpload(file_name=HOSTILE, stored_name="s", size=10, sha256="0" * 64, content_type="application/pdf")
STAT = Stat(Decimal("1"), Decimal("0.5"), Decimal("2"))
AGGREGATE = CostAggregate(count=3, total=STAT, shares={p: STAT for p in PAYERS})
T = TEXTS.text

CASES: dict[str, Any] = {
    "help_card": lambda: help_cards.help_card(TEXTS, "nl"),
    "welcome_card": lambda: help_cards.welcome_card(TEXTS, "nl", name=HOSTILE, programme=HOSTILE),
    "person_label": lambda: cards.paragraph(cards.person_label(PERSON)),
    # With a library typed by the asker: "Name (Library)", both parts theirs.
    "asker_label": lambda: request_cards.paragraph(request_cards.asker_label(
        Participant(**{**PARTICIPANT.__dict__, "library": HOSTILE}), None)),
    "confirm_card": lambda: request_cards.confirm_card(TEXTS, "nl", Draft(HOSTILE, HOSTILE, context=HOSTILE),
                                                       [HOSTILE]),
    "request_summary": lambda: cards.adaptive_card(request_cards.request_summary(
        TEXTS, "nl", REQUEST, asker=request_cards.asker_label(PARTICIPANT, None), people={"p1": PERSON})),
    "review_card": lambda: request_cards.review_card(
        TEXTS, "nl", REQUEST, asker=request_cards.asker_label(PARTICIPANT, None), people={"p1": PERSON},
        choices=[PERSON], note=HOSTILE),
    "status_card": lambda: request_cards.status_card(T("review.title", "nl", id=1), [], T(
        "review.done_declined", "nl", actor=HOSTILE, note=HOSTILE)),
    "intro_offer_card": lambda: request_cards.intro_offer_card(TEXTS, "nl", REQUEST, asker=HOSTILE),
    "introduction_card": lambda: request_cards.introduction_card(
        T("intro.to_expert", "nl", asker=HOSTILE, label=HOSTILE, id=1), button="x", email="a@x.nl"),
    "my_requests_card": lambda: request_cards.my_requests_card(TEXTS, "nl", [REQUEST]),
    "request_list_card": lambda: request_cards.request_list_card(TEXTS, "nl", title="t", empty="e",
                                                                 requests=[REQUEST], now=NOW, button="b"),
    "submission_form": lambda: document_cards.submission_form(TEXTS, "nl", UPLOAD, "tok", [DEADLINE], "d1"),
    "receipt_card": lambda: document_cards.receipt_card(TEXTS, "nl", DOCUMENT, duplicate=False,
                                                        deadline_title=HOSTILE, zone=ZONE),
    "examples_card": lambda: document_cards.examples_card(TEXTS, "nl", [DOCUMENT], lambda d: "https://bot/f",
                                                          {1: HOSTILE}),
    "submissions_card": lambda: document_cards.submissions_card(TEXTS, "nl", [DOCUMENT], [DEADLINE], {1: HOSTILE},
                                                                {"d1": [PARTICIPANT]}),
    "deadline_reminder_card": lambda: schedule_cards.deadline_reminder_card(TEXTS, "nl", DEADLINE, ZONE,
                                                                            "https://bot/calendar/item/t.ics"),
    "event_card": lambda: schedule_cards.event_card(TEXTS, "nl", EVENT, ZONE, reminder=True,
                                                    calendar_url="https://bot/calendar/item/t.ics"),
    "calendar_button": lambda: cards.adaptive_card([], [calendar_cards.calendar_button(TEXTS, "nl", "https://b")]),
    "feed_card": lambda: calendar_cards.feed_card(TEXTS, "nl", "https://bot/calendar/feed/1-a.ics",
                                                  "webcal://bot/calendar/feed/1-a.ics", renewed=True),
    "change_card": lambda: calendar_cards.change_card(TEXTS, "nl", "moved", EVENT, EVENT, ZONE, "https://b"),
    "summary_card": lambda: schedule_cards.summary_card(TEXTS, "nl", STATUS, [PARTICIPANT], [PARTICIPANT],
                                                        labels={1: HOSTILE}),
    "overview_card": lambda: schedule_cards.overview_card(TEXTS, "nl", [STATUS], [EVENT], ZONE, NOW,
                                                          coordinator=True, opted_out=[PARTICIPANT]),
    "deadline_form_card": lambda: schedule_cards.deadline_form_card(TEXTS, "nl", themes=[HOSTILE],
                                                                    categories=["accountplan"], existing=DEADLINE),
    "coordinator_deadline_buttons": lambda: cards.adaptive_card([], schedule_cards.coordinator_deadline_buttons(
        TEXTS, "nl", [DEADLINE], [EVENT])),
    "event_form_card": lambda: schedule_cards.event_form_card(TEXTS, "nl", EVENT),
    "cost_form": lambda: cost_cards.cost_form(TEXTS, "nl", "ref", values={"total": HOSTILE},
                                              errors={"total": "cost.invalid_number"}, placeholders={}),
    "cost_overview_card": lambda: cost_cards.overview_card(TEXTS, "nl", AGGREGATE, chart_png=b"\x89PNG"),
    "library_card": lambda: library_cards.library_card(TEXTS, "nl", [HOSTILE], current=HOSTILE, typed=HOSTILE),
    "feedback_card": lambda: follow_up_composers.feedback_card(TEXTS, "nl", REQUEST, HOSTILE),
}


def _builders() -> set[str]:
    found = set()
    for module in MODULES:
        for name, value in vars(module).items():
            if (inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
                    and name not in NOT_BUILDERS):
                found.add("cost_overview_card" if (module, name) == (cost_cards, "overview_card") else name)
    return found


def sinks(card: Any) -> list[str]:
    """Every string Teams renders as markdown: TextBlock texts and FactSet titles and values."""
    found: list[str] = []
    if isinstance(card, dict):
        if card.get("type") == "TextBlock":
            found.append(card.get("text", ""))
        if card.get("type") == "FactSet":
            found += [str(v) for f in card.get("facts", []) for v in (f.get("title"), f.get("value"))]
        for value in card.values():
            found += sinks(value)
    elif isinstance(card, list):
        for value in card:
            found += sinks(value)
    return found


def test_every_card_builder_is_covered():
    assert _builders() == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_live_markup_survives_in_any_card(name):
    card = CASES[name]()
    for text in sinks(card):
        plain = ESCAPED.sub("", text)
        assert not [f for f in LIVE if f in plain], (name, text)
        assert not re.search(r"(?<!\\)\]\((?!https://bot/f\))", text), (name, text)  # only the bot's own link
        assert "\\\\\\\\" not in text, (name, text)  # never escaped twice (one "\\" in the input is "\\\\")
        if ORDINARY[:10] in text:
            assert ORDINARY in text, (name, text)  # ordinary punctuation untouched


def test_escape_touches_only_what_can_become_markup():
    assert escape(ORDINARY) == ORDINARY
    for ordinary in ("Geert-Jan", "anna@bieb.nl", "2026.", "-", "#hashtag", "1-2", "a > b", "50% (ca.)", "C:\\map"):
        assert escape(ordinary) == ordinary
    assert escape("[x](https://e)") == "\\[x\\](https://e)"
    assert escape("- a\n1. b\n# c\n> d\n+ e\ntekst\n---") == "\\- a\n1\\. b\n\\# c\n\\> d\n\\+ e\ntekst\n\\---"
    assert escape("<at>x</at> *a* _b_ `c` ~d~ \\*") == "\\<at>x\\</at> \\*a\\* \\_b\\_ \\`c\\` \\~d\\~ \\\\\\*"
    assert escape(escape("**x**")) == escape("**x**")  # escaping twice changes nothing


def test_catalogue_escapes_values_but_not_its_own_markdown():
    text = TEXTS.text("request.withdrawn_notice", "nl", asker="[x](https://evil.example)", id=3)
    assert text.startswith("\\[x\\](https://evil.example) heeft vraag #3")
    assert TEXTS.text("help.intro", "nl") == TEXTS.plain("help.intro", "nl")
    assert TEXTS.plain("intro.chat_with", "nl", name="*Anna*").endswith("*Anna*")  # button titles show no markdown
