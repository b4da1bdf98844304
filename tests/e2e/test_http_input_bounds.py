"""No typed input, however long, holds the event loop: bounded once at the edge, through the real endpoint.

Inputs of growing size (up to the largest body the endpoint accepts) go to every step of the
question dialog, to every typed command (read from ``COMMAND_WORDS``, so a new command is
covered without touching this file) and into the confirmation card's fields. A loop watchdog
measures the CPU time of every single step of the event loop (``tests/loop_watchdog.py``): no
step may compute longer than 50 ms. CPU time of the loop's own thread does not grow when
neighbours on a loaded machine steal the CPU, so the bound holds on a busy 2-core CI host; a
normal turn takes a few milliseconds of it.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest

from bot.components import COMPONENTS
from bot.domain.requests import MAX_CONTEXT_CHARS, question_problem
from bot.teams.commands import COMMAND_WORDS
from tests import activities as build
from tests.e2e.test_http_sparring import QUESTION, introduce_people, requests
from tests.loop_watchdog import LoopWatchdog
from tests.security.helpers import app_client, make_settings

STEP_LIMIT_SECONDS = 0.050
WORDS = ("bibliotheek", "school", "leesplezier", "dBos", "kosten", "Exploitatie", "één", "twee", "Netwerk",
         "Beleid", "collega", "adviseur", "geen", "voorkeur", "3", "derde", "first", "the", "2e", "vraag",
         "<at>Jan", "<at>Dia</at>", "\u202e", "\x00")  # unclosed mentions and control characters too


def long_text(kind: str, size: int) -> str:
    """``size`` characters of random words, one long number, or counting ("1 2 3 ...", the recognizer's worst)."""
    if kind == "digits":
        return ("1234567890" * (size // 10 + 1))[:size]
    if kind == "numbers":
        parts, total, n = [], 0, 1
        while total < size:
            parts.append(str(n))
            total += len(parts[-1]) + 1
            n += 1
        return " ".join(parts)[:size]
    rng = random.Random(size)
    parts, total = [], 0
    while True:  # at most ``size`` bytes once in the JSON body, so the largest body still fits the limit
        word = rng.choice(WORDS)
        cost = len(json.dumps(word, ensure_ascii=False).encode()) - 2 + 1
        if total + cost > size:
            return " ".join(parts)
        parts.append(word)
        total += cost


@pytest.fixture
async def client(tmp_path, clock):  # type: ignore[no-untyped-def]
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", tmp_path)
    async with app_client(settings, clock) as app:
        yield app


class Sender:
    """Posts activities as pre-encoded bodies: encoding a megabyte of JSON happens off the loop."""

    def __init__(self, client: Any, connector: Any, watchdog: LoopWatchdog | None, max_body: int):
        self.client, self.connector, self.watchdog, self.max_body = client, connector, watchdog, max_body

    async def post(self, activity: dict[str, Any], label: str) -> None:
        body = await asyncio.to_thread(lambda: json.dumps(activity, ensure_ascii=False).encode())
        assert len(body) <= self.max_body, f"{label}: the test built a body the endpoint refuses"
        if self.watchdog is not None:
            self.watchdog.label = label
        response = await self.client.post("/api/messages", data=body,
                                          headers={"Content-Type": "application/json"})
        assert response.status in (200, 201), f"{label}: {response.status} {await response.text()}"
        await response.read()
        if self.watchdog is not None and self.watchdog.slow:
            pytest.fail("a step of the event loop computed longer than 50 ms:\n" + self.watchdog.report())

    def text(self, text: str) -> dict[str, Any]:
        return build.message(self.connector.url, text, key="anna")

    def submit(self, value: dict[str, Any]) -> dict[str, Any]:
        return build.card_submit(self.connector.url, value, key="anna")

    async def every_place(self, kind: str, size: int) -> None:
        """``size`` characters of ``kind`` at every place where people type."""
        text = await asyncio.to_thread(long_text, kind, size)  # made off the loop: it is the test's work

        def big(room: int = 0) -> str:
            return text[:len(text) - room]

        where = f"{size} chars of {kind}"
        await self.post(self.text(big()), f"free text, {where}")
        for name, words in COMMAND_WORDS.items():
            word = words[0]
            await self.post(self.text(f"{word} {big(len(word) + 1)}"), f"command {name!r} + {where}")
            await self.post(self.text(f"{word}: {big(len(word) + 2)}"), f"command {name!r}: + {where}")
            await self.post(self.text("stop"), f"stop after command {name!r}")
        steps = [("vraag", "start"), (None, "question step"), (QUESTION, "question"),
                 (None, "theme step"), ("Netwerk & Beleid", "theme"), (None, "preference step"),
                 ("Geen voorkeur", "preference"), (None, "context step"), ("nee", "context"),
                 (None, "confirmation step")]
        for answer, label in steps:
            await self.post(self.text(big() if answer is None else answer), f"{label}, {where}")
        confirm = {"dialog": "question.send", "text": QUESTION, "theme": "Netwerk & Beleid", "preference": "any",
                   "context": ""}
        room = 1000 if size > 100_000 else 0  # a card submit's JSON is longer than a message's
        for field_name in ("text", "context", "theme", "preference"):
            await self.post(self.submit({**confirm, field_name: big(room)}), f"card field {field_name}, {where}")
        await self.post(self.text("stop"), f"stop after the dialog, {where}")


async def test_no_input_holds_the_event_loop(client, connector):
    await introduce_people(client, connector)
    max_body = client.server.app[COMPONENTS].settings.max_body_bytes
    # Warm up once (not measured): the first use of a recognizer builds its models, once per process.
    await Sender(client, connector, None, max_body).every_place("numbers", 200)
    sender = Sender(client, connector, None, max_body)
    empty = len(json.dumps(sender.text(""), ensure_ascii=False).encode())
    largest = max_body - empty - 64  # long_text's size is in bytes of the JSON body
    watchdog = LoopWatchdog(limit=STEP_LIMIT_SECONDS)
    sender.watchdog = watchdog
    with watchdog.watching():
        for size in (1_000, 4_000, 40_000, largest):  # small first: before the fix 40 KB already took seconds
            for kind in ("words", "digits", "numbers"):
                await sender.every_place(kind, size)
    assert watchdog.steps > 1000 and not watchdog.slow, watchdog.report()
    # Questions sent along the way (long answers that were still valid ones) are within the domain's limits.
    for row in await requests(client):
        assert question_problem(row.text) is None and len(row.context) <= MAX_CONTEXT_CHARS
