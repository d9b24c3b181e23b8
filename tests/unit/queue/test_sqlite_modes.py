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
