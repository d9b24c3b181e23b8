"""How fast `nova --help` starts, next to the commands a user would otherwise run.

Compares, in the same run:
  - `nova --help` (lazy subcommands: nothing heavy imported),
  - the same Python importing what the commands need up front (ansible_runner,
    rich, grpc), which is what an eager CLI would pay on every call,
  - `ansible-playbook --help`, the tool a user would run without Nova.

Usage: python bench/cli_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
GOAL_SECONDS = 0.3


def measure(cmd: list[str], runs: int) -> list[float]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run(cmd, capture_output=True, env=env, check=True)  # warm the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    eager = "import ansible_runner, rich.console, grpc; import nova.cli"
    cases = {
        "nova --help": [str(BIN / "nova"), "--help"],
        "python: eager imports": [sys.executable, "-c", eager],
        "ansible-playbook --help": [str(BIN / "ansible-playbook"), "--help"],
    }
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(f"{'case':28} {'median s':>9} {'p90 s':>7} {'min s':>7}")
    results = {}
    for name, cmd in cases.items():
        times = sorted(measure(cmd, args.runs))
        results[name] = statistics.median(times)
        p90 = times[int(0.9 * (len(times) - 1))]
        print(f"{name:28} {results[name]:9.3f} {p90:7.3f} {times[0]:7.3f}")
    ok = results["nova --help"] < GOAL_SECONDS
    print(f"goal: nova --help median < {GOAL_SECONDS}s: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
