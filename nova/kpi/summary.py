"""The KPIs as rows for people and scripts: one row per recorded series."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from nova.kpi.catalogue import CATALOGUE, Kind
from nova.kpi.series import compute
from nova.kpi.store import KpiStore


@dataclass(frozen=True)
class SeriesRow:
    metric: str
    kind: str
    labels: dict[str, str]
    count: float  # counter value, or observations in a histogram
    avg: float | None = None
    p50: float | None = None
    p95: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def summarize(store: KpiStore, since: float | None = None) -> list[SeriesRow]:
    """Every recorded series, in catalogue order; `since` limits to recent minutes."""
    rows = []
    for spec in CATALOGUE.values():
        for series in store.read(spec.name, since=since):
            if spec.kind is Kind.COUNTER:
                rows.append(SeriesRow(spec.name, spec.kind.value, series.labels, series.count))
                continue
            stats = {
                stat: _number(compute(spec.kind, stat, series, spec.buckets, None))
                for stat in ("avg", "p50", "p95")
            }
            rows.append(SeriesRow(spec.name, spec.kind.value, series.labels, series.count, **stats))
    return rows


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 6)
