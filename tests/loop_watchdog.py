"""A watchdog for the event loop: how much CPU each single step of the loop takes.

One step (a callback, or a task running up to its next ``await``) that computes for long holds
every other user's turn back. asyncio's debug mode reports slow steps by *wall* time, which on a
loaded CI machine also counts the time neighbours stole the CPU; this watchdog counts the CPU
time of the loop's own thread (``time.thread_time``) instead, so a step is only "slow" when it
really computed that long. Time the thread spent in the garbage collector is left out: a full
collection of the whole heap can land on any step, whatever that step did.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SlowStep:
    """A step that took longer than the limit."""

    seconds: float
    callback: str
    label: str
    where: str = ""


@dataclass
class LoopWatchdog:
    """Measures every step the loop of the installing thread runs.

    Attributes:
        limit: CPU seconds a single step may take.
        label: What the test is doing now (goes into the report of a slow step).
        slow: The steps over the limit, in order.
        steps: How many steps were measured (a test can check that it measured something).
        longest: The longest step seen, in CPU seconds.
    """

    limit: float
    label: str = ""
    slow: list[SlowStep] = field(default_factory=list)
    steps: int = 0
    longest: float = 0.0
    _gc_seconds: float = 0.0
    _gc_started: float | None = None
    _thread: int = 0
    # Where the loop's thread was, sampled every few milliseconds: shows what a slow step did.
    _samples: collections.deque[tuple[float, str]] = field(default_factory=lambda: collections.deque(maxlen=2000))
    _sampling: threading.Event = field(default_factory=threading.Event)

    def _sample(self) -> None:
        while not self._sampling.wait(0.005):
            frame = sys._current_frames().get(self._thread)
            if frame is not None:
                stack = traceback.extract_stack(frame, limit=12)
                where = " <- ".join(f"{f.name} ({f.filename.rsplit('/', 2)[-1]}:{f.lineno})" for f in stack[::-1][:6])
                self._samples.append((time.monotonic(), where))

    def _where(self, started: float, ended: float) -> str:
        seen = collections.Counter(where for at, where in list(self._samples) if started <= at <= ended)
        return seen.most_common(1)[0][0] if seen else "(no sample)"

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if threading.get_ident() != self._thread:
            return
        if phase == "start":
            self._gc_started = time.thread_time()
        elif self._gc_started is not None:
            self._gc_seconds += time.thread_time() - self._gc_started
            self._gc_started = None

    @contextmanager
    def watching(self) -> Iterator[LoopWatchdog]:
        """Measure the steps of the current thread's loop until the block ends."""
        handle_class = asyncio.events.Handle
        original = handle_class._run
        self._thread = threading.get_ident()
        watchdog = self

        def _run(handle: Any) -> None:
            if threading.get_ident() != watchdog._thread:
                return original(handle)  # another thread's loop (the fake connector's)
            gc_before = watchdog._gc_seconds
            started, wall = time.thread_time(), time.monotonic()
            try:
                return original(handle)
            finally:
                spent = time.thread_time() - started - (watchdog._gc_seconds - gc_before)
                watchdog.steps += 1
                watchdog.longest = max(watchdog.longest, spent)
                if spent > watchdog.limit:
                    watchdog.slow.append(SlowStep(spent, repr(handle)[:300], watchdog.label,
                                                  watchdog._where(wall, time.monotonic())))

        handle_class._run = _run  # type: ignore[method-assign]
        gc.callbacks.append(self._on_gc)
        sampler = threading.Thread(target=self._sample, name="loop-watchdog-sampler", daemon=True)
        sampler.start()
        try:
            yield self
        finally:
            handle_class._run = original  # type: ignore[method-assign]
            gc.callbacks.remove(self._on_gc)
            self._sampling.set()
            sampler.join(5)

    def report(self) -> str:
        """The slow steps, one a line, for an assertion message."""
        return "\n".join(f"{s.seconds * 1000:.0f} ms CPU while {s.label}: {s.callback}\n    mostly in {s.where}"
                         for s in self.slow)
