"""``python -m bench``: run every benchmark of issue 7 and write ``docs/benchmarks.md`` and plots.

Options shrink the run (``--quick`` is what the smoke test uses) or pick a part. Every run is
bounded in count and time, and talks only to 127.0.0.1 and Unix sockets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench import dashboard, fanout, instructions, processes, report, routing, seed, steadiness, turns, understanding

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Config:
    """Sizes of one run; the defaults are the documented run."""

    rates: tuple[float, ...] = (10, 50, 100)
    open_seconds: float = 30.0  # 1,500 turns at 50/s: a p99 of 400 turns was their fourth slowest
    open_rounds: int = 3  # each rate in rounds of open_seconds / open_rounds, the bots taking turns
    concurrencies: tuple[int, ...] = (1, 10, 50)
    closed_seconds: float = 5.0
    closed_rounds: int = 3
    pool: int = 300
    seeded_participants: int = 10_000
    seeded_requests: int = 10_000
    databases: tuple[str, ...] = ("sqlite", "postgres")
    fanout_messages: int = 10_000
    fanout_rate: float = 300.0
    default_rate_messages: int = 900
    fanout_kill: bool = True
    routing_sizes: tuple[int, ...] = (100, 1_000, 10_000)
    routing_questions: int = 500
    instruction_turns: int = 70
    steadiness_seconds: float = 10.0
    understanding_rounds: int = 5
    dashboard_documents: int = 2_000
    dashboard_rounds: int = 10
    parts: tuple[str, ...] = ("steadiness", "turns", "instructions", "fanout", "routing", "understanding",
                              "dashboard")
    # The Agents SDK echo bot, the peer of the guardrails; its environment is built on first use (a minute).
    peer: bool = True
    notes: list[str] = field(default_factory=list)


QUICK = Config(rates=(5,), open_seconds=1.0, open_rounds=2, concurrencies=(2,), closed_seconds=0.5, closed_rounds=2,
               pool=6,
               seeded_participants=20, seeded_requests=20, databases=("sqlite",), fanout_messages=20, fanout_rate=100.0,
               default_rate_messages=0, fanout_kill=False, routing_sizes=(20,), routing_questions=20,
               steadiness_seconds=0.2, understanding_rounds=1, dashboard_documents=20, dashboard_rounds=1,
               parts=("steadiness", "turns", "fanout", "routing", "understanding", "dashboard"), peer=False)


def _postgres() -> Any:
    try:
        from tests.postgres_server import PostgresServer

        return PostgresServer().start()
    except Exception as error:  # not installed here: the PostgreSQL rows are left out, and said so
        print(f"PostgreSQL unavailable ({error}); skipping its rows")
        return None


def _database_url(name: str, work: Path, pg: Any, label: str) -> str:
    if name == "sqlite":
        return f"sqlite+aiosqlite:///{work / (label + '.db')}"
    return pg.create_database(label)


def _peer_python(config: Config) -> tuple[Path | None, str | None]:
    """The peer's Python, or why there is none (said on the page instead of a verdict)."""
    if not config.peer:
        return None, "left out of this run (--no-peer, or --quick without --peer)"
    python = processes.agents_python()
    if python is None:
        return None, "its environment (.venv-agents) could not be built from bench/agents_sdk/requirements.txt"
    return python, None


def run_turns(config: Config, work: Path, pg: Any) -> dict[str, Any]:
    """The turn benchmark: our bot on each database and the echo bots, all up at once, taking turns."""
    out: dict[str, Any] = {"bots": {}, "memory": {}}
    peer_python, missing = _peer_python(config)
    if missing:
        out["peer_missing"] = missing
    connector = processes.start_connector()
    started: dict[str, processes.Process] = {}
    urls: dict[str, str] = {}
    try:
        for database in config.databases:
            if database == "postgres" and pg is None:
                continue
            url = urls[database] = _database_url(database, work, pg, f"turns_{database}")
            seed.turn_database(url, participants=config.seeded_participants, requests=config.seeded_requests,
                               service_url=connector.url)
            # Each its own files directory: serve sweeps files its database does not know at start-up.
            (work / database).mkdir(exist_ok=True)
            started[database] = processes.start_serve(url, work / database, log_name=f"serve-{database}.log")
            time.sleep(1.0)
            out["memory"][database] = {"rss_start_mb": round(started[database].rss_mb(), 1),
                                       "participants": config.seeded_participants,
                                       "requests": config.seeded_requests}
        started["echo"] = processes.start_echo(work)
        started["bare"] = processes.start_echo(work, module="bench.bare_bot")
        if peer_python is not None:
            started["agents"] = processes.start_agents(work, peer_python)
        pool = min(config.pool, config.seeded_participants)
        prefixes = {"echo": "e", "bare": "b", "agents": "a"}
        bots = {name: (process.url, [f"{prefixes.get(name, 's')}{i}" for i in range(pool)])
                for name, process in started.items()}
        print(f"turns: {', '.join(bots)}, taking turns ...", flush=True)
        pids = [process.pid for process in (*started.values(), connector)]
        results = asyncio.run(turns.run_interleaved(
            bots, connector.url, rates=config.rates, open_seconds=config.open_seconds,
            concurrencies=config.concurrencies, closed_seconds=config.closed_seconds, rounds=config.closed_rounds,
            open_rounds=config.open_rounds, settle=lambda: processes.until_idle(pids)))
        for name, process in started.items():
            out["memory"].setdefault(name, {})["rss_end_mb"] = round(process.rss_mb(), 1)
            out["bots"][name] = [r.as_dict() for r in results[name]]
    finally:
        for process in started.values():
            process.stop()
        connector.stop()
    from storage.tables import RequestRow

    for database, url in urls.items():
        created = asyncio.run(seed.count_rows(url, RequestRow)) - config.seeded_requests
        out["memory"][database]["requests_created"] = created
    return out


def run_fanouts(config: Config, work: Path) -> list[dict[str, Any]]:
    runs = []
    plans = [(config.fanout_messages, config.fanout_rate, False)]
    if config.fanout_kill:
        plans.append((config.fanout_messages, config.fanout_rate, True))
    if config.default_rate_messages:
        plans.append((config.default_rate_messages, 30.0, False))
    for number, (messages, rate, kill) in enumerate(plans):
        print(f"fan-out: {messages} messages at {rate:g}/s{' with a kill' if kill else ''} ...", flush=True)
        url = f"sqlite+aiosqlite:///{work / f'fanout{number}.db'}"
        result = fanout.run_fanout(url, work, database="sqlite", messages=messages, global_rate=rate, kill_half=kill)
        runs.append(result.as_dict())
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the smoke test)")
    parser.add_argument("--out", type=Path, default=REPO / "docs", help="where benchmarks.md and bench/ go")
    parser.add_argument("--work", type=Path, help="scratch directory (default: a temporary one)")
    parser.add_argument("--parts", help="comma-separated: steadiness,turns,instructions,fanout,routing,understanding,"
                                        "dashboard")
    parser.add_argument("--fanout-messages", type=int)
    parser.add_argument("--fanout-rate", type=float, help="GLOBAL_SEND_RATE and the connector's limit")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-kill", action="store_true", help="skip the fan-out run with a kill")
    peer = parser.add_mutually_exclusive_group()
    peer.add_argument("--peer", action="store_true", help="run the Agents SDK echo bot (--quick leaves it out)")
    peer.add_argument("--no-peer", action="store_true", help="leave the Agents SDK echo bot out")
    parser.add_argument("--rates", help="comma-separated open-loop rates, e.g. 10,50")
    parser.add_argument("--open-seconds", type=float, help="open loop per rate and bot, over all rounds")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else Config()
    if args.parts:
        config = replace(config, parts=tuple(p.strip() for p in args.parts.split(",")))
    if args.fanout_messages:
        config = replace(config, fanout_messages=args.fanout_messages)
    if args.fanout_rate:
        config = replace(config, fanout_rate=args.fanout_rate)
    if args.no_postgres:
        config = replace(config, databases=tuple(d for d in config.databases if d != "postgres"))
    if args.no_kill:
        config = replace(config, fanout_kill=False)
    if args.peer or args.no_peer:
        config = replace(config, peer=args.peer)
    if args.rates:
        config = replace(config, rates=tuple(float(r) for r in args.rates.split(",")))
    if args.open_seconds:
        config = replace(config, open_seconds=args.open_seconds)
    work = args.work or Path(tempfile.mkdtemp(prefix="sparringbot-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # The machine and versions of this run, so that the page can be written again from results.json alone.
    results: dict[str, Any] = {"config": {k: v for k, v in config.__dict__.items() if k != "notes"},
                               "machine": report.machine()}
    started = time.monotonic()
    pg = _postgres() if "turns" in config.parts and "postgres" in config.databases else None
    try:
        if "steadiness" in config.parts:
            print("steadiness of the machine ...", flush=True)
            results["steadiness"] = steadiness.probe(config.steadiness_seconds).as_dict()
        if "turns" in config.parts:
            results["turns"] = run_turns(config, work, pg)
        if "instructions" in config.parts:
            if instructions.available():
                print("instructions (valgrind) ...", flush=True)
                (work / "instructions").mkdir(exist_ok=True)
                peer_python = _peer_python(config)[0]
                counts = instructions.run_instructions(work / "instructions", count=config.instruction_turns,
                                                       participants=5, seeded=config.seeded_participants,
                                                       agents_python=peer_python)
                results["instructions"] = [c.as_dict() for c in counts]
            else:
                print("valgrind is not installed: no instruction counts", flush=True)
        if "fanout" in config.parts:
            results["fanout"] = run_fanouts(config, work)
        if "routing" in config.parts:
            print("routing ...", flush=True)
            results["routing"] = [r.as_dict() for r in routing.run_routing(
                config.routing_sizes, max_questions=config.routing_questions)]
        if "understanding" in config.parts:
            print("understanding ...", flush=True)
            results["understanding"] = understanding.run_understanding(rounds=config.understanding_rounds).as_dict()
        if "dashboard" in config.parts:
            print("the overview's pages ...", flush=True)
            (work / "dashboard").mkdir(exist_ok=True)
            results["dashboard"] = {
                "participants": config.seeded_participants, "requests": config.seeded_requests,
                "documents": config.dashboard_documents,
                "pages": [p.as_dict() for p in dashboard.run_dashboard(
                    f"sqlite+aiosqlite:///{work / 'dashboard' / 'dashboard.db'}", work / "dashboard",
                    participants=config.seeded_participants, requests=config.seeded_requests,
                    documents=config.dashboard_documents, rounds=config.dashboard_rounds)]}
    finally:
        if pg is not None:
            pg.stop()
    results["seconds"] = round(time.monotonic() - started, 1)
    out = args.out
    (out / "bench").mkdir(parents=True, exist_ok=True)
    (out / "bench" / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    report.write(results, out)
    print(f"wrote {out / 'benchmarks.md'} in {results['seconds']} s")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
