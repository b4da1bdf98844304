"""The Agents SDK peer of the turn benchmark: its answers count, the guardrails are computed from the run.

The peer itself needs its own virtual environment (``.venv-agents``, a minute to build from
PyPI); the test that starts it runs only when that environment is already there, so that
``make test`` neither builds it nor depends on the network. No timing assertions.
"""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from bench import processes, report, turns


def _answering(status: int) -> web.Application:
    async def messages(request: web.Request) -> web.Response:
        await request.json()
        return web.Response(status=status)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


@pytest.mark.parametrize(("status", "errors"), [(200, 0), (201, 0), (202, 0), (401, 3), (500, 3)])
async def test_a_turn_answered_with_any_success_status_of_an_sdk_counts_and_failures_do_not(
        status: int, errors: int) -> None:
    # botbuilder answers 201 after a turn, the Agents SDK 202: both are completed turns.
    server = TestServer(_answering(status), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        script = turns.Script(["k1"], "http://127.0.0.1:9")
        async with ClientSession() as session:
            result = await turns.closed_loop(session, str(server.make_url("/api/messages")), script, 1, 1e9,
                                             max_turns=3)
    finally:
        await server.close()
    assert (result.turns, result.errors) == (3, errors)
    assert result.statuses == {str(status): 3}


def _run(kind: str, level: float, *, throughput: float, p99: float = 10.0, steal: float | None = 0.5) -> dict[str, Any]:
    return {"kind": kind, "level": level, "turns": 100, "errors": 0, "seconds": 1.0, "throughput": throughput,
            "p50": 1.0, "p95": 5.0, "p99": p99, "max": p99, "statuses": {"201": 100}, "rounds": [throughput],
            "steal": steal, "rounds_steal": [steal]}


def _results(*, peer: bool, sqlite_max: float, postgres_max: float) -> dict[str, Any]:
    def bot(best: float, p99: float) -> list[dict[str, Any]]:
        return [_run("open", 50, throughput=50, p99=p99), _run("closed", 10, throughput=best)]

    bots = {"sqlite": bot(sqlite_max, 20.0), "postgres": bot(postgres_max, 40.0), "echo": bot(100, 900.0),
            "bare": bot(2000, 3.0)}
    if peer:
        bots["agents"] = bot(600, 8.0)
    memory = {"sqlite": {"participants": 10, "requests": 10, "rss_start_mb": 90.0, "rss_end_mb": 120.0},
              "postgres": {"participants": 10, "requests": 10, "rss_start_mb": 95.0, "rss_end_mb": 210.0},
              "echo": {"rss_end_mb": 60.0}, "bare": {"rss_end_mb": 30.0}}
    if peer:
        memory["agents"] = {"rss_end_mb": 70.0}
    turns_part: dict[str, Any] = {"bots": bots, "memory": memory}
    if not peer:
        turns_part["peer_missing"] = "its environment could not be built"
    return {"config": {"open_seconds": 30, "open_rounds": 3, "closed_seconds": 5, "closed_rounds": 3},
            "turns": turns_part,
            "instructions": [{"bot": "sqlite", "turns": 70, "errors": 0, "instructions": 7e8, "per_turn": 1e7},
                             {"bot": "agents", "turns": 70, "errors": 0, "instructions": 3.5e8, "per_turn": 5e6}],
            "routing": [{"people": 1000, "build_ms": 1.0, "questions": 10, "p50_ms": 1.0, "p99_ms": 6.0,
                         "max_ms": 7.0, "index_mb": 1.0}],
            "seconds": 12.0}


def _guardrails(text: str) -> dict[str, tuple[str, str]]:
    """The guardrail table's rows: target to (measured, verdict)."""
    start = text.index("## Guardrails")
    rows = {}
    for line in text[start:].splitlines()[4:]:
        if not line.startswith("|"):
            break
        target, measured, verdict = (cell.strip() for cell in line.strip("|").split("|"))
        rows[target] = (measured, verdict)
    return rows


def test_the_guardrail_table_compares_with_the_agents_sdk_peer_and_the_stock_echo_bot(tmp_path: Path) -> None:
    # SQLite 500 turns/s: 0.83x the peer's 600 and 5x the stock bot's 100, both met; PostgreSQL 400:
    # 0.67x the peer's (missed) and 4x the stock bot's (met).
    report.write(_results(peer=True, sqlite_max=500, postgres_max=400), tmp_path)
    rows = _guardrails((tmp_path / "benchmarks.md").read_text())

    assert rows["max throughput >= 0.8x the Agents SDK echo bot's (SQLite)"] == (
        "500 vs 600 turns/s = 0.83x", "**met**")
    assert rows["max throughput >= 0.8x the Agents SDK echo bot's (PostgreSQL)"] == (
        "400 vs 600 turns/s = 0.67x", "**missed**")
    assert rows["max throughput >= 3x the stock echo bot's (SQLite)"] == ("500 vs 100 turns/s = 5.00x", "**met**")
    assert rows["max throughput >= 3x the stock echo bot's (PostgreSQL)"] == ("400 vs 100 turns/s = 4.00x", "**met**")
    assert rows["turn p99 <= 25 ms at 50 turns/s (SQLite)"] == ("20.0 ms (host's steal 0.5%)", "**met**")
    assert rows["turn p99 <= 35 ms at 50 turns/s (PostgreSQL)"] == ("40.0 ms (host's steal 0.5%)", "**missed**")
    assert rows["RSS < 200 MB (SQLite)"] == ("120.0 MB", "**met**")
    assert rows["RSS < 200 MB (PostgreSQL)"] == ("210.0 MB", "**missed**")
    assert rows["routing p99 <= 5 ms at 1,000 people"] == ("6.0 ms", "**missed**")


def test_without_the_peer_its_guardrails_say_why_instead_of_passing(tmp_path: Path) -> None:
    report.write(_results(peer=False, sqlite_max=500, postgres_max=400), tmp_path)
    text = (tmp_path / "benchmarks.md").read_text()
    rows = _guardrails(text)

    for database in ("SQLite", "PostgreSQL"):
        measured, verdict = rows[f"max throughput >= 0.8x the Agents SDK echo bot's ({database})"]
        assert verdict == "n/a" and "its environment could not be built" in measured
    assert rows["max throughput >= 3x the stock echo bot's (SQLite)"][1] == "**met**"


def test_a_guardrail_the_run_did_not_measure_says_so(tmp_path: Path) -> None:
    results = _results(peer=True, sqlite_max=500, postgres_max=400)
    for runs in results["turns"]["bots"].values():
        runs[0]["level"] = 10  # no open loop at 50 turns/s
    results["routing"][0]["people"] = 100
    report.write(results, tmp_path)
    rows = _guardrails((tmp_path / "benchmarks.md").read_text())

    assert rows["turn p99 <= 25 ms at 50 turns/s (SQLite)"][1] == "n/a"
    assert rows["turn p99 <= 35 ms at 50 turns/s (PostgreSQL)"][1] == "n/a"
    assert rows["routing p99 <= 5 ms at 1,000 people"][1] == "n/a"


def test_the_page_can_be_written_again_from_the_raw_figures(tmp_path: Path) -> None:
    results = _results(peer=True, sqlite_max=500, postgres_max=400)
    results["machine"] = {"date": "2026-12-02 03:55 UTC", "cpu": "the run's CPU"}
    (tmp_path / "results.json").write_text(json.dumps(results))

    assert report.main([str(tmp_path / "results.json"), "--out", str(tmp_path / "docs")]) == 0
    text = (tmp_path / "docs" / "benchmarks.md").read_text()
    assert "Date: 2026-12-02 03:55 UTC" in text and "the run's CPU" in text  # the run's machine, not this one


def test_the_page_is_short_figures_and_how_to_reproduce_them(tmp_path: Path) -> None:
    report.write(_results(peer=True, sqlite_max=500, postgres_max=400), tmp_path)
    text = (tmp_path / "benchmarks.md").read_text()

    assert "## How to reproduce" in text and "make bench" in text
    assert "Agents SDK echo bot" in text  # in the turn table and the instruction counts
    assert "Where the time went" not in text and "2026-11-25" not in text  # history lives in git
    assert len(text.splitlines()) < 120


def test_the_peers_requirements_pin_every_package_exactly() -> None:
    lines = [line.strip() for line in processes.AGENTS_REQUIREMENTS.read_text().splitlines()]
    packages = [line for line in lines if line and not line.startswith("#")]

    assert all("==" in line and not line.startswith("-") for line in packages), packages
    assert {line.split("==")[0] for line in packages} >= {
        "microsoft-agents-hosting-aiohttp", "microsoft-agents-hosting-core", "microsoft-agents-activity",
        "microsoft-agents-authentication-msal"}


def test_the_peers_environment_is_not_built_when_asked_not_to(tmp_path: Path) -> None:
    assert processes.agents_python(build=False, venv=tmp_path / "absent") is None
    assert not (tmp_path / "absent").exists()


def test_the_agents_sdk_peer_answers_turns_through_the_fake_connector(tmp_path: Path) -> None:
    python = processes.agents_python(build=False)
    if python is None:
        pytest.skip("the peer's environment (.venv-agents) is not built: python -m bench builds it")
    connector = processes.start_connector()
    agent = None
    try:
        agent = processes.start_agents(tmp_path, python)
        assert agent.url.startswith("http://127.0.0.1:")
        results = asyncio.run(turns.run_interleaved(
            {"agents": (agent.url, ["a0", "a1"])}, connector.url, rates=(5,), open_seconds=0.4,
            concurrencies=(2,), closed_seconds=0.3, rounds=1))
        stats = asyncio.run(_stats(connector.url))
    finally:
        if agent is not None:
            agent.stop()
        connector.stop()
    for result in results["agents"]:
        assert result.errors == 0 and set(result.statuses) <= {"202", "skipped"}, result
    measured = sum(r.turns for r in results["agents"])
    # One echo a turn: the measured turns, and the warm-up's hello and 0-6 steps for each of the two.
    assert measured > 0 and measured + 2 <= stats["accepted"] <= measured + 2 + 2 * 6
    assert not math.isnan(results["agents"][-1].p50)


async def _stats(url: str) -> dict[str, Any]:
    async with ClientSession() as session, session.get(url + "_stats") as response:
        return json.loads(await response.text())


def test_a_new_run_keeps_the_hand_written_section_on_removed_shortcuts(tmp_path: Path) -> None:
    report.write(_results(peer=True, sqlite_max=500, postgres_max=400), tmp_path)
    page = tmp_path / "benchmarks.md"
    section = "## What the removed shortcuts bought\n\n| change | before | after |\n|---|---|---|\n| x | 1 M | 2 M |"
    page.write_text(page.read_text() + "\n" + section + "\n\n## Later heading\n\nnot kept\n")

    report.write(_results(peer=True, sqlite_max=500, postgres_max=400), tmp_path)
    text = page.read_text()
    assert text.count("## What the removed shortcuts bought") == 1 and text.rstrip().endswith(section)
    assert "not kept" not in text
