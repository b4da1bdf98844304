"""Routing quality on the development sets (figures reported in docs/routing.md).

The floors are the figures reached when the router was written; a change that lowers them
is a regression. The sets are paraphrased questions, not copies of the profile words.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.directory_file import load_directory_file
from bot.domain.routing import Router, load_thesaurus

DATA = Path(__file__).resolve().parents[1] / "data" / "routing"
REPO = Path(__file__).resolve().parents[2]


def evaluate(directory: Path, questions: Path) -> tuple[int, int, int, int]:
    """(questions, top-1 hits, top-3 hits, times the asker was returned)."""
    people = load_directory_file(directory).people
    router = Router(people, load_thesaurus())
    by_email = {p.email: p.id for p in people if p.email}
    total = top1 = top3 = asker_returned = 0
    for line in questions.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        question = json.loads(line)
        matches = router.rank(question["text"], preference=question.get("preference", "any"),
                              asker=question.get("asker"), top=3)
        found = [m.person for m in matches]
        total += 1
        top1 += found[:1] == [question["expect"]]
        top3 += question["expect"] in found
        asker = (question.get("asker") or "").lower()
        asker_returned += by_email.get(asker, asker) in found
    return total, top1, top3, asker_returned


@pytest.mark.parametrize(("directory", "questions", "count", "top1_floor", "top3_floor"), [
    (DATA / "dev_directory.yaml", DATA / "dev_questions.jsonl", 50, 0.94, 1.0),
    (REPO / "bot/data/sample_programme.yaml", DATA / "sample_questions.jsonl", 18, 0.94, 1.0),
    # Written apart and never tuned on (issue 16, item 6): 22/24 and 23/24 when it was added.
    (REPO / "bot/data/sample_programme.yaml", DATA / "heldout_questions.jsonl", 24, 0.91, 0.95),
])
def test_accuracy_on_the_development_sets(directory, questions, count, top1_floor, top3_floor):
    total, top1, top3, asker_returned = evaluate(directory, questions)
    assert total == count
    assert top1 / total >= max(top1_floor, 0.85)
    assert top3 / total >= max(top3_floor, 0.95)
    assert asker_returned == 0


def test_the_asker_is_never_returned_on_the_dev_set():
    directory = load_directory_file(DATA / "dev_directory.yaml")
    router = Router(directory.people, load_thesaurus())
    emails = {p.email: p.id for p in directory.people if p.email}
    for line in (DATA / "dev_questions.jsonl").read_text(encoding="utf-8").splitlines():
        question = json.loads(line)
        for asker in [p.id for p in directory.people] + list(emails):
            found = [m.person for m in router.rank(question["text"], asker=asker.upper(), top=20)]
            assert emails.get(asker, asker) not in found


def test_the_dev_set_has_the_promised_variety():
    questions = [json.loads(line) for line in (DATA / "dev_questions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(questions) >= 45
    assert {q.get("preference") for q in questions} == {"any", "colleague", "adviser"}
    assert sum(1 for q in questions if q.get("asker")) >= 5
    assert len({q["expect"] for q in questions}) >= 15
