"""The KPI store: counters, histograms, windows, compaction and bad writes."""

from __future__ import annotations

import sqlite3

import pytest

from nova.kpi.store import Inc, KpiStore, Observe

NOW = 1_800_000_000.0  # a fixed clock, on a minute boundary


def by_labels(store: KpiStore, name: str, since: float | None = None) -> dict[str, float]:
    return {",".join(s.labels.values()): s.count for s in store.read(name, since=since)}


def test_counters_add_up_per_series(store: KpiStore) -> None:
    store.inc("provision_runs_total", {"status": "failed"})
    store.inc("provision_runs_total", {"status": "failed"}, 2)
    store.inc("provision_runs_total", {"status": "successful"})
    assert by_labels(store, "provision_runs_total") == {"failed": 3.0, "successful": 1.0}


def test_histogram_keeps_count_sum_and_buckets(store: KpiStore) -> None:
    for value in (0.5, 20.0, 20.0, 9999.0):
        store.observe("provision_phase_duration_seconds", value, {"phase": "base"})
    (series,) = store.read("provision_phase_duration_seconds")
    assert (series.count, series.sum) == (4.0, 10039.5)
    assert series.buckets == {1.0: 1.0, 30.0: 2.0}  # 9999 s is above every bound
    cumulative = dict(series.cumulative((1.0, 5.0, 30.0, 7200.0)))
    assert cumulative[30.0] == 3.0 and cumulative[7200.0] == 3.0
    assert cumulative[float("inf")] == 4.0


def test_windows_count_only_recent_minutes(store: KpiStore) -> None:
    store.record(Inc("provision_runs_total", {"status": "failed"}), at=NOW - 7200)
    store.record(Inc("provision_runs_total", {"status": "failed"}), at=NOW - 600)
    store.record(Inc("provision_runs_total", {"status": "failed"}), at=NOW)
    assert by_labels(store, "provision_runs_total", since=NOW - 3600) == {"failed": 2.0}
    assert by_labels(store, "provision_runs_total", since=NOW - 60) == {"failed": 1.0}
    assert by_labels(store, "provision_runs_total") == {"failed": 3.0}


def test_compaction_keeps_totals_and_recent_windows(store: KpiStore) -> None:
    for age in (40 * 86400, 35 * 86400, 3600, 0):
        store.record(
            Inc("provision_runs_total", {"status": "failed"}),
            Observe("provision_run_duration_seconds", 100.0, {"status": "failed"}),
            at=NOW - age,
        )
    assert store.compact(30 * 86400, now=NOW) == 4  # two minutes of two metrics
    assert store.compact(30 * 86400, now=NOW) == 0
    assert by_labels(store, "provision_runs_total") == {"failed": 4.0}
    assert by_labels(store, "provision_runs_total", since=NOW - 7200) == {"failed": 2.0}
    (series,) = store.read("provision_run_duration_seconds")
    assert (series.count, series.sum, series.buckets) == (4.0, 400.0, {120.0: 4.0})


def test_a_batch_lands_whole_or_not_at_all(store: KpiStore) -> None:
    store.inc("provision_runs_total", {"status": "failed"})
    with pytest.raises(ValueError, match="labels"):
        store.record(
            Inc("provision_runs_total", {"status": "failed"}),
            Observe("provision_run_duration_seconds", 1.0, {"phase": "base"}),
        )
    assert by_labels(store, "provision_runs_total") == {"failed": 1.0}
    assert store.read("provision_run_duration_seconds") == []


@pytest.mark.parametrize(
    ("update", "message"),
    [
        (Inc("no_such_metric_total"), "unknown metric"),
        (Inc("provision_run_duration_seconds", {"status": "x"}), "is a histogram"),
        (Observe("provision_runs_total", 1.0, {"status": "x"}), "is a counter"),
        (Inc("provision_runs_total", {"status": "x"}, -1), "only goes up"),
        (Inc("provision_runs_total", {"status": ""}), "non-empty string"),
        (Inc("provision_runs_total", {"status": "x", "host": "a"}), "do not match"),
        (Observe("provision_run_phases", float("nan")), "NaN"),
    ],
)
def test_bad_writes_are_refused(store: KpiStore, update: Inc | Observe, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        store.record(update)


def test_reading_a_store_that_was_never_written_creates_nothing(store: KpiStore) -> None:
    assert store.read("provision_runs_total") == []
    assert not store.path.exists()


def test_writers_add_to_one_row_per_series_and_minute(store: KpiStore) -> None:
    store.record(Inc("provision_runs_total", {"status": "failed"}), at=NOW)
    store.record(Inc("provision_runs_total", {"status": "failed"}), at=NOW + 1)
    with sqlite3.connect(store.path) as db:
        rows = db.execute("SELECT count FROM samples").fetchall()
    assert rows == [(2.0,)]
