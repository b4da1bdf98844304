"""Write ``benchmarks.md`` and the PNG plots from a results dictionary.

The page is the figures of one run, the guardrails of issue 17 with a verdict computed from
them, and how to reproduce them; what changed between runs, and why, is in git's history.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.charts import bar_chart

PACKAGES = ("botbuilder-core", "botbuilder-integration-aiohttp", "aiohttp", "SQLAlchemy", "aiosqlite", "asyncpg",
            "msrest")
NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL", "echo": "stock echo bot", "bare": "bare aiohttp relay",
         "agents": "Agents SDK echo bot"}
TURN_TARGETS = {"sqlite": 25.0, "postgres": 35.0}
# Issue 17's throughput guardrails: at least this multiple of each echo bot's maximum turns a second.
THROUGHPUT_TARGETS = (("agents", 0.8, "the Agents SDK echo bot's"), ("echo", 3.0, "the stock echo bot's"))
PEER_REQUIREMENTS = Path(__file__).resolve().parent / "agents_sdk" / "requirements.txt"


def machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), "0")
    try:
        postgres = subprocess.run(["postgres", "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        postgres = "not installed"
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (missing)")
    # The peer runs in its own environment: its versions are the pinned ones.
    peer = [line.strip().replace("==", " ") for line in PEER_REQUIREMENTS.read_text().splitlines()
            if line.startswith("microsoft-agents-")]
    import sqlite3

    return {"cpus": str(os.cpu_count()), "cpu": cpu, "memory": f"{int(memory) / 1024 / 1024:.1f} GB",
            "python": platform.python_version(), "os": platform.platform(), "sqlite": sqlite3.sqlite_version,
            "postgres": postgres, "packages": ", ".join(versions), "peer_packages": ", ".join(peer),
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def _mark(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def _by(results: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in results if r["kind"] == kind]


def write(results: dict[str, Any], out: Path) -> Path:
    """Write ``out/benchmarks.md`` and the plots in ``out/bench/`` from one run's results.

    Args:
        results: What ``python -m bench`` measured (the content of ``bench/results.json``); its
            ``machine`` entry, when there, describes the machine of the run, else this one is.
        out: The documentation directory.

    Returns:
        The page's path.
    """
    plots = out / "bench"
    plots.mkdir(parents=True, exist_ok=True)
    info = {**machine(), **results.get("machine", {})}
    targets: list[tuple[str, str, str]] = []
    sections: list[str] = []
    turns = results.get("turns")
    if turns:
        sections += _turns_section(turns, plots, targets)
    if results.get("instructions"):
        sections += _instructions_section(results["instructions"])
    if results.get("fanout"):
        sections += _fanout_section(results["fanout"], plots, targets)
    if results.get("routing"):
        sections += _routing_section(results["routing"], plots, targets)
    if results.get("understanding"):
        sections += _understanding_section(results["understanding"], targets)
    if results.get("dashboard"):
        sections += _dashboard_section(results["dashboard"], targets)
    if turns:
        sections += _memory_section(turns, plots, targets)
    lines = ["# Benchmarks", "",
             "The figures of one `make bench` run on one machine, and the guardrails of issue 17 judged on them. "
             "Raw figures: [`bench/results.json`](bench/results.json). Earlier runs, and what changed between "
             "them, are in git: `git log -p -- docs/benchmarks.md bench/`.", "",
             "## Guardrails", "", "| target | measured | verdict |", "|---|---|---|",
             *(f"| {t} | {m} | {v} |" for t, m, v in targets), "",
             *_method(results.get("config", {})), "",
             "## Machine and versions", "",
             f"- Date: {info['date']} (whole run {results.get('seconds', '?')} s)",
             f"- CPUs (`nproc`): {info['cpus']}, {info['cpu']}; memory {info['memory']}",
             f"- OS: {info['os']}", f"- Python {info['python']}; SQLite {info['sqlite']}; {info['postgres']}",
             f"- Packages: {info['packages']}",
             f"- Agents SDK echo bot (own environment, `bench/agents_sdk/requirements.txt`): "
             f"{info.get('peer_packages', '?')}",
             *_steadiness_line(results.get("steadiness")), "", *sections]
    path = out / "benchmarks.md"
    lines += _kept_sections(path)
    path.write_text("\n".join(lines).rstrip("\n") + "\n")
    return path


# Sections of the page written by hand from measurements outside ``make bench`` (before and after a
# change, from ``python -m bench.instructions``): a new run keeps them, at the end of the page.
KEPT_SECTIONS = ("## What the removed shortcuts bought",)


def _kept_sections(path: Path) -> list[str]:
    """The :data:`KEPT_SECTIONS` of the page at ``path`` as it is, each up to the next ``## `` heading."""
    if not path.exists():
        return []
    text = path.read_text()
    kept: list[str] = []
    for heading in KEPT_SECTIONS:
        start = text.find(f"\n{heading}\n")
        if start < 0:
            continue
        end = text.find("\n## ", start + 1)
        kept += ["", text[start + 1:end if end >= 0 else len(text)].rstrip("\n")]
    return kept


def _method(config: dict[str, Any]) -> list[str]:
    open_seconds, open_rounds = config.get("open_seconds", "?"), config.get("open_rounds", 1)
    closed_seconds, closed_rounds = config.get("closed_seconds", "?"), config.get("closed_rounds", "?")
    return [
        "## How to reproduce", "",
        "`make bench` on a quiet machine (PostgreSQL's binaries and valgrind installed; about 25 minutes). It "
        "sets up `.venv`, builds the Agents SDK echo bot's own `.venv-agents` from "
        "`bench/agents_sdk/requirements.txt` once, and writes this page. Parts: `python -m bench --parts turns` "
        "(`--no-postgres`, `--no-peer`, `--rates 10,50`, `--open-seconds 6`), `python -m bench.instructions`, "
        "`python -m bench.profile` (the bot's CPU a turn by thread; `--py-spy` to sample it), "
        "`python -m bench.queue_model` (the latency a turn's cost allows). "
        "A smoke version runs in the tests (`tests/unit/test_bench_smoke.py`, `tests/unit/test_bench_peer.py`).",
        "",
        "Method. Every process runs on this one machine: `sparringbot serve` on SQLite and on PostgreSQL "
        "(10,000 participants and requests inserted beforehand), the stock botbuilder echo bot "
        "(`bench/echo_bot.py`), the Agents SDK echo bot (`bench/agents_echo.py`), a bare aiohttp relay "
        "(`bench/bare_bot.py`, the floor: a turn's two HTTP hops and nothing else), the fake Bot Connector "
        "(`bench/connector.py`) and the load generator (`bench/turns.py`). Simulated participants run the real "
        "question dialog (`help`, `vraag`, question, theme, preference, `nee`, the card's submit); a turn's "
        "latency is the HTTP round trip until the bot answers (201, the Agents SDK 202), its reply delivered to "
        "the connector. Open loop: Poisson arrivals at a rate, "
        f"{open_seconds:g} s per bot in {open_rounds} rounds; closed loop: N participants each sending when "
        f"answered, {closed_rounds} rounds of {closed_seconds:g} s, the median round counting. The bots take "
        "turns in the same minutes, rotating, each round starting on an idle machine, so a ratio between two "
        "bots does not measure the machine's drift. `steal` is the share of CPU the host took for other "
        "guests during a round (`/proc/stat`): latency targets hold on a quiet host, not while it takes a "
        "tenth of the CPU.",
    ] if isinstance(open_seconds, int | float) and isinstance(closed_seconds, int | float) else [
        "## How to reproduce", "", "`make bench` on a quiet machine; `python -m bench --help` for its parts."]


def _throughput_targets(bots: dict[str, Any], missing: str | None, targets: list[tuple[str, str, str]]) -> list[str]:
    """Issue 17's throughput guardrails: our maximum turns a second over each echo bot's, per database."""
    best = {name: max((r["throughput"] for r in _by(runs, "closed")), default=0.0) for name, runs in bots.items()}
    lines = []
    for peer, factor, whose in THROUGHPUT_TARGETS:
        for name in ("sqlite", "postgres"):
            if name not in bots:
                continue
            target = f"max throughput >= {factor:g}x {whose} ({NAMES[name]})"
            if not best.get(peer):
                why = (missing if peer == "agents" and missing else f"{NAMES[peer]} not part of this run")
                targets.append((target, f"not measured: {why}", _mark(None)))
                continue
            ratio = best[name] / best[peer]
            targets.append((target, f"{best[name]:g} vs {best[peer]:g} turns/s = {ratio:.2f}x",
                            _mark(ratio >= factor)))
            lines.append(f"- {NAMES[name]}: maximum {best[name]:g} turns/s = **{ratio:.2f}x** {whose} "
                         f"{best[peer]:g}.")
    return lines


def _turns_section(turns: dict[str, Any], plots: Path, targets: list[tuple[str, str, str]]) -> list[str]:
    bots = turns["bots"]
    lines = ["## 1. Turns over HTTP", "",
             "Latencies over all the rounds' turns; `rounds` gives each round's p99 (open loop) or turns a "
             "second (closed loop), with the host's steal in brackets.", "",
             "| bot | load | turns | errors | turns/s | p50 ms | p95 ms | p99 ms | max ms | steal | rounds (steal) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, results in bots.items():
        for r in results:
            load = f"open {r['level']:g}/s" if r["kind"] == "open" else f"closed {r['level']:g}"
            steals = r.get("rounds_steal") or [None] * len(r.get("rounds", []))
            rounds = ", ".join(f"{x:g}" + (f" ({st:g}%)" if st is not None else "")
                               for x, st in zip(r.get("rounds", []), steals, strict=False))
            steal = f"{r['steal']:g}%" if r.get("steal") is not None else ""
            lines.append(f"| {NAMES.get(name, name)} | {load} | {r['turns']} | {r['errors']} | {r['throughput']} | "
                         f"{r['p50']} | {r['p95']} | {r['p99']} | {r['max']} | {steal} | {rounds} |")
    lines.append("")
    lines += _throughput_targets(bots, turns.get("peer_missing"), targets)
    for name in ("sqlite", "postgres"):
        if name not in bots:
            continue
        at50 = next((r for r in _by(bots[name], "open") if r["level"] == 50), None)
        if at50 is None:
            targets.append((f"turn p99 <= {TURN_TARGETS[name]:g} ms at 50 turns/s ({NAMES[name]})",
                            "not measured: no open loop at 50 turns/s in this run", _mark(None)))
        else:
            steal = f" (host's steal {at50['steal']:g}%)" if at50.get("steal") is not None else ""
            targets.append((f"turn p99 <= {TURN_TARGETS[name]:g} ms at 50 turns/s ({NAMES[name]})",
                            f"{at50['p99']} ms{steal}", _mark(at50["p99"] <= TURN_TARGETS[name])))
    lines.append("")
    opened = {n: _by(rs, "open") for n, rs in bots.items()}
    groups = [f"{r['level']:g}/s" for r in next(iter(opened.values()))]
    bar_chart(plots / "turn_latency_p99.png", "Turn latency p99 (ms), open loop", groups,
              {NAMES.get(n, n): [r["p99"] for r in rs] for n, rs in opened.items()}, unit="ms", target=25,
              cap=500)
    closed = {n: _by(rs, "closed") for n, rs in bots.items()}
    groups = [f"{r['level']:g} concurrent" for r in next(iter(closed.values()))]
    bar_chart(plots / "turn_throughput.png", "Turns per second, closed loop", groups,
              {NAMES.get(n, n): [r["throughput"] for r in rs] for n, rs in closed.items()}, unit="turns/s")
    lines += ["![p99 latency, open loop](bench/turn_latency_p99.png)", "",
              "![throughput, closed loop](bench/turn_throughput.png)", ""]
    return lines


def _steadiness_line(probe: dict[str, Any] | None) -> list[str]:
    if not probe:
        return []
    return [f"- Steadiness (`bench/steadiness.py`, before the run): of {probe['slices']:,} equal slices of CPU "
            f"work ({probe['slice_ms']} ms each) in {probe['seconds']:g} s, {probe['pauses']} took five times as "
            f"long or more ({probe['pauses_per_second']} a second, the longest {probe['longest_ms']} ms): pauses "
            "the host took from the process, which land in some turn's latency whatever the bot does."]


def _instructions_section(counts: list[dict[str, Any]]) -> list[str]:
    lines = ["### Instructions per turn", "",
             "Turns a second move with the machine; instructions do not. `python -m bench.instructions` runs "
             "each bot under `valgrind --tool=callgrind` (every thread counted), warms it up, and counts a fixed "
             "number of the same turns, one at a time (SQLite, the seeded database). Not a speed ratio: much of "
             "the stock bot's count is a tight loop in C (msrest's retry policy) at several instructions a cycle, "
             "where our turn is mostly the Python interpreter.", "",
             "| bot | turns counted | errors | instructions a turn |", "|---|---|---|---|"]
    for c in counts:
        lines.append(f"| {NAMES.get(c['bot'], c['bot'])} | {c['turns']} | {c['errors']} | "
                     f"{c['per_turn'] / 1e6:.2f} M |")
    return lines + [""]


def _fanout_section(runs: list[dict[str, Any]], plots: Path, targets: list[tuple[str, str, str]]) -> list[str]:
    lines = ["## 2. Fan-out through the outbox", "",
             "N participants with a stored personal conversation and one due `message` row each in the outbox "
             "(inserted directly), then `sparringbot serve` (SQLite, DISPATCH_INTERVAL=0.2) delivers them. The "
             "fake connector enforces Teams' limits (per conversation 7/1 s, 8/2 s, 60/30 s, 1800/h; one "
             "global rate per app equal to GLOBAL_SEND_RATE) and answers 429 with `Retry-After: 1` beyond "
             "them; it counts accepted sends, 429s and duplicates; losses are messages it never accepted. "
             "**The 10,000-message runs use GLOBAL_SEND_RATE=300/s (connector limit 300/s)** so they take "
             "about a minute instead of 5.5; a shorter run at the default 30/s is included. In the kill run "
             "the bot gets SIGKILL once half the messages arrived and is started again at once; the rows the "
             "dead process had claimed are taken again when their 2-minute lease expires, which is where the "
             "documented repeats (at most one batch of 50) come from and why that run lasts over 2 minutes.", "",
             "| messages | global rate | kill | seconds | achieved/s | share of rate | 429s | duplicates | "
             "losses | outbox sent |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        kill = f"at {r['kill_at']} (restart {r['restart_seconds']} s)" if r["killed"] else "no"
        lines.append(f"| {r['messages']} | {r['global_rate']:g}/s | {kill} | {r['seconds']} | {r['achieved_rate']} | "
                     f"{100 * r['share_of_rate']:.1f}% | {r['throttled']} | {r['duplicates']} | {r['losses']} | "
                     f"{r['outbox_sent']} |" + (" (timed out)" if r["timed_out"] else ""))
        label = f"fan-out {r['messages']} at {r['global_rate']:g}/s" + (" with kill" if r["killed"] else "")
        ok = r["share_of_rate"] >= 0.9 and r["losses"] == 0 and (r["duplicates"] == 0 or r["killed"])
        if r["killed"]:
            ok = r["losses"] == 0 and r["duplicates"] <= 50
            targets.append((f"{label}: 0 losses, repeats <= one batch (50)",
                            f"{r['losses']} losses, {r['duplicates']} repeats", _mark(ok)))
        else:
            targets.append((f"{label}: >= 90% of rate, 0 duplicates, 0 losses",
                            f"{100 * r['share_of_rate']:.1f}%, {r['duplicates']} dup., {r['losses']} lost",
                            _mark(ok)))
    lines.append("")
    bar_chart(plots / "fanout_rate.png", "Fan-out: achieved vs allowed send rate (msg/s)",
              [f"{r['global_rate']:g}/s{' kill' if r['killed'] else ''}" for r in runs],
              {"allowed": [r["global_rate"] for r in runs], "achieved": [r["achieved_rate"] for r in runs]},
              unit="msg/s")
    lines += ["For comparison, Microsoft's Company Communicator reported about 750-1,100 messages a minute "
              "(12.5-18 a second) in its users' issues.", "",
              "![fan-out rate](bench/fanout_rate.png)", ""]
    return lines


def _routing_section(runs: list[dict[str, Any]], plots: Path, targets: list[tuple[str, str, str]]) -> list[str]:
    lines = ["## 3. Routing", "",
             "`Router` (bot/domain/routing) over synthetic directories of varied Dutch profiles (names, "
             "organisations, 2-5 topics and 2-4 expertise sentences drawn from a vocabulary; `bench/routing.py`), "
             "the shipped thesaurus, generated Dutch questions with all three preferences and a load map. "
             "In-process, one question at a time.", "",
             "| people | index build ms | questions | p50 ms | p99 ms | max ms | index memory MB (tracemalloc) |",
             "|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['people']} | {r['build_ms']} | {r['questions']} | {r['p50_ms']} | {r['p99_ms']} | "
                     f"{r['max_ms']} | {r['index_mb'] if r['index_mb'] is not None else ''} |")
    at1000 = next((r for r in runs if r["people"] == 1000), None)
    if at1000:
        targets.append(("routing p99 <= 5 ms at 1,000 people", f"{at1000['p99_ms']} ms",
                        _mark(at1000["p99_ms"] <= 5)))
    else:
        targets.append(("routing p99 <= 5 ms at 1,000 people", "not measured: no directory of 1,000 people "
                        "in this run", _mark(None)))
    bar_chart(plots / "routing_latency.png", "Routing latency per question (ms)", [str(r["people"]) for r in runs],
              {"p50": [r["p50_ms"] for r in runs], "p99": [r["p99_ms"] for r in runs]}, unit="ms", target=5)
    lines += ["", "![routing latency](bench/routing_latency.png)", ""]
    return lines


def _understanding_section(run: dict[str, Any], targets: list[tuple[str, str, str]]) -> list[str]:
    targets.append(("understanding p99 <= 2 ms CPU a message", f"{run['p99_ms']} ms", _mark(run["p99_ms"] <= 2)))
    return ["## 3b. Understanding", "",
            "`Understander.understand` (bot/domain/understanding) on every utterance of the development set "
            "(tests/data/understanding), each role in turn, from a warm understander; `bench/understanding.py`. "
            "Thread CPU time per message, because wall-clock time on the shared 2-core machine follows the "
            "other work on it.", "",
            "| messages | build ms (CPU) | p50 ms | p99 ms | max ms | memory MB (tracemalloc, build) |",
            "|---|---|---|---|---|---|",
            f"| {run['messages']} | {run['build_ms']} | {run['p50_ms']} | {run['p99_ms']} | {run['max_ms']} | "
            f"{run['memory_mb']} |", ""]


def _dashboard_section(run: dict[str, Any], targets: list[tuple[str, str, str]]) -> list[str]:
    pages = run["pages"]
    worst = max((page["p95_ms"] for page in pages), default=0.0)
    targets.append(("overview pages p95 <= 200 ms (server, paged)", f"{worst} ms (slowest page)",
                    _mark(worst <= 200 and all(page["status"] == 200 for page in pages))))
    lines = ["## 3c. The coordinator's overview", "",
             f"Every page of the overview tab with {run['participants']:,} participants, {run['requests']:,} "
             f"requests and {run['documents']:,} documents (SQLite), the coordinator signed in; "
             "`bench/dashboard.py`. Round trips on loopback from a client in the same process, so an upper "
             "bound of the server's time. *first* is the first fetch (templates compiled; the deadlines board "
             "and the health figures computed from every participant, then kept until their data changes).", "",
             "| page | status | first ms | p50 ms | p95 ms | max ms |", "|---|---|---|---|---|---|"]
    lines += [f"| {p['page']} | {p['status']} | {p['first_ms']} | {p['p50_ms']} | {p['p95_ms']} | {p['max_ms']} |"
              for p in pages]
    return [*lines, ""]


def _memory_section(turns: dict[str, Any], plots: Path, targets: list[tuple[str, str, str]]) -> list[str]:
    memory = turns["memory"]
    lines = ["## 4. Memory", "", "Resident memory (VmRSS) of the `serve` process, one second after start and after "
             "the turn benchmark, with the participants and requests inserted beforehand.", "",
             "| process | participants | requests | RSS after start MB | RSS after turns MB |", "|---|---|---|---|---|"]
    for name, m in memory.items():
        lines.append(f"| {NAMES.get(name, name)} | {m.get('participants', '')} | {m.get('requests', '')} | "
                     f"{m.get('rss_start_mb', '')} | {m.get('rss_end_mb', '')} |")
        if name in TURN_TARGETS:
            targets.append((f"RSS < 200 MB ({NAMES[name]})", f"{m['rss_end_mb']} MB", _mark(m["rss_end_mb"] < 200)))
    names = [n for n in memory if n in TURN_TARGETS]
    bar_chart(plots / "memory.png", "serve RSS (MB)", [NAMES[n] for n in names],
              {"after start": [memory[n]["rss_start_mb"] for n in names],
               "after turns": [memory[n]["rss_end_mb"] for n in names]}, unit="MB", target=200)
    lines += ["", "![memory](bench/memory.png)", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.report [results.json]``: write the page and plots again from a run's raw figures."""
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m bench.report", description=main.__doc__)
    docs = Path(__file__).resolve().parents[1] / "docs"
    parser.add_argument("results", type=Path, nargs="?", default=docs / "bench" / "results.json")
    parser.add_argument("--out", type=Path, default=docs, help="where benchmarks.md and bench/ go")
    args = parser.parse_args(argv)
    path = write(json.loads(args.results.read_text()), args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
