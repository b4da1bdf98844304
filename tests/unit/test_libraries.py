"""Library names as people type them, the libraries to choose from, and "Name (Library)" labels."""

from __future__ import annotations

import pytest

from bot.domain.libraries import (
    LibraryRefused,
    Who,
    clean_library,
    known_libraries,
    needs_library,
    person_label,
    who,
)
from bot.domain.models import Participant, Person, Role

PEOPLE = {
    "dia": Person("dia", "Dia Wesseling", "Probiblio", Role.COORDINATOR),
    "maarten": Person("maarten", "Maarten", "OBA", Role.COLLEAGUE),
    "eline": Person("eline", "Eline", "BZHE", Role.COLLEAGUE),
    "daniel": Person("daniel", "Daniel", "Probiblio", Role.ADVISER),
    "oud": Person("oud", "Oud", "Gesloten Bieb", Role.COLLEAGUE, active=False),
    "zonder": Person("zonder", "Zonder Organisatie", "", Role.COLLEAGUE),
}


def participant(**fields) -> Participant:  # type: ignore[no-untyped-def]
    values = {"id": 2, "teams_id": "29:anna", "tenant_id": None, "aad_object_id": None, "name": "Anna de Vries",
              "email": "anna@bieb.nl", "locale": "nl-NL", "person_id": None, **fields}
    return Participant(**values)


@pytest.mark.parametrize(("typed", "kept"), [
    ("OBA", "OBA"),
    ("  Bibliotheek   Zuid-Holland  Oost ", "Bibliotheek Zuid-Holland Oost"),
    ("Bibliotheek Aa & Hunze", "Bibliotheek Aa & Hunze"),
    ("de Bibliotheek 's-Hertogenbosch", "de Bibliotheek 's-Hertogenbosch"),
    ("Bibliotheek Groningen (Forum)", "Bibliotheek Groningen (Forum)"),
    ("Bibliothèque Café Süd", "Bibliothèque Café Süd"),
])
def test_names_are_kept_as_typed_with_tidy_spaces(typed, kept):  # type: ignore[no-untyped-def]
    assert clean_library(typed) == kept


@pytest.mark.parametrize(("typed", "reason"), [
    ("", "library.empty"),
    (" \n\t ", "library.empty"),
    ("x" * 101, "library.too_long"),
    ("<script>alert(1)</script>", "library.markup"),
    ("**OBA**", "library.markup"),
    ("OBA_", "library.markup"),
    ("`OBA`", "library.markup"),
    ("[OBA](https://evil.example)", "library.link"),
    ("http://oba.nl", "library.link"),
    ("www.oba.nl", "library.link"),
    ("oba.nl", "library.link"),
    ("A", "library.too_short"),
    ("1234", "library.too_short"),
])
def test_bad_names_are_refused_with_a_reason(typed, reason):  # type: ignore[no-untyped-def]
    with pytest.raises(LibraryRefused) as refused:
        clean_library(typed)
    assert refused.value.reason_key == reason
    if reason == "library.too_long":
        assert refused.value.values == {"limit": 100}


def test_a_name_of_exactly_the_limit_is_kept():
    assert clean_library("B" * 100) == "B" * 100


def test_known_libraries_are_the_colleagues_organisations_and_names_given_once_each():
    assert known_libraries(PEOPLE.values()) == ["BZHE", "OBA"]  # not Probiblio, not an inactive person's
    assert known_libraries(PEOPLE.values(), ["oba", " Bibliotheek  Aa ", "", "bibliotheek aa"]) == [
        "Bibliotheek Aa", "BZHE", "OBA"]


def test_labels_name_the_library_and_never_show_an_empty_one():
    assert who(participant(person_id="maarten"), PEOPLE).label == "Maarten (OBA)"
    assert who(participant(library="Bibliotheek Aa"), PEOPLE).label == "Anna de Vries (Bibliotheek Aa)"
    assert who(participant(), PEOPLE).label == "Anna de Vries"
    assert who(participant(name=None), PEOPLE).label == "anna@bieb.nl"
    assert who(None, PEOPLE, unknown="Onbekend") == Who("Onbekend", "")
    assert person_label(PEOPLE["zonder"]) == "Zonder Organisatie"
    assert person_label(PEOPLE["eline"]) == "Eline (BZHE)"
    assert person_label(None) == "?"


def test_only_people_outside_the_directory_without_a_library_need_asking():
    assert needs_library(participant())
    assert not needs_library(participant(library="OBA"))
    assert not needs_library(participant(person_id="maarten"))
    assert not needs_library(None)
