"""The understanding layer (issue 16): the bar on the report split, safety of the destructive
intents, and invariance to the ways people type (case, punctuation, greetings, accents, typos)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.routing.spelling import SpellingCorrector, distance
from bot.domain.understanding import DESTRUCTIVE, DOCUMENT_KINDS, INTENTS, ROLES, Intent, Understander

DATA = Path(__file__).resolve().parents[1] / "data" / "understanding"
TUNE, REPORT = DATA / "tune.jsonl", DATA / "report.jsonl"
# Written later, each before its round of fixes.
FRESH, FRESH2, FRESH3, FRESH4 = (DATA / f"{name}.jsonl" for name in ("fresh", "fresh2", "fresh3", "fresh4"))
UNDERSTANDER = Understander()


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(path: Path) -> dict[str, float]:
    """Intent accuracy, document-kind accuracy where one is named, destructive false positives."""
    rows = records(path)
    right = named = kinds = destructive = 0
    for row in rows:
        result = UNDERSTANDER.understand(row["text"], role=row.get("role", "participant"))
        right += result.intent == row["intent"]
        if kind := row.get("slots", {}).get("document_kind"):
            named += 1
            kinds += result.slots.get("document_kind") == kind
        destructive += result.intent in DESTRUCTIVE and result.intent != row["intent"]
    return {"intent": right / len(rows), "document_kind": kinds / named, "destructive": destructive}


@pytest.mark.parametrize(("path", "floor"), [(REPORT, 0.98), (TUNE, 0.98), (FRESH, 0.95), (FRESH2, 0.95),
                                             (FRESH3, 0.95), (FRESH4, 0.95)])
def test_the_bar_holds_on_the_development_set(path, floor):
    # The bar is 0.90; the floors are the figures in docs/understanding.md, so a change
    # that loses ground on them is a regression.
    figures = evaluate(path)
    assert figures["intent"] >= max(floor, 0.90)
    assert figures["document_kind"] >= 0.90
    assert figures["destructive"] == 0


def test_the_development_set_has_the_promised_size_and_variety():
    tune, report = records(TUNE), records(REPORT)
    assert len(tune) + len(report) >= 250 and len(report) >= 100
    ids = [row["id"] for row in tune + report]
    assert len(ids) == len(set(ids))
    # Only the bare command words ("help", "open vragen") may be in both: the sentences differ.
    shared = {row["text"].lower() for row in tune} & {row["text"].lower() for row in report}
    assert all(len(text.split()) <= 2 for text in shared) and len(shared) <= 10
    for rows in (tune, report):
        assert {row["intent"] for row in rows} == set(INTENTS)
        assert {row.get("role", "participant") for row in rows} == set(ROLES)
        assert {row["slots"]["document_kind"] for row in rows if "document_kind" in row.get("slots", {})} \
            <= set(DOCUMENT_KINDS)
        assert Counter(row["intent"] for row in rows)["ask_question"] >= 30


NEAR_MISSES = [
    "hoe stoppen andere bibliotheken met het verwijderen van oude boeken?",
    "Wij willen stoppen met een school die nooit reageert, hoe zeg je dat?",
    "Hoe verwijderen jullie gegevens van leerlingen uit het leenssysteem?",
    "Mijn gegevens kloppen niet meer, ik werk nu bij een andere bibliotheek",
    "Verwijder mijn gegevens niet, ik doe volgend jaar weer mee",
    "Ik wil mijn gegevens niet laten verwijderen",
    "Wat gebeurt er als ik mijn gegevens verwijder?",
    "Worden mijn gegevens automatisch gewist na afloop van het project?",
    "Wanneer worden mijn gegevens verwijderd?",
    "Moeten we de subsidie stoppen als de gemeente stopt met betalen?",
    "De school wil stoppen met de leesconsulent, wat nu?",
    "Annuleren jullie een sessie als er te weinig scholen komen?",
    "stop met die herinneringen",
    "Stop de reminders",
    "ik wil stoppen met herinneringen",
    "Kan ik mijn vraag verwijderen?",
    "Ik wil mijn accountplan verwijderen en een nieuwe insturen",
    "Hoe wis je de oude collectie uit de catalogus?",
    "Wist je dat de gemeente meebetaalt?",
    "Vergeet niet je kostenberekening in te leveren",
    "Ik vergeet steeds de deadline, kun je me helpen?",
    "Hoe ga je om met een koepel die alles wil schrappen?",
    "stoplicht",
    "Stopt de financiering na dit jaar?",
    "Laat maar weten wanneer de sessie is",
    "nee",
    "How do other libraries stop a partnership that does not work?",
    "Can you delete the old files from the school library?",
    "What happens to my data when the programme ends?",
    "cancel culture in de bibliotheek, hoe gaan jullie daarmee om?",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_destructive_intents_need_explicit_wording(text):
    for role in ROLES:
        result = UNDERSTANDER.understand(text, role=role)
        assert result.intent not in DESTRUCTIVE, (text, role, result)


@pytest.mark.parametrize(("text", "intent"), [
    ("verwijder mijn gegevens", Intent.DELETE_MY_DATA),
    ("Wis al mijn persoonsgegevens", Intent.DELETE_MY_DATA),
    ("delete my data please", Intent.DELETE_MY_DATA),
    ("Vergeet alles wat je over mij weet", Intent.DELETE_MY_DATA),
    ("stop", Intent.CANCEL),
    ("Annuleer!", Intent.CANCEL),
    ("laat maar", Intent.CANCEL),
    ("cancel", Intent.CANCEL),
])
def test_explicit_destructive_wording_is_understood(text, intent):
    assert UNDERSTANDER.understand(text).intent is intent


COMMANDS = [
    ("deadlines", Intent.DEADLINES), ("mijn vragen", Intent.MY_QUESTIONS), ("wat kun je", Intent.HELP),
    ("help", Intent.HELP), ("voorbeelden", Intent.EXAMPLES), ("mijn gegevens", Intent.MY_DATA),
    ("herinneringen uit", Intent.REMINDERS_OFF), ("herinneringen aan", Intent.REMINDERS_ON),
    ("ik wil mijn accountplan insturen", Intent.SUBMIT_DOCUMENT), ("bedankt", Intent.THANKS),
    ("zijn er voorbeelden van ambitiebrieven", Intent.EXAMPLES), ("hoe staat het met mijn vraag", Intent.MY_QUESTIONS),
    ("wanneer moet ik mijn kostenberekening inleveren", Intent.DEADLINES),
    ("verwijder mijn gegevens", Intent.DELETE_MY_DATA), ("annuleer", Intent.CANCEL),
]
GREETINGS = ["", "Hallo ", "Hoi Sparringbot, ", "Goedemorgen! ", "<at>Sparringbot</at> ", "@Sparringbot ", "hey, "]
ENDINGS = ["", "?", "!", ".", "!!", " ?", "?!"]


def _case(text: str, pattern: list[bool]) -> str:
    return "".join(c.upper() if pattern[i % len(pattern)] else c for i, c in enumerate(text))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(command=st.sampled_from(COMMANDS), greeting=st.sampled_from(GREETINGS), ending=st.sampled_from(ENDINGS),
       case=st.lists(st.booleans(), min_size=1, max_size=5))
def test_case_punctuation_greetings_and_mentions_do_not_change_the_intent(command, greeting, ending, case):
    text, intent = command
    typed = greeting + _case(text, case) + ending
    assert UNDERSTANDER.understand(typed).intent is intent, typed


def _typo(word: str, kind: int, at: int) -> str:
    at = 1 + at % (len(word) - 2)  # never the first letter: people rarely get that wrong
    if kind == 0:
        return word[:at] + word[at + 1:]  # a letter left out
    if kind == 1:
        return word[:at] + word[at + 1] + word[at] + word[at + 2:]  # two letters swapped
    return word[:at] + word[at] + word[at:]  # a letter doubled


@settings(max_examples=150, deadline=None, derandomize=True)
@given(command=st.sampled_from([c for c in COMMANDS if c[1] not in DESTRUCTIVE]),
       kind=st.integers(0, 2), at=st.integers(0, 50))
def test_one_small_typo_in_the_longest_word_does_not_change_the_intent(command, kind, at):
    text, intent = command
    longest = max(text.split(), key=len)
    if len(longest) < 5:
        return
    typed = text.replace(longest, _typo(longest, kind, at), 1)
    assert UNDERSTANDER.understand(typed).intent is intent, typed


def test_accents_do_not_matter():
    assert UNDERSTANDER.understand("Wat kün je?").intent is Intent.HELP
    assert UNDERSTANDER.understand("Coördinator: open vragen", role="coordinator").intent is Intent.OPEN_QUESTIONS


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=200))
def test_any_text_gives_a_valid_reading(text):
    result = UNDERSTANDER.understand(text)
    assert result.intent in set(Intent)
    assert 0.0 <= result.confidence <= 1.0
    assert set(result.slots) <= {"document_kind", "theme", "question"}
    assert result.intent not in {a.intent for a in result.alternatives}
    if result.intent is Intent.CANCEL:
        assert len(text.split()) <= 6


def test_a_question_without_command_words_is_a_sparring_question_with_its_text_and_theme():
    text = "De boekenkratten komen te laat aan, hoe doen anderen dat?"
    result = UNDERSTANDER.understand(text)
    assert result.intent is Intent.ASK_QUESTION and result.slots["question"] == text
    money = UNDERSTANDER.understand("Hoe verdelen jullie de kosten van dBos tussen school en gemeente?")
    assert money.slots.get("theme") == "Exploitatie"
    board = UNDERSTANDER.understand("Hoe krijg ik de koepeldirecteur en de wethouder aan tafel?")
    assert board.slots.get("theme") == "Netwerk & Beleid"


def test_the_command_prefix_is_not_part_of_the_question():
    result = UNDERSTANDER.understand("vraag: hoe betrek ik de kwaliteitsmanager bij de visie?")
    assert result.slots["question"] == "hoe betrek ik de kwaliteitsmanager bij de visie?"


def test_confidence_is_high_for_clear_input_and_low_for_unclear_input_with_ranked_guesses():
    clear = UNDERSTANDER.understand("Deadlines?")
    assert clear.intent is Intent.DEADLINES and clear.sure
    gibberish = UNDERSTANDER.understand("asdf qwerty")
    assert gibberish.intent is Intent.UNKNOWN
    unclear = UNDERSTANDER.understand("vragen")
    assert not unclear.sure
    assert 2 <= len(unclear.alternatives) <= 3
    confidences = [unclear.confidence, *(a.confidence for a in unclear.alternatives)]
    assert confidences == sorted(confidences, reverse=True) or unclear.intent is Intent.UNKNOWN


def test_the_role_shifts_the_prior():
    assert UNDERSTANDER.understand("Welke vragen liggen er nog?", role="coordinator").intent is Intent.OPEN_QUESTIONS
    assert UNDERSTANDER.understand("Zijn er vragen voor mij?", role="adviser").intent is Intent.MY_REQUESTS
    with pytest.raises(ValueError, match="unknown role"):
        UNDERSTANDER.understand("hallo", role="boss")


def test_document_kinds_from_the_words_people_use():
    cases = {"Hier is de offerte van de leverancier": "kostenberekening", "acountplan insturen": "accountplan",
             "ik wil de ambitie brief versturen": "ambitiebrief", "input voor de factsheet opsturen": "factsheet-input",
             "ons evaluatieformulier uploaden": "evaluatieformat", "ons projectplan insturen": "overig"}
    for text, kind in cases.items():
        result = UNDERSTANDER.understand(text)
        assert (result.intent, result.slots.get("document_kind")) == (Intent.SUBMIT_DOCUMENT, kind), text


def test_the_spelling_corrector_keeps_known_words_and_refuses_ties():
    corrector = SpellingCorrector(targets=["deadlines", "vragen", "wissen"], known=["wissel"])
    assert corrector.correct("dedlines") == "deadlines"
    assert corrector.correct("vraagen") == "vragen"
    assert corrector.correct("wissel") == "wissel"  # a real word, not a typo of "wissen"
    assert corrector.correct("vra") == "vra"  # too short to guess
    tied = SpellingCorrector(targets=["kast", "kist"], known=[])
    assert tied.correct("kost") == "kost"
    assert distance("ab", "ba") == 1 and distance("kitten", "sitting") == 3


@pytest.mark.parametrize(("text", "intent"), [
    ("Help, waar vind ik de deadlines?", Intent.DEADLINES),  # a request after "Help," is the request
    ("Help, hoe krijgen andere bibliotheken de wethouder mee in de financiering van de leesconsulent?",
     Intent.ASK_QUESTION),  # a long sparring question that starts with "Help" stays one
    ("laat maar, stop", Intent.CANCEL),
    ("ik kom er niet uit", Intent.HELP),
    ("hoe gebruik ik dit?", Intent.HELP),
    ("ik haal mijn gegevens niet weg", Intent.MY_DATA),  # negated: never an erasure
])
def test_the_new_cues_keep_to_their_class(text, intent):
    result = UNDERSTANDER.understand(text)
    assert result.intent is intent, (text, result)


@pytest.mark.parametrize(("text", "role", "not_meant"), [
    ("stop, hoe lang duurt de sessie?", "participant", Intent.CANCEL),  # a clause that is no cancel phrase
    ("nee, ik wil stoppen met de leesconsulent op school", "participant", Intent.CANCEL),
    ("haal ik de deadline nog, ook al is het weg?", "participant", Intent.DELETE_MY_DATA),  # no personal data
    ("wat was excellent aan de sessie", "coordinator", Intent.EXPORT),  # "excellent" is no Excel file
    # Help's phrases mean help only on their own: with the programme's words around them, a question.
    ("wat kan ik doen om de wethouder te overtuigen?", "participant", Intent.HELP),
    ("Wat kan ik doen aan de leesmotivatie van jongens in groep 7?", "participant", Intent.HELP),
    ("ik kom er niet uit met de koepel over de kosten", "participant", Intent.HELP),
    ("hoe werkt dit bij andere bibliotheken met de subsidie?", "participant", Intent.HELP),
    ("help, de directeur wil niet meer meedoen, wat nu?", "participant", Intent.HELP),
])
def test_the_new_cues_do_not_reach_past_their_class(text, role, not_meant):
    assert UNDERSTANDER.understand(text, role=role).intent is not not_meant


# Each round of class fixes (docs/understanding.md), pinned both ways: (text, role, the intent it
# must be) or, with NOT, an intent it must never be.
NOT = object()


@pytest.mark.parametrize(("text", "role", "expected"), [
    # Round two.
    ("Can I send you the evaluation form?", "participant", Intent.SUBMIT_DOCUMENT),
    ("mag ik delen hoe wij het doen met de wethouder?", "participant", Intent.ASK_QUESTION),  # no document
    ("wis alles wat jullie over mij weten", "participant", Intent.DELETE_MY_DATA),
    ("verwijder alle vragen van mij", "participant", (NOT, Intent.DELETE_MY_DATA)),  # questions are no personal data
    ("what does the bot do", "participant", Intent.HELP),
    ("when is the deadline for the account plan", "participant", Intent.DEADLINES),  # English words do not damp it
    # Round three.
    ("de factuur staat klaar, waar moet die naartoe?", "participant", Intent.SUBMIT_DOCUMENT),
    ("waar moet ik met de offerte naartoe, naar de gemeente of de koepel?", "participant", Intent.ASK_QUESTION),
    ("wat is de laatste dag voor de kostenberekening", "participant", Intent.DEADLINES),
    ("wat is de laatste stand van zaken met de koepel?", "participant", Intent.ASK_QUESTION),
    ("ligt er iets bij mij?", "colleague", Intent.MY_REQUESTS),
    ("nee ik wil niet verder", "participant", Intent.CANCEL),
    ("nee, ik wil niet verder met die school", "participant", (NOT, Intent.CANCEL)),  # more than a cancel phrase
    # Round four.
    ("welke vragen kwamen er vandaag binnen?", "coordinator", Intent.OPEN_QUESTIONS),
    ("show me the pending requests", "coordinator", Intent.OPEN_QUESTIONS),
    ("which libraries sent in the cost calculation?", "coordinator", Intent.SUBMISSIONS),
    ("laat de kosten in een grafiek zien", "coordinator", Intent.COST_OVERVIEW),
    ("alle vragen als bestand graag", "coordinator", Intent.EXPORT),
    ("staat er een introductie voor mij klaar?", "adviser", Intent.MY_REQUESTS),
    ("When do I need to hand in the account plan?", "participant", Intent.DEADLINES),
    ("good morning", "participant", Intent.GREETING),
    ("mijn e-mailadres is gewijzigd", "participant", Intent.MY_DATA),
    ("Hoe pakken jullie de kostenverdeling met de gemeente aan?", "participant", Intent.ASK_QUESTION),
    ("hoe ga je om met openstaande facturen van scholen?", "participant", Intent.ASK_QUESTION),
    ("ik wil me uitschrijven voor de nieuwsbrief", "participant", (NOT, Intent.DELETE_MY_DATA)),  # no data named
])
def test_each_round_keeps_to_its_class(text, role, expected):
    result = UNDERSTANDER.understand(text, role=role)
    if isinstance(expected, tuple):
        assert result.intent is not expected[1], (text, result)
    else:
        assert result.intent is expected, (text, result)
