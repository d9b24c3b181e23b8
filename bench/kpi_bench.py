"""KPI recording and scraping: Nova's SQLite store against prometheus_client.

The alternative a user would pick for metrics written by several processes
is prometheus_client's multiprocess mode (mmap files in
PROMETHEUS_MULTIPROC_DIR, merged at scrape time); plain in-memory
prometheus_client is shown as the floor, though it neither persists nor
shares across processes. Each variant runs in fresh processes because
multiprocess mode is chosen when prometheus_client is imported.

Run: .venv/bin/python bench/kpi_bench.py [--ops N] [--writers W]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = ("nova-sqlite", "prom-multiprocess", "prom-memory")


def writer(variant: str, folder: str, ops: int) -> dict[str, float]:
    """Record `ops` counter increments and histogram observations; latency per pair."""
    samples: list[float] = []
    if variant == "nova-sqlite":
        from nova.kpi.store import Inc, KpiStore, Observe

        store = KpiStore(Path(folder) / "kpi.db")
        labels = {"task_type": "shell"}

        def record(n: int) -> None:
            store.record(
                Inc("queue_tasks_total", {"task_type": "shell", "state": "done"}),
                Observe("queue_task_duration_seconds", (n % 100) / 10, labels),
            )

    else:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        registry = CollectorRegistry()
        tasks = Counter("queue_tasks", "tasks", ["task_type", "state"], registry=registry)
        seconds = Histogram(
            "queue_task_duration_seconds",
            "durations",
            ["task_type"],
            registry=registry,
            buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0),
        )

        def record(n: int) -> None:
            tasks.labels("shell", "done").inc()
            seconds.labels("shell").observe((n % 100) / 10)

    began = time.time()
    for n in range(ops):
        started = time.perf_counter()
        record(n)
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    return {
        "median_us": statistics.median(samples),
        "p95_us": samples[int(len(samples) * 0.95)],
        "began": began,
        "ended": time.time(),
    }


def scraper(variant: str, folder: str) -> dict[str, float]:
    """Time one full scrape (collect + text exposition), best of five."""
    from prometheus_client import CollectorRegistry, generate_latest

    registry: CollectorRegistry
    if variant == "nova-sqlite":
        from nova.kpi.exporter import build_registry
        from nova.kpi.store import KpiStore

        registry = build_registry(KpiStore(Path(folder) / "kpi.db"))
    else:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        body = generate_latest(registry)
        timings.append((time.perf_counter() - started) * 1000)
    return {"scrape_ms": min(timings), "bytes": float(len(body))}


def run_variant(variant: str, ops: int, writers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ}
        if variant == "prom-multiprocess":
            env["PROMETHEUS_MULTIPROC_DIR"] = folder
        command = [sys.executable, __file__, "--child", variant, folder, str(ops)]
        children = [
            subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
            for _ in range(writers)
        ]
        results = [json.loads(child.communicate(timeout=600)[0]) for child in children]
        # From the first writer's first record to the last one's last, imports excluded.
        wall = max(r["ended"] for r in results) - min(r["began"] for r in results)
        figures = {
            "median_us": statistics.median(r["median_us"] for r in results),
            "p95_us": max(r["p95_us"] for r in results),
            "pairs_per_s": ops * writers / wall,
        }
        if variant != "prom-memory":  # in-memory metrics died with their processes
            scrape = subprocess.run(
                [sys.executable, __file__, "--scrape", variant, folder],
                capture_output=True,
                text=True,
                env=env,
                check=True,
                timeout=600,
            )
            figures.update(json.loads(scrape.stdout))
        return figures


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        variant, folder, ops = sys.argv[2], sys.argv[3], int(sys.argv[4])
        print(json.dumps(writer(variant, folder, ops)))
        return
    if sys.argv[1:2] == ["--scrape"]:
        print(json.dumps(scraper(sys.argv[2], sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=2000, help="counter+histogram pairs per writer")
    parser.add_argument("--writers", type=int, default=2, help="concurrent writer processes")
    args = parser.parse_args()
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(f"{args.writers} writer processes x {args.ops} (counter inc + histogram observe)")
    header = f"{'variant':20} {'median us':>10} {'p95 us':>10} {'pairs/s':>10} {'scrape ms':>10}"
    print(header)
    for variant in VARIANTS:
        figures = run_variant(variant, args.ops, args.writers)
        scrape = f"{figures['scrape_ms']:10.2f}" if "scrape_ms" in figures else f"{'-':>10}"
        print(
            f"{variant:20} {figures['median_us']:10.1f} {figures['p95_us']:10.1f} "
            f"{figures['pairs_per_s']:10.0f} {scrape}"
        )
    print("nova-sqlite persists and windows; prom-multiprocess shares but has no windows;")
    print("prom-memory is neither persisted nor shared (the floor).")


if __name__ == "__main__":
    main()
