"""Task KPIs from a real `nova queue serve` process, read over HTTP and by `nova monitor kpis`.

A real worker (nova.queue.worker.Worker) takes real tasks from the server's
dispatch stream: some succeed, one fails once and is retried, one fails with
no attempts left and is dead-lettered.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from monitor_helpers import ROOT, nova_command, run_nova
from prometheus_client.parser import text_string_to_metric_families

from nova.kpi.store import KpiStore
from nova.queue.client import QueueClient, Spec
from nova.queue.worker import Job, Retry, Worker

Scrape = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str) -> Scrape:
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"condition not met within {timeout}s")


class Served:
    def __init__(self, process: subprocess.Popen[str], target: str, metrics: str | None) -> None:
        self.process, self.target, self.metrics = process, target, metrics

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


@pytest.fixture
def serve(home: Path, tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """`nova queue serve` in its own process, over SQLite, on free loopback ports."""
    started: list[Served] = []

    def start(*extra: str) -> Served:
        port_file = tmp_path / f"port-{len(started)}"
        process = subprocess.Popen(
            nova_command(
                "queue", "serve", "--db", str(tmp_path / "queue.db"), "--port", "0",
                "--port-file", str(port_file), "--lease", "10", *extra,
            ),
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=dict(os.environ),
        )  # fmt: skip
        assert process.stderr is not None
        lines: list[str] = []
        metrics = None
        while "--metrics-port" in extra and metrics is None:
            line = process.stderr.readline()
            if not line:
                pytest.fail(f"queue server exited: {''.join(lines)}")
            lines.append(line)
            found = re.search(r"serving KPIs on (http://127\.0\.0\.1:\d+/metrics)", line)
            metrics = found.group(1) if found else None
        # Keep reading its log so a full pipe never blocks the server.
        threading.Thread(target=process.stderr.read, daemon=True).start()
        wait_for(lambda: port_file.exists() or process.poll() is not None, 30)
        assert process.poll() is None, "queue server exited"
        served = Served(process, f"127.0.0.1:{port_file.read_text()}", metrics)
        started.append(served)
        return served

    yield start
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait(timeout=10)


def run_tasks(target: str) -> None:
    """Three tasks that succeed (plus a duplicate enqueue), one retried, one dead-lettered."""
    tries: dict[str, int] = {}

    def flaky(job: Job) -> bytes:
        tries[job.task.id] = tries.get(job.task.id, 0) + 1
        if tries[job.task.id] == 1:
            raise Retry("first try fails", delay=0.05)
        return b"second try"

    def doomed(job: Job) -> bytes:
        raise RuntimeError("always fails")

    client = QueueClient(target, timeout=10)
    client.wait_ready(timeout=15)
    client.enqueue_many([Spec("kpi.ok", idempotency_key=f"ok-{i}") for i in range(3)])
    assert client.enqueue(Spec("kpi.ok", idempotency_key="ok-0")).duplicate
    client.enqueue(Spec("kpi.flaky", max_attempts=3))
    client.enqueue(Spec("kpi.doomed", max_attempts=1))
    handlers = {"kpi.ok": lambda job: b"done", "kpi.flaky": flaky, "kpi.doomed": doomed}
    stop = threading.Event()
    worker = Worker(client, handlers, slots=4)
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        wait_for(
            lambda: (
                client.stats().states.get("succeeded") == 4
                and client.stats().states.get("dead") == 1
            )
        )
    finally:
        stop.set()
        thread.join(timeout=15)
        client.close()


EXPECTED = {
    ("kpi.ok", "enqueued"): 3.0,
    ("kpi.ok", "duplicate"): 1.0,
    ("kpi.ok", "dispatched"): 3.0,
    ("kpi.ok", "succeeded"): 3.0,
    ("kpi.flaky", "enqueued"): 1.0,
    ("kpi.flaky", "dispatched"): 2.0,
    ("kpi.flaky", "retried"): 1.0,
    ("kpi.flaky", "succeeded"): 1.0,
    ("kpi.doomed", "enqueued"): 1.0,
    ("kpi.doomed", "dispatched"): 1.0,
    ("kpi.doomed", "dead"): 1.0,
}


def task_counts(samples: Scrape) -> dict[tuple[str, str], float]:
    found = {}
    for (name, labels), value in samples.items():
        if name == "nova_queue_tasks_total":
            found[(dict(labels)["task_type"], dict(labels)["state"])] = value
    return found


def test_queue_task_kpis_reach_the_exporter_and_monitor_kpis(
    serve: Callable[..., Served], home: Path
) -> None:
    served = serve("--metrics-port", "0")
    assert served.metrics is not None
    run_tasks(served.target)

    # Written by the server's flush thread within its interval (2 s), while it runs.
    deadline = time.monotonic() + 30
    samples = scrape(served.metrics)
    while task_counts(samples) != EXPECTED and time.monotonic() < deadline:
        time.sleep(0.1)
        samples = scrape(served.metrics)
    assert task_counts(samples) == EXPECTED
    waits = {
        dict(labels)["task_type"]: value
        for (name, labels), value in samples.items()
        if name == "nova_queue_task_wait_seconds_count"
    }
    assert waits == {"kpi.ok": 3.0, "kpi.flaky": 2.0, "kpi.doomed": 1.0}
    runs = {
        dict(labels)["task_type"]: value
        for (name, labels), value in samples.items()
        if name == "nova_queue_task_duration_seconds_count"
    }
    assert runs == {"kpi.ok": 3.0, "kpi.flaky": 1.0}
    run_sum = samples[("nova_queue_task_duration_seconds_sum", (("task_type", "kpi.ok"),))]
    assert 0.0 <= run_sum < 30.0

    shown = run_nova("monitor", "kpis", "--output", "json")
    assert shown.returncode == 0, shown.stderr
    rows = json.loads(shown.stdout)
    counted = {
        (row["labels"]["task_type"], row["labels"]["state"]): row["count"]
        for row in rows
        if row["metric"] == "queue_tasks_total"
    }
    assert counted == EXPECTED
    wait_rows = [row for row in rows if row["metric"] == "queue_task_wait_seconds"]
    assert {row["labels"]["task_type"]: row["count"] for row in wait_rows} == waits
    assert all(row["p50"] is not None and row["p50"] >= 0 for row in wait_rows)
    assert served.stop() == 0


def test_no_kpis_records_nothing_and_a_stop_flushes_what_is_left(
    serve: Callable[..., Served], home: Path
) -> None:
    quiet = serve("--no-kpis")
    client = QueueClient(quiet.target, timeout=10)
    client.wait_ready(timeout=15)
    client.enqueue(Spec("kpi.quiet"))
    client.close()
    assert quiet.stop() == 0
    store = KpiStore(home / "kpi.db")
    assert store.read("queue_tasks_total") == []

    # With KPIs on, an enqueue just before SIGTERM is still written (by the final flush).
    loud = serve()
    client = QueueClient(loud.target, timeout=10)
    client.wait_ready(timeout=15)
    client.enqueue(Spec("kpi.loud"))
    client.close()
    assert loud.stop() == 0
    ((series),) = store.read("queue_tasks_total")
    assert (series.labels, series.count) == ({"state": "enqueued", "task_type": "kpi.loud"}, 1.0)
    store.close()
