"""Nova queue throughput and latency on SQLite and Redis, against Celery on the same Redis.

Run from the repository root:  .venv/bin/python bench/queue_bench.py
Needs redis-server on PATH and Celery installed (the bench extra). The
queue server, the worker and Celery's worker each run in their own process;
this process only produces, as an application would.

"single" is one producer thread enqueuing one task per call and waiting for
each answer; "single x8" is eight producer threads doing the same at once, as
the request handlers of a web application would. Celery is measured both
ways with `delay()`.

Task KPIs: the server records them by default; the SQLite runs are repeated
with `--no-kpis` (alternating, ROUNDS times each) and the per-task cost of
recording is printed twice: the CPU the KPI calls take in-process for one
task's enqueue, dispatch and ack, and the end-to-end microseconds per task
with KPIs on and off. `--kpis-only` runs just that comparison (no Redis or
Celery). Every process gets a NOVA_HOME of its own under a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nova.kpi.buffer import KpiBuffer  # noqa: E402
from nova.kpi.store import KpiStore  # noqa: E402
from nova.queue.client import QueueClient, Spec  # noqa: E402
from nova.queue.kpis import QueueKpis  # noqa: E402
from nova.queue.model import NewTask  # noqa: E402
from nova.queue.storage.sqlite import SqliteStorage  # noqa: E402
from nova.queue.worker import Job, Worker  # noqa: E402

BATCHED = 20_000
SINGLE = 3_000
RATE = 500
LATENCY_SECONDS = 4.0
CELERY = 3_000
PRODUCERS = 8
ROUNDS = 3
KPI_CALLS = 20_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step did not finish in time")
        time.sleep(step)


def spawn(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def nova(module: str, attr: str, *args: str) -> subprocess.Popen[bytes]:
    return spawn([sys.executable, "-c", f"from {module} import {attr}; {attr}()", *args])


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def concurrently(total: int, enqueue_one: Callable[[], object]) -> None:
    """`total` enqueues of one task each, spread over PRODUCERS threads."""

    def produce() -> None:
        for _ in range(total // PRODUCERS):
            enqueue_one()

    threads = [threading.Thread(target=produce) for _ in range(PRODUCERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def succeeded(client: QueueClient) -> int:
    return client.stats().states.get("succeeded", 0)


def run_backend(
    name: str, storage: list[str], tmp: Path, kpis: bool = True, with_latency: bool = True
) -> dict[str, float]:
    port = free_port()
    server = nova("nova.cli.queue", "queue", "serve", "--port", str(port),
                  "--max-depth", "1000000", "--kpis" if kpis else "--no-kpis",
                  *storage)  # fmt: skip
    target = f"127.0.0.1:{port}"
    client = QueueClient(target, timeout=30)
    client.wait_ready(timeout=15)
    worker = nova("nova.cli.worker", "worker", "--server", target, "--slots", "500")
    figures: dict[str, float] = {}
    try:
        base = succeeded(client)
        start = time.perf_counter()
        for _ in range(BATCHED // 500):
            client.enqueue_many([Spec("nova.noop")] * 500)
        wait(lambda: succeeded(client) >= base + BATCHED, 120, 0.05)
        figures["batched"] = BATCHED / (time.perf_counter() - start)

        base = succeeded(client)
        start = time.perf_counter()
        for _ in range(SINGLE):
            client.enqueue(Spec("nova.noop"))
        wait(lambda: succeeded(client) >= base + SINGLE, 120, 0.02)
        figures["single"] = SINGLE / (time.perf_counter() - start)

        base = succeeded(client)
        start = time.perf_counter()
        concurrently(SINGLE, lambda: client.enqueue(Spec("nova.noop")))
        wait(lambda: succeeded(client) >= base + SINGLE, 120, 0.02)
        figures["single_x8"] = SINGLE / (time.perf_counter() - start)
    finally:
        stop(worker)
    if with_latency:
        figures.update(latency(client))
    client.close()
    stop(server)
    return figures


def kpi_call_cost(tmp: Path) -> float:
    """Microseconds of CPU the queue's KPI calls take for one task, in this process:
    enqueue, dispatch (with its wait) and ack (with its run time), then the
    flushes that write them, over real SQLite queue and KPI files."""
    storage = SqliteStorage(tmp / "kpi-cost-queue.db")
    tasks = [NewTask("nova.noop") for _ in range(500)]
    now = time.time()
    results = storage.enqueue(tasks, now=now, dedup_window=0, max_depth=10**6)
    claims = storage.claim(
        "w", frozenset(), 500, now=now, lease_seconds=60, attempt_prefix="a" * 28
    )
    items = [(c.task.id, c.attempt_id, b"") for c in claims]
    statuses = storage.ack_many(items, now=now, result_ttl=60)
    store = KpiStore(tmp / "kpi-cost.db")
    kpis = QueueKpis(KpiBuffer(store), storage.get)
    rounds = KPI_CALLS // len(tasks)
    start = time.process_time()
    for _ in range(rounds):
        kpis.enqueued(tasks, results)
        kpis.dispatched(claims, now)
        kpis.acked(items, statuses, now)
        kpis.buffer.flush()
    spent = time.process_time() - start
    storage.close()
    store.close()
    return spent / (rounds * len(tasks)) * 1e6


def compare_kpis(tmp: Path) -> dict[str, dict[str, list[float]]]:
    """SQLite runs with KPIs on and off, alternating, ROUNDS of each."""
    runs: dict[str, dict[str, list[float]]] = {"on": {}, "off": {}}
    for i in range(ROUNDS):
        for mode in ("off", "on") if i % 2 else ("on", "off"):
            figures = run_backend(
                "sqlite", ["--db", str(tmp / f"kpi-{mode}-{i}.db")], tmp,
                kpis=mode == "on", with_latency=False,
            )  # fmt: skip
            for key, value in figures.items():
                runs[mode].setdefault(key, []).append(value)
    return runs


def print_kpi_comparison(call_us: float, runs: dict[str, dict[str, list[float]]]) -> None:
    print(f"task KPIs, in-process: {call_us:.2f} us of CPU per task "
          f"(enqueue + dispatch + wait + ack + run time, flushes included)")  # fmt: skip
    print(f"task KPIs, end to end on SQLite (median of {ROUNDS} alternating runs, us per task):")
    print(f"  {'mode':10} {'kpis on':>9} {'kpis off':>9} {'cost':>8}   (runs on | runs off)")
    for key in ("batched", "single", "single_x8"):
        on = [1e6 / v for v in runs["on"][key]]
        off = [1e6 / v for v in runs["off"][key]]
        cost = statistics.median(on) - statistics.median(off)
        spread = f"{' '.join(f'{v:.0f}' for v in on)} | {' '.join(f'{v:.0f}' for v in off)}"
        print(f"  {key:10} {statistics.median(on):9.1f} {statistics.median(off):9.1f} "
              f"{cost:+8.1f}   ({spread})")  # fmt: skip


def latency(client: QueueClient) -> dict[str, float]:
    """Enqueue one task every 1/RATE s; measure enqueue -> handler start."""
    samples: list[float] = []

    def record(job: Job) -> bytes:
        samples.append(time.time() - float(job.task.payload))
        return b""

    stop_event = threading.Event()
    worker = Worker(client, {"bench.latency": record}, slots=64)
    thread = threading.Thread(target=worker.run, args=(stop_event,))
    thread.start()
    time.sleep(0.5)
    total = int(RATE * LATENCY_SECONDS)
    start = time.perf_counter()
    for i in range(total):
        target_time = start + i / RATE
        delay = target_time - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        client.enqueue(Spec("bench.latency", payload=repr(time.time()).encode()))
    wait(lambda: len(samples) >= total, 30)
    stop_event.set()
    thread.join(timeout=15)
    ms = sorted(s * 1000 for s in samples)
    return {"p50_ms": statistics.median(ms), "p99_ms": ms[int(len(ms) * 0.99) - 1]}


def run_celery(redis_url: str) -> dict[str, float]:
    import redis

    env = {"BENCH_REDIS_URL": redis_url, "PYTHONPATH": str(ROOT / "bench")}
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "bench"))
    from queue_celery_app import noop

    r = redis.Redis.from_url(redis_url)
    r.delete("bench:celery:done")
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    worker = spawn(
        [celery, "-A", "queue_celery_app", "worker", "-P", "threads", "-c", "8",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
        env,
    )  # fmt: skip
    try:
        noop.delay()
        wait(lambda: int(r.get("bench:celery:done") or 0) >= 1, 60)
        figures = {}
        start = time.perf_counter()
        for _ in range(CELERY):
            noop.delay()
        wait(lambda: int(r.get("bench:celery:done") or 0) >= CELERY + 1, 120, 0.02)
        figures["single"] = CELERY / (time.perf_counter() - start)
        start = time.perf_counter()
        concurrently(CELERY, noop.delay)
        wait(lambda: int(r.get("bench:celery:done") or 0) >= 2 * CELERY + 1, 120, 0.02)
        figures["single_x8"] = CELERY / (time.perf_counter() - start)
        return figures
    finally:
        stop(worker)


def main() -> None:
    kpis_only = "--kpis-only" in sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ["NOVA_HOME"] = str(tmp / "home")  # KPIs land here, not in ~/.nova
        call_us = kpi_call_cost(tmp)
        runs = compare_kpis(tmp)
        if kpis_only:
            print_command()
            print_kpi_comparison(call_us, runs)
            return
        redis_port = free_port()
        redis_server = spawn(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--dir", tmp_name,
             "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
             "--maxmemory-policy", "noeviction"],
        )  # fmt: skip
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        time.sleep(0.5)
        try:
            results = {
                "sqlite": run_backend("sqlite", ["--db", str(tmp / "q.db")], tmp),
                "redis": run_backend("redis", ["--redis", redis_url], tmp),
            }
            celery = run_celery(redis_url)
        finally:
            stop(redis_server)
    print_command()
    print(f"{'backend':8} {'batched/s':>10} {'single/s':>10} {'single x8/s':>12} {'p50 ms':>8} "
          f"{'p99 ms':>8}   (latency at {RATE}/s)")  # fmt: skip
    for name, f in results.items():
        print(f"{name:8} {f['batched']:10.0f} {f['single']:10.0f} {f['single_x8']:12.0f} "
              f"{f['p50_ms']:8.2f} {f['p99_ms']:8.2f}")  # fmt: skip
    print(f"celery   {'-':>10} {celery['single']:10.0f} {celery['single_x8']:12.0f}"
          "   (same Redis, no-op task, acks_late, 8 worker threads)")  # fmt: skip
    for mode in ("single", "single_x8"):
        best = max(f[mode] for f in results.values())
        print(f"nova vs celery, {mode}: {best / celery[mode]:.1f}x")
    best_batched = max(f["batched"] for f in results.values())
    print(f"nova batched vs celery single: {best_batched / celery['single']:.1f}x")
    print_kpi_comparison(call_us, runs)


def print_command() -> None:
    python = Path(sys.executable)
    shown = python.relative_to(ROOT) if python.is_relative_to(ROOT) else python
    print(f"command: {shown} {' '.join(sys.argv)}")
    print(f"machine: {os.cpu_count()} cores; server, worker and Celery worker in own processes")


if __name__ == "__main__":
    main()
