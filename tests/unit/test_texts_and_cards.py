import json
import re

import pytest

from bot.cards import escape
from bot.features.help.cards import help_card, welcome_card
from bot.teams.commands import parse_command
from bot.texts import Catalogue, language_for


@pytest.fixture(scope="module")
def texts() -> Catalogue:
    return Catalogue.load()


def test_packaged_catalogue_is_complete(texts: Catalogue):
    assert texts.text("help.title") == "Wat kan Sparringbot voor je doen?"
    assert texts.text("help.title", "en") == "What can Sparringbot do for you?"
    assert texts.text("help.title", "fr") == texts.text("help.title", "nl")


def test_catalogue_refuses_a_missing_language_or_mismatched_placeholders():
    with pytest.raises(ValueError, match="a.b: needs a text"):
        Catalogue.load("a.b:\n  nl: hallo\n")
    with pytest.raises(ValueError, match="different placeholders"):
        Catalogue.load("a.b:\n  nl: hallo {naam}\n  en: hello {name}\n")


@pytest.mark.parametrize(("locale", "language"), [("en-US", "en"), ("en-gb", "en"), ("nl-NL", "nl"),
                                                  (None, "nl"), ("de-DE", "nl")])
def test_language_for_locale(locale, language):
    assert language_for(locale) == language


@pytest.mark.parametrize(("text", "name", "argument"), [
    ("help", "help", ""), ("Hulp!", "help", ""), ("  STOP ", "cancel", ""), ("annuleer", "cancel", ""),
    ("<at>Sparringbot</at> help", "help", ""), ("hallo sparringbot", "hello", "sparringbot"),
    ("Hallo", "hello", ""), ("?", "help", ""), ("Agenda?", "calendar", ""), ("Overzicht?", "dashboard", ""),
    ("Mijn vragen?!", "mine", ""), ("deadlines ?", "deadlines", ""),
    # The argument is kept as typed: only the command word is matched without regard to case.
    ("VRAAG: Hoe pakt Één dBos po aan?", "ask", "Hoe pakt Één dBos po aan?"), ("\u200bHelp", "help", ""),
    ("<at>Sparringbot</at>  Vraag\x07  Wat doet de OBA?", "ask", "Wat doet de OBA?"),
])
def test_commands_are_recognised(text, name, argument):
    parsed = parse_command(text)
    assert parsed is not None and (parsed.name, parsed.argument) == (name, argument)


@pytest.mark.parametrize("text", ["helpdesk", "stoplicht", "ik wil stoppen met roken", "", "hallowereld"])
def test_free_text_is_not_a_command(text):
    assert parse_command(text) is None


def test_cards_are_adaptive_1_5_and_escape_user_text(texts: Catalogue):
    card = welcome_card(texts, "nl", name="**Eve** [x](http://evil)", programme="dBos po")
    assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"
    dumped = json.dumps(card)
    # "\\](" is an escaped bracket: the text shows "[x](http://evil)", not a link.
    assert "**Eve**" not in dumped and not re.search(r"(?<!\\\\)\](?=\()", dumped)
    assert card["body"][0]["text"].startswith("Welkom bij Sparringbot")
    english = help_card(texts, "en", unknown=True, coordinator=True)
    assert english["body"][1]["text"] == texts.text("help.unknown", "en")
    assert [f["title"] for f in english["body"][2]["facts"]] == [
        "vraag", "mijn vragen", "mijn verzoeken", "insturen", "voorbeelden", "deadlines", "herinneringen uit / aan",
        "agenda / agenda nieuw", "open vragen", "inzendingen", "kostenoverzicht", "export", "overzicht",
        "mijn gegevens", "help", "stop"]
    assert [a["data"]["command"] for a in english["actions"]] == ["ask", "mine"]
    # A participant is not shown what only the coordinator can do.
    participant = [f["title"] for f in help_card(texts, "nl")["body"][2]["facts"]]
    assert participant == ["vraag", "mijn vragen", "mijn verzoeken", "insturen", "voorbeelden", "deadlines",
                           "herinneringen uit / aan", "agenda / agenda nieuw", "mijn gegevens", "help", "stop"]


def test_escape_neutralises_markdown():
    assert escape("a*b_[c](d)") == "a\\*b\\_\\[c\\](d)"
    assert escape("anna@bieb.nl, Geert-Jan") == "anna@bieb.nl, Geert-Jan"
    assert escape("- lijst\n1. een") == "\\- lijst\n1\\. een"
    assert escape(None) == ""
