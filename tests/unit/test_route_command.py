"""``run_route``: the offline routing command's input checks and output format."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from bot.cli.route import run_route

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "bot" / "data" / "sample_programme.yaml"


def write_lines(path: Path, *lines: object) -> Path:
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
                    encoding="utf-8")
    return path


def route(questions: Path, top: int = 3, directory: Path = SAMPLE) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_route(directory, questions, top, out, err)
    return code, out.getvalue(), err.getvalue()


def test_prints_one_line_per_question_in_input_order(tmp_path):
    questions = write_lines(
        tmp_path / "q.jsonl",
        {"id": "b", "text": "Wat kost dBos po per school en wie betaalt welk deel?", "preference": "adviser",
         "expect": "ignored"},
        "",
        {"id": "a", "text": "Een koepel wil met al zijn scholen tegelijk starten.", "asker": "maarten-oba"},
    )
    code, out, err = route(questions, top=2)
    assert (code, err) == (0, "")
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == ["b", "a"]
    assert records[0]["matches"][0]["person"] == "daniel"
    assert all(len(r["matches"]) <= 2 for r in records)
    assert "maarten-oba" not in [m["person"] for m in records[1]["matches"]]
    match = records[0]["matches"][0]
    assert set(match) == {"person", "score", "reasons"}
    assert isinstance(match["score"], float) and all(isinstance(reason, str) for reason in match["reasons"])
    scores = [m["score"] for m in records[0]["matches"]]
    assert scores == sorted(scores, reverse=True)


def test_top_one_and_fallback(tmp_path):
    questions = write_lines(tmp_path / "q.jsonl", {"id": "x", "text": "Wat eten we vanavond?"},
                            {"id": "y", "text": "Ik wil een ambitiebrief delen", "preference": "any"})
    code, out, _ = route(questions, top=1)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert records[0]["matches"] == [{"person": "dia", "score": 0.0,
                                      "reasons": ["geen goede match: naar de coördinator"]}]
    assert [m["person"] for m in records[1]["matches"]] == ["dia"]


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", "line 2: not valid JSON"),
    ('{"text": "zonder id"}', "line 2: 'id' is missing"),
    ('{"id": "q2"}', "line 2: 'text' is missing"),
    ('{"id": "q2", "text": "vraag", "preference": "iedereen"}', "line 2: unknown preference 'iedereen'"),
    ('["id", "text"]', "line 2: expected a JSON object"),
])
def test_a_bad_line_refuses_everything(tmp_path, line, message):
    questions = write_lines(tmp_path / "q.jsonl", {"id": "q1", "text": "Hoe werk ik met koepels?"}, line)
    code, out, err = route(questions)
    assert (code, out) == (2, "")
    assert message in err


def test_a_bad_directory_is_refused_with_its_problems(tmp_path):
    directory = tmp_path / "dir.yaml"
    directory.write_text("programme:\n  name: X\npeople:\n  - id: a\n    name: A\n    organisation: B\n"
                         "    role: boss\n", encoding="utf-8")
    questions = write_lines(tmp_path / "q.jsonl", {"id": "q1", "text": "koepels"})
    code, out, err = route(questions, directory=directory)
    assert (code, out) == (2, "")
    assert "role" in err and "line 7" in err


def test_an_unreadable_questions_file_is_refused(tmp_path):
    code, out, err = route(tmp_path / "missing.jsonl")
    assert (code, out) == (2, "")
    assert "cannot read" in err


def test_the_dev_directory_works_as_a_copy(tmp_path):
    directory = shutil.copy(REPO / "tests/data/routing/dev_directory.yaml", tmp_path / "dir.yaml")
    questions = write_lines(tmp_path / "q.jsonl", {"id": "m", "text": "Lessen over nepnieuws voor groep 8?"})
    code, out, _ = route(questions, directory=Path(directory))
    assert code == 0 and json.loads(out)["matches"][0]["person"] == "ingrid-kennemerwaard"
