"""How steady the machine is: a loop of equal slices of CPU work, and how often one takes far longer.

On a shared virtual machine the host takes the CPU away from time to time, and the guest does
not always count it as steal time. Each such pause lands in some turn's latency, whatever the
bot does, so the tail of a latency figure says as much about the machine as about the code.
This probe runs before the benchmarks and its figures go next to them.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PROC_STAT = Path("/proc/stat")
STEAL_FIELD = 7  # user nice system idle iowait irq softirq steal ... (proc(5))

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


def cpu_times(path: Path = PROC_STAT) -> list[int] | None:
    """The machine's CPU time so far, per kind (``/proc/stat``'s first line), or None off Linux."""
    try:
        return [int(value) for value in path.read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None


def steal_percent(before: list[int] | None, after: list[int] | None) -> float | None:
    """Share of the machine's CPU time between two :func:`cpu_times` that the host took (steal), in per cent.

    A hypervisor that runs other guests on the same physical CPUs counts the time it took from
    ours as steal: while it is high, every process here runs slower, whatever it does.
    """
    if before is None or after is None or len(before) <= STEAL_FIELD or len(after) <= STEAL_FIELD:
        return None
    deltas = [a - b for a, b in zip(after, before, strict=False)]
    total = sum(deltas[:STEAL_FIELD + 1])  # guest time is already counted in user and nice
    return round(100 * deltas[STEAL_FIELD] / total, 1) if total > 0 else None
