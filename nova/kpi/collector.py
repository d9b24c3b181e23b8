"""A Prometheus collector that reads the KPI store at each scrape.

Reading the store, rather than keeping in-process counters, is what lets any
process that serves metrics (the queue server, `nova monitor serve`) export
what every other process recorded.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from nova.kpi.catalogue import CATALOGUE, Kind, MetricSpec
from nova.kpi.series import Series
from nova.kpi.store import KpiStore

# Exported names carry the application's namespace: nova_provision_runs_total.
NAMESPACE = "nova"


class KpiCollector(Collector):
    def __init__(self, store: KpiStore) -> None:
        self.store = store

    def describe(self) -> Iterator[Metric]:
        # Families without samples: registering the collector does not read the store.
        for spec in CATALOGUE.values():
            yield _family(spec)

    def collect(self) -> Iterator[Metric]:
        for spec in CATALOGUE.values():
            family = _family(spec)
            for series in self.store.read(spec.name):
                _add(family, spec, series)
            yield family


def _family(spec: MetricSpec) -> CounterMetricFamily | HistogramMetricFamily:
    name = f"{NAMESPACE}_{spec.name}"
    if spec.kind is Kind.COUNTER:
        return CounterMetricFamily(name, spec.help, labels=spec.labels)
    return HistogramMetricFamily(name, spec.help, labels=spec.labels)


def _add(
    family: CounterMetricFamily | HistogramMetricFamily, spec: MetricSpec, series: Series
) -> None:
    values = [series.labels[name] for name in spec.labels]
    if isinstance(family, CounterMetricFamily):
        family.add_metric(values, series.count)
        return
    buckets = [(_bound(le), count) for le, count in series.cumulative(spec.buckets)]
    family.add_metric(values, buckets, series.sum)


def _bound(le: float) -> str:
    # Prometheus' own spelling of bucket bounds: "+Inf", "0.5", "60.0".
    return "+Inf" if le == float("inf") else repr(float(le))
