"""``python -m bench.queue_model``: the latency a one-at-a-time bot can have at a given cost per turn.

The open loop of the turn benchmark is a queue: Poisson arrivals at the offered rate and one
server, because the bot's event loop runs one piece of Python at a time. This model serves each
turn in arrival order for a fixed time (a confirmation several times as long, followed by the
dispatcher's send of the coordinator's card) and reports the latency percentiles of that queue.
It tells how cheap a turn must be for a p99 target on a given machine, and whether a measured
p99 is the queue's or something else's (a stall, a slow neighbour).

    python -m bench.queue_model [--rate 50] [--confirm-factor 2.2] [--after-confirm-ms 5]
"""

from __future__ import annotations

import argparse
import random

from bench.turns import percentile

CONFIRM_SHARE = 1 / 7  # one step of the script's seven
# The turn benchmark's offered rate, and what a confirmation and the dispatcher's send of the
# coordinator's card cost there, measured one turn at a time.
RATE, CONFIRM_FACTOR, AFTER_CONFIRM_MS = 50.0, 2.2, 5.0


def simulate(*, rate: float, turn_ms: float, confirm_factor: float, after_confirm_ms: float,
             arrivals: int = 200_000, seed: int = 3) -> tuple[float, float, float]:
    """p50, p99 (ms) and the server's busy share for one queue.

    Args:
        rate: Offered turns a second.
        turn_ms: Time a plain turn takes the bot when it has nothing else to do.
        confirm_factor: How many plain turns a confirmation costs.
        after_confirm_ms: Work right after a confirmation that delays the next turns (the
            dispatcher's send), not part of the confirmation's own latency.
        arrivals: Turns simulated.
        seed: Seed of the arrival times.
    """
    rng = random.Random(seed)
    now = free_at = busy = 0.0
    latencies = []
    for _ in range(arrivals):
        now += rng.expovariate(rate)
        confirm = rng.random() < CONFIRM_SHARE
        cost = turn_ms / 1000 * (confirm_factor if confirm else 1.0)
        free_at = max(now, free_at) + cost
        latencies.append((free_at - now) * 1000)
        busy += cost
        if confirm:
            free_at += after_confirm_ms / 1000
            busy += after_confirm_ms / 1000
    return percentile(latencies, 50), percentile(latencies, 99), busy / now


def table(*, rate: float = RATE, confirm_factor: float = CONFIRM_FACTOR, after_confirm_ms: float = AFTER_CONFIRM_MS,
          turn_ms: tuple[float, ...] = (3, 4, 5, 6, 7, 8, 9, 10)) -> str:
    """A markdown table of the model's p50 and p99 for several costs of a plain turn."""
    lines = ["| ms a plain turn | busy | p50 ms | p99 ms |", "|---|---|---|---|"]
    for cost in turn_ms:
        p50, p99, busy = simulate(rate=rate, turn_ms=cost, confirm_factor=confirm_factor,
                                  after_confirm_ms=after_confirm_ms)
        lines.append(f"| {cost:g} | {busy:.0%} | {p50:.1f} | {p99:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queue_model", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=RATE)
    parser.add_argument("--confirm-factor", type=float, default=CONFIRM_FACTOR)
    parser.add_argument("--after-confirm-ms", type=float, default=AFTER_CONFIRM_MS)
    args = parser.parse_args(argv)
    print(table(rate=args.rate, confirm_factor=args.confirm_factor, after_confirm_ms=args.after_confirm_ms))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
