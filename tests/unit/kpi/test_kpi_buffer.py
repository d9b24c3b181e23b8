"""KpiBuffer: sums in memory, one transaction per flush, nothing lost on a failed flush."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nova.kpi.buffer import KpiBuffer
from nova.kpi.series import Series
from nova.kpi.store import KpiStore

NOW = 1_800_000_000.0


def series(store: KpiStore, name: str) -> dict[tuple[str, ...], Series]:
    return {tuple(s.labels.values()): s for s in store.read(name)}


def test_buffered_sums_equal_direct_writes(store: KpiStore, tmp_path: Path) -> None:
    direct = KpiStore(tmp_path / "direct.db")
    buffer = KpiBuffer(store)
    values = [0.0004, 0.001, 0.003, 0.2, 0.2, 7.0, 99_999.0]
    for value in values:
        buffer.observe("queue_task_wait_seconds", value, ("shell",))
        direct.observe("queue_task_wait_seconds", value, {"task_type": "shell"})
    for state in ("enqueued", "enqueued", "dead"):
        buffer.inc("queue_tasks_total", ("shell", state))
        direct.inc("queue_tasks_total", {"task_type": "shell", "state": state})
    buffer.inc("queue_tasks_total", ("shell", "enqueued"), 3)
    direct.inc("queue_tasks_total", {"task_type": "shell", "state": "enqueued"}, 3)
    assert store.read("queue_tasks_total") == []  # nothing written before a flush
    assert buffer.flush(at=NOW) is True
    for name in ("queue_tasks_total", "queue_task_wait_seconds"):
        assert series(store, name) == series(direct, name)
    assert series(store, "queue_tasks_total")[("enqueued", "shell")].count == 5.0
    wait = series(store, "queue_task_wait_seconds")[("shell",)]
    assert (wait.count, wait.buckets[0.001], wait.buckets[0.25]) == (7.0, 2.0, 2.0)
    assert buffer.pending() == 0
    direct.close()


def test_a_failed_flush_keeps_every_sum_for_the_next(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be")
    buffer = KpiBuffer(KpiStore(blocker / "kpi.db"))
    buffer.inc("queue_tasks_total", ("t", "enqueued"))
    buffer.observe("queue_task_duration_seconds", 0.5, ("t",))
    assert buffer.flush() is False
    buffer.inc("queue_tasks_total", ("t", "enqueued"))
    buffer.observe("queue_task_duration_seconds", 1.5, ("t",))
    assert buffer.pending() == 2
    good = KpiStore(tmp_path / "kpi.db")
    buffer.store = good
    assert buffer.flush() is True
    assert series(good, "queue_tasks_total")[("enqueued", "t")].count == 2.0
    run = series(good, "queue_task_duration_seconds")[("t",)]
    assert (run.count, run.sum, run.buckets) == (2.0, 2.0, {0.5: 1.0, 5.0: 1.0})
    good.close()


def test_wrong_names_labels_or_kinds_raise_at_once(store: KpiStore) -> None:
    buffer = KpiBuffer(store)
    with pytest.raises(ValueError, match="unknown metric 'queue_tasks'"):
        buffer.inc("queue_tasks", ("t", "enqueued"))
    with pytest.raises(ValueError, match="do not match"):
        buffer.inc("queue_tasks_total", ("t",))
    with pytest.raises(ValueError, match="is a histogram, not a counter"):
        buffer.inc("queue_task_wait_seconds", ("t",))
    with pytest.raises(ValueError, match="short non-empty string"):
        buffer.inc("queue_tasks_total", ("", "enqueued"))
    assert buffer.pending() == 0


def test_the_flush_thread_writes_each_interval_and_close_writes_the_rest(
    store: KpiStore,
) -> None:
    buffer = KpiBuffer(store, interval=0.05).start()
    buffer.inc("queue_tasks_total", ("t", "dispatched"))
    deadline = time.monotonic() + 5
    while not store.read("queue_tasks_total") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert series(store, "queue_tasks_total")[("dispatched", "t")].count == 1.0
    buffer.interval = 3600.0  # the next write can only come from close()
    time.sleep(0.1)
    buffer.inc("queue_tasks_total", ("t", "dispatched"))
    buffer.close()
    assert series(store, "queue_tasks_total")[("dispatched", "t")].count == 2.0
