from pathlib import Path

import pytest

from bot.directory_file import load_directory_file, parse_directory_text
from bot.domain.errors import DirectoryFileError
from bot.domain.models import Role

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_programme.yaml"


def test_sample_programme_parses():
    directory = load_directory_file(SAMPLE)
    assert directory.programme.timezone == "Europe/Amsterdam"
    ids = [p.id for p in directory.people]
    assert ids[0] == "dia" and "maarten-oba" in ids
    dia = directory.people[0]
    assert dia.role is Role.COORDINATOR and dia.email == "dwesseling@probiblio.nl"


def test_bad_file_is_refused_whole_with_line_and_field():
    text = """programme:
  name: Test
people:
  - id: dia
    name: Dia
    organisation: Probiblio
    role: coordinator
  - id: x
    name: X
    organisation: Y
    role: boss
    capacity: -1
"""
    with pytest.raises(DirectoryFileError) as caught:
        parse_directory_text(text)
    problems = caught.value.problems
    assert "line 11: people[2].role: must be one of coordinator, colleague, adviser; got 'boss'" in problems
    assert any(p.startswith("line 12: people[2].capacity") for p in problems)


def test_missing_field_points_at_the_entry():
    text = "programme:\n  name: T\npeople:\n  - id: dia\n    role: coordinator\n    name: D\n"
    with pytest.raises(DirectoryFileError) as caught:
        parse_directory_text(text)
    assert caught.value.problems == ["line 4: people[1].organisation: required, a non-empty text"]


def test_duplicates_unknown_fields_and_no_coordinator():
    text = """programme: {name: T}
people:
  - {id: a, name: A, organisation: O, role: colleague, email: a@x.nl, colour: red}
  - {id: a, name: B, organisation: O, role: adviser, email: A@x.nl}
"""
    with pytest.raises(DirectoryFileError) as caught:
        parse_directory_text(text)
    joined = "\n".join(caught.value.problems)
    assert "people[1].colour: unknown field" in joined
    assert "duplicate id 'a'" in joined
    assert "duplicate email" in joined
    assert "role 'coordinator'" in joined


def test_not_yaml_names_the_line():
    with pytest.raises(DirectoryFileError, match="not valid YAML"):
        parse_directory_text("programme:\n  name: [unclosed\n")
