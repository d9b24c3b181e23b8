"""How long the node_exporter role's textfile collectors take per run.

Runs each collector script as its systemd timer does (a fresh Python process
writing its *.prom file), N times, and prints the wall time per run: the GPU
collector on this machine's path (no NVML binding: nova_gpu_count 0), and the
facts collector with every part, against what this machine has (backup
records and WireGuard are absent here; apt-get's simulated upgrade is real).
node exporter reads the files on each scrape, so this is the collectors' cost
per interval, not added to a scrape's duration.

Usage: python bench/monitor_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILES = Path(__file__).resolve().parents[1] / "roles" / "node_exporter" / "files"


def measure(argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        cases = {
            "gpu collector (no NVML)": [sys.executable, str(FILES / "nova-gpu-collector.py")],
            "facts collector (all parts)": [sys.executable, str(FILES / "nova-facts-collector.py")],
            "facts collector (files only)": [
                sys.executable,
                str(FILES / "nova-facts-collector.py"),
                "--parts",
                "system_check",
                "backup",
                "wireguard",
                "openvpn_crl",
            ],
        }
        print(f"{'collector':32} {'median ms':>10} {'max ms':>10}  ({args.runs} runs)")
        for name, argv in cases.items():
            times = measure([*argv, "--output", out], args.runs)
            median, worst = statistics.median(times) * 1000, max(times) * 1000
            print(f"{name:32} {median:10.1f} {worst:10.1f}")
        sizes = {p.name: p.stat().st_size for p in Path(out).glob("*.prom")}
        print("files written:", ", ".join(f"{n} ({s} bytes)" for n, s in sorted(sizes.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
