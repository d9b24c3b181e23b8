"""The queue's task KPIs over a real SQLite queue: each event, its wait and its run time."""

from __future__ import annotations

from pathlib import Path

from nova.kpi.buffer import KpiBuffer
from nova.kpi.store import KpiStore
from nova.queue.kpis import QueueKpis
from nova.queue.model import Claim, NewTask, Settle
from nova.queue.storage.sqlite import SqliteStorage

T0 = 1_800_000_000.0


def claim(storage: SqliteStorage, now: float, limit: int = 10) -> list[Claim]:
    return storage.claim(
        "w1", frozenset(), limit, now=now, lease_seconds=30, attempt_prefix="ab" * 14
    )


def test_each_task_event_is_counted_with_its_wait_and_run_time(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "q.db")
    store = KpiStore(tmp_path / "kpi.db")
    kpis = QueueKpis(KpiBuffer(store), storage.get)
    tasks = [
        NewTask("build", idempotency_key="b1"),
        NewTask("build", max_attempts=1),
        NewTask("test", max_attempts=3),
    ]
    results = storage.enqueue(tasks, now=T0, dedup_window=60, max_depth=100)
    kpis.enqueued(tasks, results)
    again = storage.enqueue(tasks[:1], now=T0 + 1, dedup_window=60, max_depth=100)
    kpis.enqueued(tasks[:1], again)

    claims = claim(storage, T0 + 2)
    kpis.dispatched(claims, T0 + 2)
    assert kpis.leased() == 3
    by_type = {c.task.type + str(c.task.max_attempts): c for c in claims}
    ok, doomed, flaky = by_type["build5"], by_type["build1"], by_type["test3"]

    items = [(ok.task.id, ok.attempt_id, b""), (ok.task.id, "0" * 32, b"")]
    statuses = storage.ack_many(items, now=T0 + 2.5, result_ttl=60)
    assert statuses == [Settle.OK, Settle.STALE]
    kpis.acked(items, statuses, T0 + 2.5)

    for held, retry_at in ((doomed, None), (flaky, T0 + 10)):
        task = storage.get(held.task.id)
        assert task is not None
        assert (
            storage.nack(task.id, held.attempt_id, "boom", now=T0 + 3, retry_at=retry_at)
            is Settle.OK
        )
        kpis.nacked(task, held.attempt_id, dead=retry_at is None)
    assert kpis.leased() == 0

    (retried,) = claim(storage, T0 + 10.5)
    kpis.dispatched([retried], T0 + 10.5)
    kpis.lost(storage.expire_leases(now=T0 + 100))
    kpis.buffer.flush()

    counts = {
        (s.labels["task_type"], s.labels["state"]): s.count for s in store.read("queue_tasks_total")
    }
    assert counts == {
        ("build", "enqueued"): 2.0,
        ("build", "duplicate"): 1.0,
        ("test", "enqueued"): 1.0,
        ("build", "dispatched"): 2.0,
        ("test", "dispatched"): 2.0,
        ("build", "succeeded"): 1.0,  # the stale ack is not counted
        ("build", "dead"): 1.0,
        ("test", "retried"): 1.0,
        ("test", "lease_expired"): 1.0,
    }
    waits = {s.labels["task_type"]: (s.count, s.sum) for s in store.read("queue_task_wait_seconds")}
    # 2 s in the queue each, then 0.5 s after the retry fell due at T0 + 10
    assert waits == {"build": (2.0, 4.0), "test": (2.0, 2.5)}
    runs = {
        s.labels["task_type"]: (s.count, s.sum) for s in store.read("queue_task_duration_seconds")
    }
    assert runs == {"build": (1.0, 0.5)}
    storage.close()
    store.close()


def test_an_ack_for_a_task_leased_before_this_server_started_is_still_counted(
    tmp_path: Path,
) -> None:
    storage = SqliteStorage(tmp_path / "q.db")
    store = KpiStore(tmp_path / "kpi.db")
    (done,) = storage.enqueue([NewTask("docs")], now=T0, dedup_window=60, max_depth=10)
    (held,) = claim(storage, T0 + 1)  # claimed by an earlier server: not dispatched here
    kpis = QueueKpis(KpiBuffer(store), storage.get)
    items = [(done.task_id, held.attempt_id, b"")]
    kpis.acked(items, storage.ack_many(items, now=T0 + 2, result_ttl=60), T0 + 2)
    kpis.buffer.flush()
    ((series),) = store.read("queue_tasks_total")
    assert (series.labels, series.count) == ({"state": "succeeded", "task_type": "docs"}, 1.0)
    assert store.read("queue_task_duration_seconds") == []  # no dispatch time known
    storage.close()
    store.close()


def test_dispatches_that_never_settle_here_are_forgotten_after_a_day(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "q.db")
    store = KpiStore(tmp_path / "kpi.db")
    kpis = QueueKpis(KpiBuffer(store), storage.get)
    storage.enqueue([NewTask("a"), NewTask("b")], now=T0, dedup_window=60, max_depth=10)
    first, second = claim(storage, T0)
    kpis.dispatched([first], T0)
    kpis.dispatched([second], T0 + 3600)
    assert kpis.forget_older(T0 + 86_000) == 0
    assert kpis.forget_older(T0 + 86_401) == 1
    assert kpis.leased() == 1
    storage.close()
    store.close()
