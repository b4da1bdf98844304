"""Understanding benchmark: CPU time per message of ``Understander.understand`` (issue 16: <= 2 ms p99).

Thread CPU time (``time.thread_time``), not wall-clock time: the shared 2-core machines run
other work at the same time, and a message waiting for a core says nothing about our code.
Every utterance of the development set (tests/data/understanding) is read ``rounds`` times,
with each role in turn, from a warm understander (the first call builds caches, as the bot's
first message would once per process).
"""

from __future__ import annotations

import gc
import json
import time
import tracemalloc
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.domain.understanding import ROLES, Understander

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "understanding"


@dataclass
class UnderstandingResult:
    """CPU-time figures per message (ms) and the build cost."""

    messages: int
    build_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    memory_mb: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 100)) - 1))]


def utterances() -> list[str]:
    """The texts of the development set, tune and report."""
    return [json.loads(line)["text"] for name in ("tune.jsonl", "report.jsonl")
            for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def run_understanding(*, rounds: int = 5) -> UnderstandingResult:
    """Understand every development utterance ``rounds`` times and report CPU time per message."""
    texts = utterances()
    gc.collect()
    tracemalloc.start()
    started = time.thread_time()
    understander = Understander()
    build_ms = (time.thread_time() - started) * 1000
    memory_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    for text in texts:  # warm: spelling and stem caches, as after a process's first messages
        understander.understand(text)
    # A round also varies the text (a suffix) so the per-text caches cannot answer every call.
    costs = []
    for number in range(rounds):
        for index, text in enumerate(texts):
            typed = text if number == 0 else f"{text} {number}"
            began = time.thread_time()
            understander.understand(typed, role=ROLES[(index + number) % len(ROLES)])
            costs.append((time.thread_time() - began) * 1000)
    return UnderstandingResult(len(costs), round(build_ms, 1), round(_percentile(costs, 50), 3),
                               round(_percentile(costs, 99), 3), round(max(costs), 3), round(memory_mb, 1))
