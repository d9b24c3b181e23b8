"""Statistics over a series agree with Prometheus' histogram_quantile."""

from __future__ import annotations

import math

import pytest

from nova.kpi.catalogue import Kind
from nova.kpi.series import Series, compute, quantile

BOUNDS = (1.0, 10.0, 100.0)


def test_quantile_interpolates_inside_the_bucket() -> None:
    # 10 observations <= 1, 10 in (1, 10]: the median sits at the top of the first bucket,
    # p75 half way through the second.
    rows = [(1.0, 10.0), (10.0, 20.0), (100.0, 20.0), (math.inf, 20.0)]
    assert quantile(0.5, rows) == 1.0
    assert quantile(0.75, rows) == pytest.approx(5.5)


def test_quantile_above_every_bound_is_the_highest_bound() -> None:
    assert quantile(0.99, [(1.0, 0.0), (10.0, 1.0), (math.inf, 5.0)]) == 10.0


def test_empty_series_has_no_average_or_quantile() -> None:
    empty = Series({})
    assert math.isnan(compute(Kind.HISTOGRAM, "p95", empty, BOUNDS, 3600))
    assert math.isnan(compute(Kind.HISTOGRAM, "avg", empty, BOUNDS, 3600))
    assert compute(Kind.HISTOGRAM, "count", empty, BOUNDS, 3600) == 0.0


def test_rate_divides_by_the_window() -> None:
    series = Series({}, count=120.0, sum=60.0, buckets={1.0: 120.0})
    assert compute(Kind.COUNTER, "rate", series, (), 60.0) == 2.0
    assert compute(Kind.HISTOGRAM, "avg", series, BOUNDS, None) == 0.5
    assert compute(Kind.HISTOGRAM, "p50", series, BOUNDS, None) == 0.5


def test_merge_adds_buckets() -> None:
    total = Series({}, 1.0, 2.0, {1.0: 1.0})
    total.merge(Series({"phase": "base"}, 2.0, 30.0, {1.0: 1.0, 100.0: 1.0}))
    assert (total.count, total.sum, total.buckets) == (3.0, 32.0, {1.0: 2.0, 100.0: 1.0})
