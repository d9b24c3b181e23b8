"""KPIs persisted in SQLite under NOVA_HOME, safe to write from many processes.

Samples are kept per series and per minute: a counter increment or a
histogram observation is an upsert that adds to the current minute's row, so
writers in different processes never overwrite each other, and windowed
questions ("failed runs in the last hour") are sums over recent rows.
Minutes older than the retention are folded into one row per series (minute
0), so totals stay exact and only windows lose resolution past it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nova.core.errors import NovaError
from nova.core.paths import ensure_home, nova_home
from nova.kpi.catalogue import Kind, MetricSpec, spec_for
from nova.kpi.series import Series

HISTORY = 0  # the minute that holds series history folded by compact()
MAX_LABEL_LENGTH = 128

SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    metric TEXT NOT NULL,
    labels TEXT NOT NULL,
    minute INTEGER NOT NULL,
    count REAL NOT NULL,
    sum REAL NOT NULL,
    PRIMARY KEY (metric, labels, minute)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS buckets (
    metric TEXT NOT NULL,
    labels TEXT NOT NULL,
    minute INTEGER NOT NULL,
    le REAL NOT NULL,
    count REAL NOT NULL,
    PRIMARY KEY (metric, labels, minute, le)
) WITHOUT ROWID;
"""

ADD_SAMPLE = """
INSERT INTO samples (metric, labels, minute, count, sum) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (metric, labels, minute)
DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum
"""
ADD_BUCKET = """
INSERT INTO buckets (metric, labels, minute, le, count) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (metric, labels, minute, le) DO UPDATE SET count = count + excluded.count
"""


def default_path() -> Path:
    return nova_home() / "kpi.db"


class KpiStore:
    """Counters and histograms from the catalogue, by series and minute."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def inc(self, name: str, labels: Mapping[str, str] | None = None, amount: float = 1.0) -> None:
        """Add `amount` (>= 0) to a counter."""
        self.record(Inc(name, labels, amount))

    def observe(self, name: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        """Record one observation in a histogram."""
        self.record(Observe(name, value, labels))

    def record(self, *updates: Inc | Observe, at: float | None = None) -> None:
        """Apply several updates in one transaction: all of them land, or none."""
        minute = _minute(at)
        rows = [_rows(update, minute) for update in updates]
        with self._transaction() as db:
            for samples, buckets in rows:
                db.execute(ADD_SAMPLE, samples)
                if buckets is not None:
                    db.execute(ADD_BUCKET, buckets)

    def add_totals(
        self,
        samples: list[tuple[str, str, float, float]],
        buckets: list[tuple[str, str, float, float]],
        at: float | None = None,
    ) -> None:
        """Add sums made elsewhere (a KpiBuffer) to the minute of `at`, in one transaction.

        `samples` are (metric, label key, count, sum); `buckets` are (metric,
        label key, bound, count), the label keys made by `label_key`.
        """
        minute = _minute(at)
        with self._transaction() as db:
            db.executemany(
                ADD_SAMPLE,
                [(name, key, minute, count, total) for name, key, count, total in samples],
            )
            db.executemany(
                ADD_BUCKET, [(name, key, minute, le, count) for name, key, le, count in buckets]
            )

    def read(self, name: str, since: float | None = None) -> list[Series]:
        """Every series of `name`, summed over all time or from `since` (epoch seconds)."""
        spec_for(name)
        if not self.path.exists():
            return []
        first = HISTORY if since is None else max(_minute(since), HISTORY + 1)
        found: dict[str, Series] = {}
        with self._lock:
            db = self._connection()
            # One read transaction: counts and buckets from the same snapshot, so
            # a bucket never exceeds its series' count in a scrape.
            db.execute("BEGIN")
            try:
                rows = db.execute(
                    "SELECT labels, SUM(count), SUM(sum) FROM samples "
                    "WHERE metric = ? AND minute >= ? GROUP BY labels ORDER BY labels",
                    (name, first),
                ).fetchall()
                buckets = db.execute(
                    "SELECT labels, le, SUM(count) FROM buckets "
                    "WHERE metric = ? AND minute >= ? GROUP BY labels, le",
                    (name, first),
                ).fetchall()
            finally:
                db.execute("COMMIT")
        for key, count, total in rows:
            found[key] = Series(json.loads(key), count, total)
        for key, bound, hits in buckets:
            found.setdefault(key, Series(json.loads(key))).buckets[bound] = hits
        return list(found.values())

    def compact(self, keep_seconds: float, now: float | None = None) -> int:
        """Fold minutes older than `keep_seconds` into each series' history row.

        Returns how many minute rows were folded. Totals do not change.
        """
        cutoff = _minute((now if now is not None else time.time()) - keep_seconds)
        if not self.path.exists():
            return 0
        with self._transaction() as db:
            folded = db.execute(
                "SELECT COUNT(*) FROM samples WHERE minute > ? AND minute < ?",
                (HISTORY, cutoff),
            ).fetchone()[0]
            db.execute(
                "INSERT INTO samples (metric, labels, minute, count, sum) "
                "SELECT metric, labels, ?, SUM(count), SUM(sum) FROM samples "
                "WHERE minute > ? AND minute < ? GROUP BY metric, labels "
                "ON CONFLICT (metric, labels, minute) "
                "DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum",
                (HISTORY, HISTORY, cutoff),
            )
            db.execute(
                "INSERT INTO buckets (metric, labels, minute, le, count) "
                "SELECT metric, labels, ?, le, SUM(count) FROM buckets "
                "WHERE minute > ? AND minute < ? GROUP BY metric, labels, le "
                "ON CONFLICT (metric, labels, minute, le) "
                "DO UPDATE SET count = count + excluded.count",
                (HISTORY, HISTORY, cutoff),
            )
            db.execute("DELETE FROM samples WHERE minute > ? AND minute < ?", (HISTORY, cutoff))
            db.execute("DELETE FROM buckets WHERE minute > ? AND minute < ?", (HISTORY, cutoff))
        return int(folded)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._connection()
            # IMMEDIATE takes the write lock up front, so related upserts land
            # together even with writers in other processes.
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _connection(self) -> sqlite3.Connection:
        # A connection must not cross fork(); a child opens its own.
        if self._db is not None and self._pid == os.getpid():
            return self._db
        if self.path.parent == nova_home():
            ensure_home()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            db.execute("PRAGMA busy_timeout = 30000")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise NovaError(f"{self.path}: cannot open KPI store: {exc}") from exc
        self._db, self._pid = db, os.getpid()
        return db


@dataclass(frozen=True)
class Inc:
    name: str
    labels: Mapping[str, str] | None = None
    amount: float = 1.0


@dataclass(frozen=True)
class Observe:
    name: str
    value: float
    labels: Mapping[str, str] | None = None


def _rows(
    update: Inc | Observe, minute: int
) -> tuple[tuple[object, ...], tuple[object, ...] | None]:
    """The sample row and, for an observation inside a bucket, the bucket row."""
    if isinstance(update, Inc):
        spec = _expect(update.name, Kind.COUNTER)
        if not update.amount >= 0:
            raise ValueError(f"{update.name}: a counter only goes up (got {update.amount})")
        key = label_key(spec, update.labels)
        return (update.name, key, minute, update.amount, update.amount), None
    spec = _expect(update.name, Kind.HISTOGRAM)
    if update.value != update.value:
        raise ValueError(f"{update.name}: cannot observe NaN")
    key = label_key(spec, update.labels)
    sample = (update.name, key, minute, 1.0, update.value)
    # Above every bound, an observation is counted only in +Inf (the sample count).
    bound = next((b for b in spec.buckets if update.value <= b), None)
    return sample, None if bound is None else (update.name, key, minute, bound, 1.0)


def label_key(spec: MetricSpec, labels: Mapping[str, str] | None) -> str:
    """The canonical JSON of a series' labels; ValueError unless they match the spec."""
    given = dict(labels or {})
    if set(given) != set(spec.labels):
        raise ValueError(f"{spec.name}: labels {sorted(given)} do not match {sorted(spec.labels)}")
    for label, value in given.items():
        if not isinstance(value, str) or not value or len(value) > MAX_LABEL_LENGTH:
            raise ValueError(f"{spec.name}: label {label} must be a short non-empty string")
    return json.dumps(given, sort_keys=True, separators=(",", ":"))


def _expect(name: str, kind: Kind) -> MetricSpec:
    spec = spec_for(name)
    if spec.kind is not kind:
        raise ValueError(f"{name} is a {spec.kind.value}, not a {kind.value}")
    return spec


def _minute(at: float | None) -> int:
    return int((at if at is not None else time.time()) // 60)
