"""``sparringbot understand``: the contract on held-out data (issue 16), end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.cli.main import main
from bot.domain.understanding import INTENTS

REPO = Path(__file__).resolve().parents[2]


def write_lines(path: Path, *lines: object) -> Path:
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
                    encoding="utf-8")
    return path


def test_one_json_line_per_utterance_in_input_order(tmp_path, capsys):
    utterances = write_lines(
        tmp_path / "u.jsonl",
        {"id": "b", "text": "ik wil mijn accountplan insturen", "intent": "ignored"},
        "",
        {"id": "a", "text": "Hallo Sparringbot, deadlines?"},
        {"id": 7, "text": "open vragen", "role": "coordinator"},
        {"id": "q", "text": "De boekenkratten komen te laat aan, hoe doen anderen dat?"},
    )
    assert main(["understand", "--utterances", str(utterances)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == ["b", "a", 7, "q"]
    assert all(set(r) == {"id", "intent", "slots", "confidence"} for r in records)
    assert all(r["intent"] in INTENTS and 0 <= r["confidence"] <= 1 for r in records)
    assert records[0]["intent"] == "submit_document" and records[0]["slots"] == {"document_kind": "accountplan"}
    assert [r["intent"] for r in records[1:3]] == ["deadlines", "open_questions"]
    assert records[3]["intent"] == "ask_question"
    assert records[3]["slots"]["question"] == "De boekenkratten komen te laat aan, hoe doen anderen dat?"


def test_a_bad_file_is_refused_whole_with_line_numbers_in_plain_english(tmp_path, capsys):
    utterances = write_lines(
        tmp_path / "u.jsonl",
        {"id": "ok", "text": "help"},
        "{not json",
        ["a", "list"],
        {"text": "no id"},
        {"id": "x", "text": ""},
        {"id": "y", "text": "hoi", "role": "boss"},
        {"id": "ok", "text": "again"},
        {"id": True, "text": "a boolean id"},
        {"id": "long", "text": "a" * 20_000},
    )
    assert main(["understand", "--utterances", str(utterances)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "refused, nothing understood" in err
    for expected in ("line 2: not valid JSON", "line 3: expected a JSON object", "line 4: 'id' is missing",
                     "line 5: 'text' is missing", "line 6: unknown role 'boss'", "line 7: id 'ok' was already used "
                     "on line 1", "line 8: 'id' is missing", "line 9: 'text' is longer than"):
        assert expected in err, expected
    assert "Traceback" not in err


def test_an_unreadable_file_is_said_plainly(tmp_path, capsys):
    assert main(["understand", "--utterances", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read the file" in capsys.readouterr().err
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert main(["understand", "--utterances", str(binary)]) == 2
    assert "cannot read the file" in capsys.readouterr().err


def test_the_console_command_runs_without_heavy_imports(tmp_path):
    utterances = write_lines(tmp_path / "u.jsonl", {"id": "1", "text": "bedankt!"})
    code = ("import sys, runpy; sys.argv = ['sparringbot', 'understand', '--utterances', sys.argv[1]]; "
            "from bot.cli.main import main; code = main(); "
            "heavy = [m for m in ('botbuilder.core', 'aiohttp', 'sqlalchemy') if m in sys.modules]; "
            "print(heavy, code)")
    result = subprocess.run([sys.executable, "-c", code, str(utterances)], cwd=REPO, capture_output=True, text=True,
                            timeout=60)
    lines = result.stdout.splitlines()
    assert json.loads(lines[0])["intent"] == "thanks", result.stderr
    assert lines[1] == "[] 0"
