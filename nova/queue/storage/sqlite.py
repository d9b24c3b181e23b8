"""SQLite storage: one file, WAL, safe when several processes open it.

Two durability modes. The default, synchronous=NORMAL, can lose the last
transactions on power loss (never on a process crash) and is several times
faster. `durable` sets synchronous=FULL: every acknowledged enqueue, ack and
nack has been fsynced before the call returns.

Every write takes the database lock up front (BEGIN IMMEDIATE), so a claim
made by one process can never hand out a row another process is claiming;
a busy timeout makes concurrent writers wait instead of failing. WAL
checkpoints run on a thread of their own: done inside a commit, each one
stalled that request (and every request queued behind the lock) for tens of
milliseconds.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nova.queue.model import (
    Cancelled,
    Claim,
    Enqueued,
    NewTask,
    Settle,
    State,
    Task,
    attempt_id,
    skillset_key,
    skillset_of,
)
from nova.queue.storage.base import QueueFull, Storage

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payload BLOB NOT NULL,
    metadata TEXT NOT NULL,
    priority INTEGER NOT NULL,
    not_before REAL NOT NULL,
    skillset TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    attempt_id TEXT NOT NULL DEFAULT '',
    worker_id TEXT NOT NULL DEFAULT '',
    lease_until REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    expires_at REAL,
    error TEXT NOT NULL DEFAULT '',
    result BLOB NOT NULL DEFAULT x'',
    idempotency_key TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS tasks_ready ON tasks(priority DESC, seq) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS tasks_due ON tasks(not_before) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS tasks_leases ON tasks(lease_until) WHERE state = 'leased';
CREATE INDEX IF NOT EXISTS tasks_worker ON tasks(worker_id) WHERE state = 'leased';
CREATE INDEX IF NOT EXISTS tasks_state ON tasks(state, updated_at);
CREATE INDEX IF NOT EXISTS tasks_expiry ON tasks(expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS dedup (
    key TEXT PRIMARY KEY,
    task_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS skillsets (key TEXT PRIMARY KEY);
-- Tasks per state, kept by triggers: depth is checked on every enqueue, and
-- COUNT(*) would walk every queued row each time.
CREATE TABLE IF NOT EXISTS state_counts (state TEXT PRIMARY KEY, n INTEGER NOT NULL);
"""

# Statements with their own semicolons, so not part of SCHEMA's split.
TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS tasks_count_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO state_counts (state, n) VALUES (NEW.state, 1)
        ON CONFLICT (state) DO UPDATE SET n = n + 1;
END""",
    """CREATE TRIGGER IF NOT EXISTS tasks_count_update AFTER UPDATE OF state ON tasks
WHEN NEW.state != OLD.state BEGIN
    UPDATE state_counts SET n = n - 1 WHERE state = OLD.state;
    INSERT INTO state_counts (state, n) VALUES (NEW.state, 1)
        ON CONFLICT (state) DO UPDATE SET n = n + 1;
END""",
    """CREATE TRIGGER IF NOT EXISTS tasks_count_delete AFTER DELETE ON tasks BEGIN
    UPDATE state_counts SET n = n - 1 WHERE state = OLD.state;
END""",
)

CHECKPOINT_INTERVAL = 0.25  # seconds
RESET_PAGES = 4_000  # about 16 MB of WAL
BACKSTOP_PAGES = 20_000

COLUMNS = (
    "id, type, payload, metadata, priority, not_before, skillset, state, attempts, "
    "max_attempts, attempt_id, worker_id, lease_until, created_at, updated_at, error, "
    "result, idempotency_key"
)

# A lease that runs out counts as a failed attempt: spent budgets go dead.
REQUEUE = """
UPDATE tasks INDEXED BY {index} SET
    state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
    not_before = :now, attempt_id = '', worker_id = '', lease_until = 0,
    updated_at = :now, error = :error
WHERE state = 'leased' AND {where}
RETURNING id
"""


def _task(row: sqlite3.Row | tuple[Any, ...]) -> Task:
    return Task(
        id=row[0],
        type=row[1],
        payload=bytes(row[2]),
        metadata=json.loads(row[3]),
        priority=row[4],
        not_before=row[5],
        skills=tuple(sorted(skillset_of(row[6]))),
        state=State(row[7]),
        attempts=row[8],
        max_attempts=row[9],
        attempt_id=row[10],
        worker_id=row[11],
        lease_until=row[12],
        created_at=row[13],
        updated_at=row[14],
        error=row[15],
        result=bytes(row[16]),
        idempotency_key=row[17],
    )


class SqliteStorage(Storage):
    def __init__(self, path: Path, *, durable: bool = False, busy_timeout: float = 30.0) -> None:
        self.path = path
        self.durable = durable
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        # Checkpoints (copying the WAL back, with fsyncs) run on a thread of
        # their own, outside the storage lock, so no request waits for one.
        # The committing connection only checkpoints as a backstop, if the
        # WAL ever grows this large because writes never pause.
        self._db.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
        # A WAL that grew in a burst is cut back when it next starts over.
        self._db.execute(f"PRAGMA journal_size_limit={RESET_PAGES * 4096}")
        self._stopping = threading.Event()
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="sqlite-checkpoint", daemon=True
        )
        with self._write() as db:
            # executescript would commit mid-transaction; run statements one by one.
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            if not db.execute("SELECT 1 FROM state_counts LIMIT 1").fetchone():
                # A file from before the counts were kept (or a new one).
                db.execute(
                    "INSERT INTO state_counts (state, n)"
                    " SELECT state, COUNT(*) FROM tasks GROUP BY state"
                )
            for trigger in TRIGGERS:
                db.execute(trigger)
        # Reads (get, list, stats, the next due time) take their own
        # connection: a WAL reader sees the last commit without waiting for
        # the writer, and counting a large table never holds up a claim.
        self._read_lock = threading.Lock()
        self._reader = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
        )
        self._checkpointer.start()

    def _checkpoint_loop(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=1.0)
        try:
            while not self._stopping.wait(CHECKPOINT_INTERVAL):
                try:
                    _, wal_pages, _ = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if wal_pages > RESET_PAGES:
                        # Writes never paused long enough for the WAL to start
                        # over. Copy the short tail with writers held back, so
                        # the next write rewinds the WAL instead of growing it.
                        with self._lock:
                            db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:  # busy or closing: the next round catches up
                    continue
        finally:
            db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._read_lock:
            yield self._reader

    def enqueue(
        self, tasks: Sequence[NewTask], *, now: float, dedup_window: float, max_depth: int
    ) -> list[Enqueued]:
        results: list[Enqueued] = []
        with self._write() as db:
            fresh: list[tuple[str, NewTask]] = []
            batch_keys: dict[str, str] = {}
            for task in tasks:
                key = task.idempotency_key
                existing = batch_keys.get(key) if key else None
                if key and existing is None:
                    row = db.execute(
                        "SELECT task_id FROM dedup WHERE key = ? AND expires_at > ?", (key, now)
                    ).fetchone()
                    existing = row[0] if row else None
                if existing is not None:
                    results.append(Enqueued(existing, duplicate=True))
                    continue
                task_id = uuid.uuid4().hex
                if key:
                    batch_keys[key] = task_id
                fresh.append((task_id, task))
                results.append(Enqueued(task_id, duplicate=False))
            if fresh:
                depth = db.execute(
                    "SELECT COALESCE(SUM(n), 0) FROM state_counts"
                    " WHERE state IN ('queued', 'leased')"
                ).fetchone()[0]
                if depth + len(fresh) > max_depth:
                    raise QueueFull(depth, max_depth)
            db.executemany(
                "INSERT INTO tasks (id, type, payload, metadata, priority, not_before, skillset,"
                " state, max_attempts, created_at, updated_at, idempotency_key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
                [
                    (
                        task_id,
                        t.type,
                        t.payload,
                        json.dumps(t.metadata, sort_keys=True),
                        t.priority,
                        t.not_before or now,
                        skillset_key(t.skills),
                        t.max_attempts,
                        now,
                        now,
                        t.idempotency_key,
                    )
                    for task_id, t in fresh
                ],
            )
            db.executemany(
                "INSERT OR REPLACE INTO dedup (key, task_id, expires_at) VALUES (?, ?, ?)",
                [(key, task_id, now + dedup_window) for key, task_id in batch_keys.items()],
            )
            db.executemany(
                "INSERT OR IGNORE INTO skillsets (key) VALUES (?)",
                [(k,) for k in {skillset_key(t.skills) for _, t in fresh}],
            )
        return results

    def claim(
        self,
        worker_id: str,
        skills: frozenset[str],
        limit: int,
        *,
        now: float,
        lease_seconds: float,
        attempt_prefix: str,
        skilled_only: bool = False,
    ) -> list[Claim]:
        if limit <= 0:
            return []
        lease_until = now + lease_seconds
        with self._write() as db:
            known = [row[0] for row in db.execute("SELECT key FROM skillsets")]
            matching = [k for k in known if skillset_of(k) <= skills and (k or not skilled_only)]
            if not matching:
                return []
            # The planner, without statistics, would rather walk tasks_state
            # and sort every queued row; the ready index is already in order.
            query = (
                "SELECT seq FROM tasks INDEXED BY tasks_ready"
                " WHERE state = 'queued' AND not_before <= ?"
            )
            params: list[Any] = [now]
            if len(matching) < len(known):
                query += f" AND skillset IN ({','.join('?' * len(matching))})"
                params.extend(matching)
            query += " ORDER BY priority DESC, seq LIMIT ?"
            params.append(limit)
            seqs = [row[0] for row in db.execute(query, params)]
            if not seqs:
                return []
            db.executemany(
                "UPDATE tasks SET state = 'leased', attempts = attempts + 1, attempt_id = ?,"
                " worker_id = ?, lease_until = ?, updated_at = ? WHERE seq = ?",
                [
                    (attempt_id(attempt_prefix, i), worker_id, lease_until, now, seq)
                    for i, seq in enumerate(seqs)
                ],
            )
            rows = db.execute(
                f"SELECT {COLUMNS} FROM tasks WHERE seq IN ({','.join('?' * len(seqs))})"
                " ORDER BY priority DESC, seq",
                seqs,
            ).fetchall()
        return [Claim(_task(row), row[10], lease_until) for row in rows]

    def _settle(self, db: sqlite3.Connection, task_id: str, attempt_id: str) -> Settle:
        row = db.execute("SELECT state, attempt_id FROM tasks WHERE id = ?", (task_id,)).fetchone()
        if row is None:
            return Settle.NOT_FOUND
        if row[0] != State.LEASED or row[1] != attempt_id:
            return Settle.STALE
        return Settle.OK

    def ack(
        self, task_id: str, attempt_id: str, result: bytes, *, now: float, result_ttl: float
    ) -> Settle:
        return self.ack_many([(task_id, attempt_id, result)], now=now, result_ttl=result_ttl)[0]

    def ack_many(
        self, items: Sequence[tuple[str, str, bytes]], *, now: float, result_ttl: float
    ) -> list[Settle]:
        statuses: list[Settle] = []
        with self._write() as db:
            for task_id, attempt_id, result in items:
                status = self._settle(db, task_id, attempt_id)
                if status is Settle.OK:
                    db.execute(
                        "UPDATE tasks SET state = 'succeeded', result = ?, updated_at = ?,"
                        " expires_at = ?, lease_until = 0, error = '' WHERE id = ?",
                        (result, now, now + result_ttl, task_id),
                    )
                statuses.append(status)
        return statuses

    def nack(
        self, task_id: str, attempt_id: str, error: str, *, now: float, retry_at: float | None
    ) -> Settle:
        with self._write() as db:
            status = self._settle(db, task_id, attempt_id)
            if status is Settle.OK:
                db.execute(
                    "UPDATE tasks SET state = ?, not_before = ?, error = ?, updated_at = ?,"
                    " attempt_id = '', worker_id = '', lease_until = 0 WHERE id = ?",
                    (
                        State.DEAD if retry_at is None else State.QUEUED,
                        now if retry_at is None else retry_at,
                        error,
                        now,
                        task_id,
                    ),
                )
        return status

    def extend(self, task_id: str, attempt_id: str, *, lease_until: float) -> Settle:
        with self._write() as db:
            status = self._settle(db, task_id, attempt_id)
            if status is Settle.OK:
                db.execute(
                    "UPDATE tasks SET lease_until = MAX(lease_until, ?) WHERE id = ?",
                    (lease_until, task_id),
                )
        return status

    def heartbeat(self, worker_id: str, attempt_ids: Sequence[str], *, lease_until: float) -> int:
        held = set(attempt_ids)
        with self._write() as db:
            seqs = [
                (lease_until, seq)
                for seq, attempt in db.execute(
                    "SELECT seq, attempt_id FROM tasks INDEXED BY tasks_worker"
                    " WHERE state = 'leased' AND worker_id = ?",
                    (worker_id,),
                )
                if attempt in held
            ]
            db.executemany(
                "UPDATE tasks SET lease_until = MAX(lease_until, ?) WHERE seq = ?",
                seqs,
            )
        return len(seqs)

    def expire_leases(self, *, now: float) -> list[str]:
        with self._write() as db:
            rows = db.execute(
                REQUEUE.format(index="tasks_leases", where="lease_until <= :now"),
                {"now": now, "error": "lease expired"},
            ).fetchall()
        return [row[0] for row in rows]

    def release_worker(self, worker_id: str, *, now: float) -> list[str]:
        with self._write() as db:
            rows = db.execute(
                REQUEUE.format(index="tasks_worker", where="worker_id = :worker"),
                {"now": now, "error": "worker stopped heartbeating", "worker": worker_id},
            ).fetchall()
        return [row[0] for row in rows]

    def cancel(self, task_id: str, *, now: float, result_ttl: float) -> Cancelled | None:
        with self._write() as db:
            row = db.execute(
                "SELECT state, worker_id, attempt_id FROM tasks WHERE id = ?", (task_id,)
            ).fetchone()
            if row is None:
                return None
            found = Cancelled(State(row[0]), row[1], row[2])
            if found.previous in (State.QUEUED, State.LEASED):
                db.execute(
                    "UPDATE tasks SET state = 'cancelled', updated_at = ?, expires_at = ?,"
                    " attempt_id = '', lease_until = 0 WHERE id = ?",
                    (now, now + result_ttl, task_id),
                )
        return found

    def replay(self, task_ids: Sequence[str] | None, *, now: float) -> list[str]:
        with self._write() as db:
            if task_ids is None:
                ids = [r[0] for r in db.execute("SELECT id FROM tasks WHERE state = 'dead'")]
            else:
                ids = list(task_ids)
            replayed: list[str] = []
            for task_id in ids:
                cursor = db.execute(
                    "UPDATE tasks SET state = 'queued', attempts = 0, not_before = ?,"
                    " updated_at = ?, error = '' WHERE id = ? AND state = 'dead'",
                    (now, now, task_id),
                )
                if cursor.rowcount:
                    replayed.append(task_id)
        return replayed

    def get(self, task_id: str) -> Task | None:
        with self._read() as db:
            row = db.execute(f"SELECT {COLUMNS} FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return _task(row) if row else None

    def list_tasks(self, state: State | None, *, limit: int) -> list[Task]:
        with self._read() as db:
            if state is None:
                rows = db.execute(
                    f"SELECT {COLUMNS} FROM tasks ORDER BY seq DESC LIMIT ?", (limit,)
                ).fetchall()
            else:
                rows = db.execute(
                    f"SELECT {COLUMNS} FROM tasks WHERE state = ? ORDER BY updated_at, seq LIMIT ?",
                    (state.value, limit),
                ).fetchall()
        return [_task(row) for row in rows]

    def counts(self, *, now: float) -> dict[str, int]:
        counts = {s.value: 0 for s in State}
        with self._read() as db:
            db.execute("BEGIN")  # one snapshot for both reads
            try:
                counts.update(db.execute("SELECT state, n FROM state_counts").fetchall())
                counts["delayed"] = db.execute(
                    "SELECT COUNT(*) FROM tasks INDEXED BY tasks_due"
                    " WHERE state = 'queued' AND not_before > ?",
                    (now,),
                ).fetchone()[0]
            finally:
                db.execute("COMMIT")
        counts[State.QUEUED.value] -= counts["delayed"]
        return counts

    def next_due(self, *, now: float) -> float | None:
        with self._read() as db:
            row = db.execute(
                "SELECT MIN(not_before) FROM tasks INDEXED BY tasks_due"
                " WHERE state = 'queued' AND not_before > ?",
                (now,),
            ).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def purge(self, *, now: float) -> int:
        with self._write() as db:
            gone = db.execute(
                "DELETE FROM tasks WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,)
            ).rowcount
            db.execute("DELETE FROM dedup WHERE expires_at <= ?", (now,))
        return gone

    def close(self) -> None:
        self._stopping.set()
        self._checkpointer.join(timeout=5)
        with self._read_lock:
            self._reader.close()
        with self._lock:
            self._db.close()
