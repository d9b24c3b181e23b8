"""Thresholds evaluated against a real store: windows, label selection, statistics."""

from __future__ import annotations

import math

from nova.kpi.store import Inc, KpiStore, Observe
from nova.monitor.evaluate import evaluate
from nova.monitor.thresholds import Threshold

NOW = 1_800_000_000.0


def failures(**overrides: object) -> Threshold:
    fields: dict[str, object] = {
        "name": "provision_failures",
        "metric": "provision_runs_total",
        "stat": "increase",
        "op": ">",
        "value": 0.0,
        "window_s": 3600.0,
        "labels": {"status": "failed"},
    }
    fields.update(overrides)
    return Threshold(**fields)


def test_counter_increase_inside_the_window(store: KpiStore) -> None:
    store.record(Inc("provision_runs_total", {"status": "failed"}), at=NOW - 7200)
    store.record(Inc("provision_runs_total", {"status": "successful"}, 5), at=NOW - 60)
    (quiet,) = evaluate((failures(),), store, NOW)
    assert (quiet.observed, quiet.breached) == (0.0, False)
    store.record(Inc("provision_runs_total", {"status": "failed"}), at=NOW - 60)
    (loud,) = evaluate((failures(),), store, NOW)
    assert (loud.observed, loud.breached) == (1.0, True)
    (all_time,) = evaluate((failures(window_s=None),), store, NOW)
    assert all_time.observed == 2.0


def test_labels_select_and_sum_series(store: KpiStore) -> None:
    for phase, status in (("base", "failed"), ("vpn", "failed"), ("vpn", "successful")):
        store.record(Inc("provision_phases_total", {"phase": phase, "status": status}), at=NOW)
    rule = failures(metric="provision_phases_total", op=">=", value=2.0)
    (result,) = evaluate((rule,), store, NOW)
    assert (result.observed, result.breached) == (2.0, True)
    (vpn,) = evaluate(
        (failures(metric="provision_phases_total", labels={"phase": "vpn"}),), store, NOW
    )
    assert vpn.observed == 2.0


def test_histogram_quantile_and_rate(store: KpiStore) -> None:
    for value in [0.0002] * 95 + [0.08] * 5:
        store.record(
            Observe("policy_decision_duration_seconds", value, {"policy": "queue"}), at=NOW
        )
    p95 = failures(
        metric="policy_decision_duration_seconds", stat="p95", labels={}, op=">", value=0.01
    )
    p99 = failures(
        name="p99", metric="policy_decision_duration_seconds", stat="p99", labels={}, value=0.05
    )
    rate = failures(
        name="rate", metric="policy_decision_duration_seconds", stat="rate", labels={}, value=1.0
    )
    low, high, per_second = evaluate((p95, p99, rate), store, NOW)
    assert low.observed <= 0.00025 and not low.breached
    assert 0.05 < high.observed <= 0.1 and high.breached
    assert per_second.observed == 100 / 3600 and not per_second.breached


def test_no_data_never_breaches(store: KpiStore) -> None:
    rule = failures(metric="provision_run_duration_seconds", stat="avg", op="<", value=1e9)
    (result,) = evaluate((rule,), store, NOW)
    assert math.isnan(result.observed) and not result.breached
    assert result.to_alert()["observed"] is None


def test_alert_carries_a_stable_fingerprint(store: KpiStore) -> None:
    store.record(Inc("provision_runs_total", {"status": "failed"}), at=NOW)
    (first,) = evaluate((failures(),), store, NOW)
    (second,) = evaluate((failures(),), store, NOW + 30)
    (other,) = evaluate((failures(value=5.0),), store, NOW)
    assert first.fingerprint == second.fingerprint != other.fingerprint
    alert = first.to_alert()
    assert alert["name"] == "provision_failures" and alert["observed"] == 1.0
    assert alert["at"].startswith("2027-01-15T")
