"""How steady the machine is: a loop of equal slices of CPU work, and how often one takes far longer.

On a shared virtual machine the host takes the CPU away from time to time, and the guest does
not always count it as steal time. Each such pause lands in some turn's latency, whatever the
bot does, so the tail of a latency figure says as much about the machine as about the code.
This probe runs before the benchmarks and its figures go next to them.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

SLICE_ITERATIONS = 20_000  # about 0.7 ms of Python here
PAUSE_FACTOR = 5  # a slice that takes five times the median was interrupted
PAUSE_MIN_MS = 5.0


@dataclass
class Steadiness:
    """What the probe saw (milliseconds)."""

    seconds: float
    slice_ms: float
    slices: int
    pauses: int
    pauses_per_second: float
    longest_ms: float

    def as_dict(self) -> dict[str, Any]:
        """The figures as plain values."""
        return asdict(self)


def _slice() -> int:
    total = 0
    for i in range(SLICE_ITERATIONS):
        total += i
    return total


def probe(seconds: float = 10.0) -> Steadiness:
    """Run equal slices of work for ``seconds`` and count those that took far longer than the median."""
    warm = []
    for _ in range(100):
        started = time.perf_counter()
        _slice()
        warm.append(time.perf_counter() - started)
    median = sorted(warm)[len(warm) // 2]
    limit = max(median * PAUSE_FACTOR, PAUSE_MIN_MS / 1000)
    pauses, longest, slices = 0, 0.0, 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        _slice()
        took = time.perf_counter() - started
        slices += 1
        longest = max(longest, took)
        pauses += took > limit
    return Steadiness(seconds=seconds, slice_ms=round(median * 1000, 2), slices=slices, pauses=pauses,
                      pauses_per_second=round(pauses / seconds, 2), longest_ms=round(longest * 1000, 1))
