"""The benchmarks at tiny sizes, so they cannot rot. No timing assertions: benchmarks are not tests."""

from __future__ import annotations

import json
from pathlib import Path

from bench import processes
from bench.__main__ import main


def test_every_benchmark_runs_at_tiny_sizes(tmp_path: Path) -> None:
    # The Agents SDK peer joins when its environment is already built (building it takes a minute
    # and the network: `python -m bench` does that, never the tests).
    peer = processes.agents_python(build=False) is not None
    out = tmp_path / "docs"
    assert main(["--quick", "--out", str(out), "--work", str(tmp_path / "work")] + (["--peer"] if peer else [])) == 0

    results = json.loads((out / "bench" / "results.json").read_text())
    assert results["steadiness"]["slices"] > 0
    assert set(results["turns"]["bots"]) == {"sqlite", "echo", "bare"} | ({"agents"} if peer else set())
    assert ("peer_missing" in results["turns"]) is not peer
    for bot, runs in results["turns"]["bots"].items():
        assert runs, bot
        assert [len(run["rounds"]) for run in runs] == [2, 2]  # open and closed loop, two rounds each
        assert [len(run["rounds_steal"]) for run in runs] == [2, 2]
        assert all(run["turns"] > 0 and run["errors"] == 0 for run in runs), (bot, runs)
    assert results["turns"]["memory"]["sqlite"]["requests_created"] > 0  # the dialog really completed
    [fanout] = results["fanout"]
    assert (fanout["losses"], fanout["duplicates"], fanout["outbox_sent"]) == (0, 0, fanout["messages"])
    assert [run["people"] for run in results["routing"]] == [20]
    assert results["understanding"]["messages"] >= 250
    pages = results["dashboard"]["pages"]
    assert len(pages) == 10 and all(page["status"] == 200 for page in pages), pages
    text = (out / "benchmarks.md").read_text()
    assert "## Guardrails" in text and "## 3. Routing" in text and "## 3b. Understanding" in text
    assert "## 3c. The coordinator's overview" in text
    assert "Steadiness" in text
    assert ("| **met** |" in text or "| **missed** |" in text) and "Agents SDK echo bot's (SQLite)" in text
    for plot in ("turn_latency_p99", "turn_throughput", "fanout_rate", "routing_latency", "memory"):
        assert (out / "bench" / f"{plot}.png").read_bytes().startswith(b"\x89PNG")


def test_the_profiling_run_works_at_tiny_sizes(capsys) -> None:  # type: ignore[no-untyped-def]
    from bench.profile import main as profile

    assert profile(["--bot", "sqlite", "--participants", "2", "--seconds", "0.5", "--seeded", "12", "--pool", "6"]) == 0
    printed = capsys.readouterr().out
    assert "bot_cpu_ms_per_turn=" in printed and "errors=0" in printed
    # The split by thread: the event loop's user and system time, and the driver's threads.
    assert "main_user_ms_per_turn=" in printed and "other_threads_ms_per_turn=" in printed


def test_instruction_counts_at_tiny_sizes(tmp_path: Path) -> None:
    import pytest

    from bench import instructions

    if not instructions.available():
        pytest.skip("valgrind is not installed")
    sqlite, echo = instructions.run_instructions(tmp_path, participants=1, count=7, seeded=12)
    assert (sqlite.bot, echo.bot) == ("sqlite", "echo")
    for count in (sqlite, echo):
        assert count.turns == 7 and count.errors == 0
        assert count.instructions > 1_000_000  # counting was really on for those turns


def test_the_queue_model_runs_and_behaves_like_a_queue(capsys) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from bench.queue_model import main as queue_model
    from bench.queue_model import simulate

    assert queue_model(["--rate", "50"]) == 0
    assert "| ms a plain turn | busy | p50 ms | p99 ms |" in capsys.readouterr().out
    # Sanity of the model itself: an idle server answers in the service time; more work, longer tail.
    p50, p99, busy = simulate(rate=1, turn_ms=5, confirm_factor=1, after_confirm_ms=0, arrivals=2_000)
    assert p50 == pytest.approx(5) and p99 == pytest.approx(5) and busy < 0.01
    cheap = simulate(rate=50, turn_ms=4, confirm_factor=2.2, after_confirm_ms=5, arrivals=20_000)
    dear = simulate(rate=50, turn_ms=8, confirm_factor=2.2, after_confirm_ms=5, arrivals=20_000)
    assert cheap[1] < dear[1] and cheap[2] < dear[2]


def test_steal_is_the_hosts_share_of_the_cpu_time_between_two_readings(tmp_path: Path) -> None:
    from bench.steadiness import cpu_times, steal_percent

    stat = tmp_path / "stat"
    #                  user nice system idle iowait irq softirq steal guest guest_nice
    stat.write_text("cpu  100 0 50 800 10 0 0 40 7 0\ncpu0 1 2 3\n")
    before = cpu_times(stat)
    stat.write_text("cpu  160 0 70 900 10 0 0 60 9 0\n")
    after = cpu_times(stat)

    assert before == [100, 0, 50, 800, 10, 0, 0, 40, 7, 0]
    assert steal_percent(before, after) == 10.0  # 20 of 200 (guest time is inside user, not added)
    assert steal_percent(after, after) is None  # no time passed
    assert cpu_times(tmp_path / "absent") is None and steal_percent(None, after) is None



def test_a_bar_chart_is_a_png_of_the_asked_size(tmp_path: Path) -> None:
    from PIL import Image

    from bench.charts import bar_chart

    path = bar_chart(tmp_path / "plots" / "p99.png", "Turn latency p99 (ms)", ["10/s", "50/s"],
                     {"SQLite": [12.0, 18.0], "echo": [100.0, 3818.0], "gap": [float("nan"), 1.0]},
                     unit="ms", target=25, cap=500, width=800, height=450)
    image = Image.open(path)
    assert image.size == (800, 450) and image.info["Title"] == "Turn latency p99 (ms)"


def test_the_thread_split_counts_the_main_thread_apart_and_each_turn() -> None:
    from bench.profile import thread_split

    before = {"100": (1.0, 0.5), "101": (0.2, 0.1)}
    after = {"100": (3.0, 1.5), "101": (0.7, 0.6), "102": (0.25, 0.25)}  # 102 started during the run
    assert thread_split(100, before, after, turns=100) == {
        "main_user_ms_per_turn": 20.0, "main_system_ms_per_turn": 10.0, "other_threads_ms_per_turn": 15.0}
