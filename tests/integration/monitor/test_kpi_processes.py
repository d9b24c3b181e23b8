"""Writers in several processes at once: no increment or observation is lost."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from nova.kpi.store import Inc, KpiStore, Observe

WRITERS = 4
EACH = 150


def write(path: str, writer: int) -> None:
    store = KpiStore(path)
    for n in range(EACH):
        store.record(
            Inc("queue_tasks_total", {"task_type": "shell", "state": "done"}),
            Observe("queue_task_duration_seconds", float(n % 10), {"task_type": "shell"}),
        )
        store.inc("provision_runs_total", {"status": f"w{writer}"})
    store.close()


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "kpi.db")
    KpiStore(path).inc("provision_runs_total", {"status": "w0"})  # created before the fork
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=write, args=(path, w)) for w in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * WRITERS

    store = KpiStore(path)
    (tasks,) = store.read("queue_tasks_total")
    assert tasks.count == WRITERS * EACH
    (durations,) = store.read("queue_task_duration_seconds")
    assert durations.count == WRITERS * EACH
    assert durations.sum == WRITERS * 15 * sum(range(10))
    assert sum(durations.buckets.values()) == WRITERS * EACH
    runs = {s.labels["status"]: s.count for s in store.read("provision_runs_total")}
    assert runs == {"w0": EACH + 1, **{f"w{w}": EACH for w in range(1, WRITERS)}}


def test_a_store_opened_before_fork_is_reopened_in_the_child(tmp_path: Path) -> None:
    store = KpiStore(tmp_path / "kpi.db")
    store.inc("provision_runs_total", {"status": "parent"})
    context = multiprocessing.get_context("fork")
    child = context.Process(target=store.inc, args=("provision_runs_total", {"status": "child"}))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    store.inc("provision_runs_total", {"status": "parent"})
    assert {s.labels["status"]: s.count for s in store.read("provision_runs_total")} == {
        "parent": 2.0,
        "child": 1.0,
    }
