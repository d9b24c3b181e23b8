"""One labelled series read back from the store, and the statistics over it.

Histogram quantiles are estimated from the bucket counts by linear
interpolation inside the bucket that holds the rank, as Prometheus'
`histogram_quantile` does, so a threshold on `p95` here and a PromQL alert
on the exported histogram agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from nova.kpi.catalogue import Kind

COUNTER_STATS = ("increase", "rate")
HISTOGRAM_STATS = ("count", "sum", "avg", "rate", "p50", "p90", "p95", "p99")


@dataclass
class Series:
    labels: dict[str, str]
    count: float = 0.0
    sum: float = 0.0
    # upper bound -> observations in that bucket only (not cumulative)
    buckets: dict[float, float] = field(default_factory=dict)

    def merge(self, other: Series) -> None:
        self.count += other.count
        self.sum += other.sum
        for bound, hits in other.buckets.items():
            self.buckets[bound] = self.buckets.get(bound, 0.0) + hits

    def cumulative(self, bounds: tuple[float, ...]) -> list[tuple[float, float]]:
        """(upper bound, observations at or below it), ending with +Inf."""
        running = 0.0
        rows = []
        for bound in bounds:
            running += self.buckets.get(bound, 0.0)
            rows.append((bound, running))
        rows.append((math.inf, self.count))
        return rows


def stat_names(kind: Kind) -> tuple[str, ...]:
    return COUNTER_STATS if kind is Kind.COUNTER else HISTOGRAM_STATS


def compute(
    kind: Kind, stat: str, series: Series, bounds: tuple[float, ...], seconds: float | None
) -> float:
    """The value of `stat` over `series`; `seconds` is the window, for rates."""
    if stat in ("increase", "count"):
        return series.count
    if stat == "rate":
        return series.count / seconds if seconds else math.nan
    if stat == "sum":
        return series.sum
    if stat == "avg":
        return series.sum / series.count if series.count else math.nan
    if kind is Kind.HISTOGRAM and stat.startswith("p"):
        return quantile(int(stat[1:]) / 100, series.cumulative(bounds))
    raise ValueError(f"unknown statistic {stat!r} for a {kind.value}")


def quantile(q: float, cumulative: list[tuple[float, float]]) -> float:
    """Estimate the q-quantile from cumulative (bound, count) rows; NaN when empty."""
    total = cumulative[-1][1] if cumulative else 0.0
    if total <= 0:
        return math.nan
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in cumulative:
        if count >= rank:
            if math.isinf(bound):
                # Above the highest finite bucket: the best estimate is that bound.
                return lower_bound
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (
                count - lower_count
            )
        lower_bound, lower_count = bound, count
    return lower_bound
