"""SQLite opens in WAL; `durable` means synchronous=FULL, the default NORMAL."""

from __future__ import annotations

from pathlib import Path

from nova.queue.storage.sqlite import SqliteStorage


def pragma(store: SqliteStorage, name: str) -> object:
    return store._db.execute(f"PRAGMA {name}").fetchone()[0]


def test_default_mode_is_wal_with_normal_sync(tmp_path: Path) -> None:
    store = SqliteStorage(tmp_path / "q.db")
    assert pragma(store, "journal_mode") == "wal"
    assert pragma(store, "synchronous") == 1  # NORMAL
    store.close()


def test_durable_mode_syncs_every_commit(tmp_path: Path) -> None:
    store = SqliteStorage(tmp_path / "q.db", durable=True)
    assert pragma(store, "synchronous") == 2  # FULL
    store.close()


def test_reopening_keeps_what_was_stored(tmp_path: Path) -> None:
    from nova.queue.model import NewTask

    store = SqliteStorage(tmp_path / "q.db")
    (done,) = store.enqueue([NewTask("t")], now=1.0, dedup_window=10, max_depth=10)
    store.close()
    again = SqliteStorage(tmp_path / "q.db")
    task = again.get(done.task_id)
    assert task is not None and task.type == "t"
    again.close()


def _counted(store: SqliteStorage) -> dict[str, int]:
    return dict(store._db.execute("SELECT state, n FROM state_counts WHERE n != 0").fetchall())


def _actual(store: SqliteStorage) -> dict[str, int]:
    return dict(store._db.execute("SELECT state, COUNT(*) FROM tasks GROUP BY state").fetchall())


def _churn(store: SqliteStorage) -> None:
    from nova.queue.model import NewTask, attempt_prefix

    store.enqueue([NewTask("t")] * 6, now=1.0, dedup_window=10, max_depth=100)
    claims = store.claim(
        "w", frozenset(), 4, now=2.0, lease_seconds=5, attempt_prefix=attempt_prefix()
    )
    store.ack(claims[0].task.id, claims[0].attempt_id, b"", now=3.0, result_ttl=1.0)
    store.nack(claims[1].task.id, claims[1].attempt_id, "no", now=3.0, retry_at=None)
    store.cancel(claims[2].task.id, now=3.0, result_ttl=100.0)
    store.expire_leases(now=10.0)  # the fourth goes back to the queue
    store.purge(now=5.0)  # the acked one's result is gone


def test_state_counts_follow_every_transition(tmp_path: Path) -> None:
    store = SqliteStorage(tmp_path / "q.db")
    _churn(store)
    assert _counted(store) == _actual(store) == {"queued": 3, "dead": 1, "cancelled": 1}
    store.close()


def test_a_file_without_state_counts_gets_them_on_open(tmp_path: Path) -> None:
    store = SqliteStorage(tmp_path / "q.db")
    _churn(store)
    for trigger in ("insert", "update", "delete"):
        store._db.execute(f"DROP TRIGGER tasks_count_{trigger}")
    store._db.execute("DROP TABLE state_counts")  # as written before the counts were kept
    store.close()
    again = SqliteStorage(tmp_path / "q.db")
    assert _counted(again) == _actual(again) == {"queued": 3, "dead": 1, "cancelled": 1}
    counts = again.counts(now=20.0)
    assert (counts["queued"], counts["dead"], counts["cancelled"]) == (3, 1, 1)
    again.close()
