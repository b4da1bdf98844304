"""Routing quality on the development, tuning and held-out sets (figures in docs/routing.md).

The floors are the figures reached when each set was last measured; a change that lowers them
is a regression. The sets are paraphrased questions, not copies of the profile words. The
held-out sets (``heldout*``, ``other_*``) were written apart from the router and are never
tuned on; the tuning sets (``tune_*``) are where changes are tried first.

A question names the expert who should get it (``expect``) and, where two people honestly
fit, the other acceptable one(s) (``also``); top-1 counts either.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.directory_file import load_directory_file
from bot.domain.routing import Router, load_thesaurus

DATA = Path(__file__).resolve().parents[1] / "data" / "routing"
REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "bot/data/sample_programme.yaml"


def read_questions(questions: Path) -> list[dict]:
    """The questions of a JSON Lines file (blank lines skipped)."""
    return [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(directory: Path, questions: Path) -> tuple[int, int, int, int]:
    """(questions, top-1 hits, top-3 hits, times the asker was returned)."""
    people = load_directory_file(directory).people
    router = Router(people, load_thesaurus())
    by_email = {p.email: p.id for p in people if p.email}
    total = top1 = top3 = asker_returned = 0
    for question in read_questions(questions):
        matches = router.rank(question["text"], preference=question.get("preference", "any"),
                              asker=question.get("asker"), top=3)
        found = [m.person for m in matches]
        good = {question["expect"], *question.get("also", ())}
        total += 1
        top1 += bool(found) and found[0] in good
        top3 += bool(good & set(found))
        asker = (question.get("asker") or "").lower()
        asker_returned += by_email.get(asker, asker) in found
    return total, top1, top3, asker_returned


@pytest.mark.parametrize(("directory", "questions", "count", "top1_floor", "top3_floor"), [
    (DATA / "dev_directory.yaml", DATA / "dev_questions.jsonl", 50, 0.94, 1.0),
    (SAMPLE, DATA / "sample_questions.jsonl", 18, 0.94, 1.0),
    # Tuning sets (issue 16, item 6), new questions written for tuning: 29/35, 30/31, 39/40, 30/30 and 29/30.
    (SAMPLE, DATA / "tune_sample_questions.jsonl", 35, 0.82, 0.94),
    (DATA / "dev_directory.yaml", DATA / "tune_dev_questions.jsonl", 31, 0.96, 1.0),
    (DATA / "tune_directory.yaml", DATA / "tune_directory_questions.jsonl", 40, 0.97, 0.97),
    # Written after the changes above; 27/30 when first run (24/30 on the router before them).
    (DATA / "tune_directory2.yaml", DATA / "tune_directory2_questions.jsonl", 30, 0.96, 1.0),
    # Written after all but the last thesaurus lines; 26/30 when first run (21/30 before).
    (DATA / "tune_directory3.yaml", DATA / "tune_directory3_questions.jsonl", 30, 0.93, 1.0),
])
def test_accuracy_on_the_development_and_tuning_sets(directory, questions, count, top1_floor, top3_floor):
    total, top1, top3, asker_returned = evaluate(directory, questions)
    assert total == count
    assert top1 / total >= top1_floor
    assert top3 / total >= top3_floor
    assert asker_returned == 0


@pytest.mark.parametrize(("directory", "questions", "count", "top1_floor", "top3_floor"), [
    # Written apart and never tuned on (issue 16, item 6). When added: 22/24 and 23/24.
    (SAMPLE, DATA / "heldout_questions.jsonl", 24, 0.91, 0.95),
    # Written before the router was changed: 60/70 and 64/70 then, 66/70 and 69/70 after (65/70
    # counting y43 as a miss, see docs/routing.md).
    (SAMPLE, DATA / "heldout2_questions.jsonl", 70, 0.91, 0.97),
    # Written on 3 December, after all routing changes, and run once: 24/24 and 24/24.
    (SAMPLE, DATA / "heldout3_questions.jsonl", 24, 0.95, 0.95),
    # Another programme's directory (10 people): 25/30 and 26/30 before, 26/30 and 28/30 after.
    (DATA / "other_directory.yaml", DATA / "other_questions.jsonl", 30, 0.85, 0.93),
])
def test_accuracy_on_the_held_out_sets(directory, questions, count, top1_floor, top3_floor):
    total, top1, top3, asker_returned = evaluate(directory, questions)
    assert total == count
    assert top1 / total >= max(top1_floor, 0.85)  # the bar for questions it was not tuned on
    assert top3 / total >= top3_floor
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


def test_the_second_held_out_set_has_the_promised_variety():
    questions = read_questions(DATA / "heldout2_questions.jsonl")
    assert len(questions) >= 60
    assert {q["preference"] for q in questions} == {"any", "colleague", "adviser"}
    assert sum(1 for q in questions if q.get("asker")) >= 3
    experts = {p.id for p in load_directory_file(SAMPLE).people}
    assert {q["expect"] for q in questions} == experts  # everyone in the sample programme is asked for
    assert all(set(q.get("also", ())) <= experts for q in questions)
    assert len({q["text"] for q in questions}) == len(questions)
