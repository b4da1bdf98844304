"""Turn benchmark: simulated participants talk to a bot over HTTP (``POST /api/messages``).

Each participant follows the real question dialog, over and over: ``help``, ``vraag``, the
question, a theme, a preference, ``nee`` (no context) and the confirmation card's submit. A turn's
latency is the HTTP round trip: the bot answers after the turn completed (botbuilder 201, the
Microsoft 365 Agents SDK 202), its replies having gone to the fake connector.

Open loop: arrivals at random (Poisson) at a fixed offered rate, each taken by an idle
participant. Closed loop: N participants, each sending its next turn as soon as the last one
was answered.

Several bots are measured in the same minutes, taking turns (:func:`run_interleaved`): on a
shared machine whose speed drifts by ten per cent from minute to minute, a ratio between two
bots measured at different times would mostly measure the drift.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp

from bench.steadiness import cpu_times, steal_percent

TENANT = "7d9a3e2b-1c4f-4b8e-9a61-5f0c2d8e4b17"
BOT = {"id": "28:sparringbot-app-id", "name": "Sparringbot"}
QUESTIONS = (
    "Een grote stichting wil met al haar scholen tegelijk starten. Hoe pak ik dat gefaseerd aan?",
    "Hoe krijg ik de koepeldirecteur zover dat de bibliotheek op school in het jaarplan komt?",
    "Welke evaluatieformats gebruiken jullie om de leesmotivatie op scholen te meten?",
    "Hoe financieren andere bibliotheken de uitbreiding naar dertig scholen in één jaar?",
    "Wie heeft ervaring met een accountplan voor gesprekken met de gemeente over de factsheet?",
    "Hoe zetten jullie leesconsulenten in als er te weinig uren zijn voor alle scholen?",
)
THEMES = ("Netwerk & Beleid", "Exploitatie", "Factsheet", "Overig")
STEPS = ("help", "vraag", "question", "theme", "Geen voorkeur", "nee", "submit")
# What a bot answers once its turn is done: botbuilder's adapter 201 (200 for some invokes), the
# Agents SDK's 202. Anything else (a 4xx, a 5xx, a timeout) is an error.
COMPLETED = frozenset({"200", "201", "202"})
_ids = itertools.count(1)


def activity(service_url: str, key: str, *, text: str | None = None,
             value: dict[str, Any] | None = None) -> dict[str, Any]:
    """A personal-chat message (or a card submit) from Teams user ``29:key``."""
    body: dict[str, Any] = {
        "id": f"bench-{next(_ids)}-{time.monotonic_ns()}", "type": "message", "channelId": "msteams",
        "serviceUrl": service_url, "timestamp": "2026-03-03T09:00:00.000Z",
        "from": {"id": f"29:{key}", "aadObjectId": f"aad-{key}"}, "recipient": BOT,
        "conversation": {"conversationType": "personal", "tenantId": TENANT, "id": f"a:personal-{key}"},
        "channelData": {"tenant": {"id": TENANT}}, "locale": "nl-NL",
    }
    if value is not None:
        body["value"] = value
        body["replyToId"] = "m1"
    else:
        body["text"], body["textFormat"] = text, "plain"
    return body


class Script:
    """Where each participant is in the dialog; hands out the next activity."""

    def __init__(self, keys: list[str], service_url: str, seed: int = 1):
        self.keys = keys
        self.service_url = service_url
        self.step = [0] * len(keys)
        self.rng = random.Random(seed)
        self.question = [self.rng.choice(QUESTIONS) for _ in keys]
        self.theme = [self.rng.choice(THEMES) for _ in keys]

    def next(self, index: int) -> dict[str, Any]:
        step = STEPS[self.step[index] % len(STEPS)]
        self.step[index] += 1
        key = self.keys[index]
        if step == "question":
            return activity(self.service_url, key, text=self.question[index])
        if step == "theme":
            return activity(self.service_url, key, text=self.theme[index])
        if step == "submit":
            return activity(self.service_url, key, value={
                "dialog": "question.send", "text": self.question[index], "theme": self.theme[index],
                "preference": "any", "context": ""})
        return activity(self.service_url, key, text=step)

    def hello(self, index: int) -> dict[str, Any]:
        return activity(self.service_url, self.keys[index], text="hallo")


@dataclass
class Result:
    """One load level's figures (latencies in ms)."""

    kind: str
    level: float
    turns: int = 0
    errors: int = 0
    seconds: float = 0.0
    throughput: float = 0.0
    p50: float = float("nan")
    p95: float = float("nan")
    p99: float = float("nan")
    max: float = float("nan")
    statuses: dict[str, int] = field(default_factory=dict)
    rounds: list[float] = field(default_factory=list)
    steal: float | None = None  # per cent of the machine's CPU time the host took during the run
    rounds_steal: list[float | None] = field(default_factory=list)
    samples: list[float] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The figures, without the raw latency samples."""
        figures = asdict(self)
        del figures["samples"]
        return figures


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


async def _post(session: aiohttp.ClientSession, url: str, body: dict[str, Any], latencies: list[float],
                statuses: dict[str, int]) -> None:
    started = time.perf_counter()
    try:
        async with session.post(url, json=body) as response:
            await response.read()
            status = str(response.status)
    except (TimeoutError, aiohttp.ClientError) as error:
        status = type(error).__name__
    latencies.append((time.perf_counter() - started) * 1000)
    statuses[status] = statuses.get(status, 0) + 1


def _summarise(result: Result, latencies: list[float], statuses: dict[str, int], seconds: float) -> Result:
    result.samples = latencies
    result.turns = len(latencies)
    result.errors = sum(n for s, n in statuses.items() if s not in COMPLETED)
    result.seconds = round(seconds, 2)
    result.throughput = round(len(latencies) / seconds, 1) if seconds else 0.0
    result.statuses = dict(statuses)
    for name, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100)):
        setattr(result, name, round(percentile(latencies, q), 1))
    return result


async def warm_up(session: aiohttp.ClientSession, url: str, script: Script, concurrency: int = 8,
                  *, spread: bool = True) -> None:
    """Every participant says hello once (day one), a few at a time.

    With ``spread``, each participant then takes 0 to 6 steps of the dialog, drawn at random,
    so that any stretch of turns that follows is the script's mix (one in seven a confirmation)
    rather than everyone's first steps.
    """
    indexes = deque(range(len(script.keys)))
    latencies: list[float] = []
    statuses: dict[str, int] = {}

    async def hello() -> None:
        while indexes:
            await _post(session, url, script.hello(indexes.popleft()), latencies, statuses)

    await asyncio.gather(*(hello() for _ in range(concurrency)))
    if not spread:
        return
    steps = deque((i, script.rng.randrange(len(STEPS))) for i in range(len(script.keys)))

    async def advance() -> None:
        while steps:
            index, count = steps.popleft()
            for _ in range(count):
                await _post(session, url, script.next(index), latencies, statuses)

    await asyncio.gather(*(advance() for _ in range(concurrency)))


async def open_loop(session: aiohttp.ClientSession, url: str, script: Script, rate: float, seconds: float,
                    *, max_turns: int = 100_000, seed: int = 3) -> Result:
    """Poisson arrivals at ``rate`` a second for ``seconds`` (at most ``max_turns``)."""
    rng = random.Random(seed)
    idle = deque(range(len(script.keys)))
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    tasks: set[asyncio.Task[None]] = set()
    skipped = 0

    async def turn(index: int) -> None:
        try:
            await _post(session, url, script.next(index), latencies, statuses)
        finally:
            idle.append(index)

    loop = asyncio.get_running_loop()
    start = loop.time()
    due = start
    for _ in range(max_turns):
        due += rng.expovariate(rate)
        if due - start > seconds:
            break
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if not idle:  # every participant is waiting for an answer: the arrival is lost
            skipped += 1
            continue
        task = asyncio.create_task(turn(idle.popleft()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=60)
    result = _summarise(Result("open", rate), latencies, statuses, max(seconds, loop.time() - start))
    result.throughput = round(len(latencies) / seconds, 1)
    if skipped:
        result.statuses["skipped"] = skipped
    return result


async def closed_loop(session: aiohttp.ClientSession, url: str, script: Script, concurrency: int,
                      seconds: float, *, max_turns: int = 100_000) -> Result:
    """``concurrency`` participants, each sending its next turn as soon as it was answered."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + seconds

    async def participant(index: int) -> None:
        while loop.time() < deadline and len(latencies) < max_turns:
            await _post(session, url, script.next(index), latencies, statuses)

    await asyncio.gather(*(participant(i) for i in range(min(concurrency, len(script.keys)))))
    return _summarise(Result("closed", concurrency), latencies, statuses, loop.time() - start)


def combine(parts: list[Result]) -> Result:
    """Rounds of one load level as one result: latency percentiles over every turn of every round.

    Closed loop: throughput is the median of the rounds (each listed in ``rounds``). Open loop:
    throughput is all turns over all the rounds' time, and ``rounds`` lists each round's p99.
    """
    latencies = [ms for part in parts for ms in part.samples]
    statuses: dict[str, int] = {}
    for part in parts:
        for status, count in part.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    seconds = sum(p.seconds for p in parts)
    result = _summarise(Result(parts[0].kind, parts[0].level), latencies, statuses, seconds)
    result.rounds_steal = [part.steal for part in parts]
    steals = [part.steal for part in parts if part.steal is not None]
    result.steal = round(statistics.fmean(steals), 1) if steals else None
    if result.kind == "open":
        result.rounds = [part.p99 for part in parts]  # throughput: every turn over every round's time
    else:
        result.rounds = [part.throughput for part in parts]
        result.throughput = round(statistics.median(result.rounds), 1)
    return result


async def run_interleaved(bots: dict[str, tuple[str, list[str]]], service_url: str, *, rates: tuple[float, ...],
                          open_seconds: float, concurrencies: tuple[int, ...], closed_seconds: float,
                          rounds: int, open_rounds: int = 1,
                          settle: Callable[[], Awaitable[object]] | None = None) -> dict[str, list[Result]]:
    """Every bot at every load, taking turns.

    Args:
        bots: Name to (bot URL, participant keys); each bot gets its own participants.
        service_url: The fake connector the activities point to.
        rates: Open-loop offered rates; each rate runs on every bot before the next rate.
        open_seconds: Length of one bot's open loop at one rate, in ``open_rounds`` rounds of equal
            length, the order of the bots rotating from round to round.
        concurrencies: Closed-loop levels.
        closed_seconds: Length of one closed-loop run; each level runs ``rounds`` times on every
            bot, the order of the bots rotating from round to round.
        rounds: Closed-loop rounds.
        open_rounds: Open-loop rounds per rate.
        settle: Awaited before each round, to start it on a quiet machine (every bot idle).

    Returns:
        Per bot: one (combined) result per rate, then one (combined) result per concurrency.
    """
    timeout = aiohttp.ClientTimeout(total=30)
    scripts = {name: Script(keys, service_url) for name, (_, keys) in bots.items()}
    urls = {name: url.rstrip("/") + "/api/messages" for name, (url, _) in bots.items()}
    parts: dict[tuple[str, str, float], list[Result]] = {}
    order = list(bots)

    def rotated(number: int) -> list[str]:
        return order[number % len(order):] + order[:number % len(order)]

    async def measured(run: Awaitable[Result]) -> Result:
        if settle is not None:
            await settle()
        before = cpu_times()
        part = await run
        part.steal = steal_percent(before, cpu_times())
        return part

    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        for name in order:
            await warm_up(session, urls[name], scripts[name])
        for rate in rates:
            for round_number in range(open_rounds):
                for name in rotated(round_number):
                    part = await measured(open_loop(session, urls[name], scripts[name], rate,
                                                    open_seconds / open_rounds, seed=3 + round_number))
                    parts.setdefault((name, "open", rate), []).append(part)
        for round_number in range(rounds):
            for concurrency in concurrencies:
                for name in rotated(round_number):
                    part = await measured(closed_loop(session, urls[name], scripts[name], concurrency,
                                                      closed_seconds))
                    parts.setdefault((name, "closed", concurrency), []).append(part)
    return {name: [combine(parts[(name, "open", rate)]) for rate in rates]
            + [combine(parts[(name, "closed", concurrency)]) for concurrency in concurrencies] for name in order}
