"""Policy decision latency: compiled vs uncompiled regopy, and cache hit vs miss.

Run: .venv/bin/python bench/policy_bench.py [--rounds N]
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import time
from collections.abc import Callable

from nova.policy.cache import DecisionCache
from nova.policy.engine import PolicyEngine
from nova.policy.regopy_backend import RegopyBackend

DOCUMENT = {
    "launcher": "alice",
    "inventory": "spark",
    "phases": ["base", "firewall", "vpn"],
    "phase": "firewall",
    "check_mode": False,
    "hosts": [f"spark-{i}" for i in range(8)],
    "limit": None,
}


def measure(rounds: int, call: Callable[[int], object]) -> tuple[float, float]:
    """Median and p95 in milliseconds."""
    call(-1)
    samples = []
    for index in range(rounds):
        started = time.perf_counter()
        call(index)
        samples.append((time.perf_counter() - started) * 1000.0)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=500)
    rounds = parser.parse_args().rounds

    compiled = RegopyBackend(compiled=True)
    plain = RegopyBackend(compiled=False)
    compiled.revision()
    plain.revision()
    cached = PolicyEngine(RegopyBackend(), DecisionCache(max_entries=10_000, ttl_seconds=3600))
    uncached = PolicyEngine(RegopyBackend())

    def varied(index: int) -> dict[str, object]:
        return {**DOCUMENT, "launcher": f"user-{index}"}

    rows = [
        (
            "regopy bundle query (compiled entrypoints)",
            measure(rounds, lambda i: compiled.query("nova/provision", varied(i))),
        ),
        (
            "regopy plain query (parsed and planned per call)",
            measure(rounds, lambda i: plain.query("nova/provision", varied(i))),
        ),
        (
            "engine decision, cache miss",
            measure(rounds, lambda i: uncached.decide("nova/provision", varied(i))),
        ),
        (
            "engine decision, cache hit",
            measure(rounds, lambda i: cached.decide("nova/provision", DOCUMENT)),
        ),
    ]
    print("command:", shlex.join([sys.executable, *sys.argv]))
    print(f"rounds: {rounds}")
    print(f"{'what':52} {'median ms':>10} {'p95 ms':>10}")
    for name, (median, p95) in rows:
        print(f"{name:52} {median:10.4f} {p95:10.4f}")
    speedup = rows[1][1][0] / rows[0][1][0]
    print(f"compiled speed-up over plain query: {speedup:.1f}x")
    print(f"cache hit speed-up over miss: {rows[2][1][0] / rows[3][1][0]:.1f}x")


if __name__ == "__main__":
    main()
