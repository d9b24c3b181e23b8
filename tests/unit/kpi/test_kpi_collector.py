"""The Prometheus view of the store, parsed back with prometheus_client's own parser."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from nova.kpi.exporter import build_registry, register_kpis
from nova.kpi.store import KpiStore


def samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_exposition_has_counters_and_cumulative_buckets(store: KpiStore) -> None:
    store.inc("provision_runs_total", {"status": "failed"}, 2)
    for value in (3.0, 50.0, 50.0):
        store.observe("provision_run_duration_seconds", value, {"status": "failed"})
    found = samples(build_registry(store))
    failed = ("status", "failed")
    assert found[("nova_provision_runs_total", (failed,))] == 2.0
    assert found[("nova_provision_run_duration_seconds_bucket", (("le", "5.0"), failed))] == 1.0
    assert found[("nova_provision_run_duration_seconds_bucket", (("le", "60.0"), failed))] == 3.0
    assert found[("nova_provision_run_duration_seconds_bucket", (("le", "+Inf"), failed))] == 3.0
    assert found[("nova_provision_run_duration_seconds_count", (failed,))] == 3.0
    assert found[("nova_provision_run_duration_seconds_sum", (failed,))] == 103.0


def test_each_scrape_reads_what_was_recorded_since(store: KpiStore) -> None:
    registry = build_registry(store)
    key = ("nova_queue_tasks_total", (("state", "done"), ("task_type", "shell")))
    assert key not in samples(registry)
    store.inc("queue_tasks_total", {"task_type": "shell", "state": "done"})
    assert samples(registry)[key] == 1.0
    store.inc("queue_tasks_total", {"task_type": "shell", "state": "done"})
    assert samples(registry)[key] == 2.0


def test_kpis_join_a_registry_that_already_exports_other_metrics(store: KpiStore) -> None:
    registry = CollectorRegistry()
    Counter("queue_rpcs", "RPCs served", registry=registry).inc()
    register_kpis(registry, store)
    store.inc("provision_runs_total", {"status": "successful"})
    found = samples(registry)
    assert found[("queue_rpcs_total", ())] == 1.0
    assert found[("nova_provision_runs_total", (("status", "successful"),))] == 1.0


def test_registering_does_not_touch_the_store(store: KpiStore) -> None:
    build_registry(store)
    assert not store.path.exists()
