"""Evaluate thresholds against the KPI store.

A threshold's labels select series (every series whose labels include
them); the selected series are added up and the threshold's statistic is
computed over the sum, inside its window. A statistic with no data (the
average or a quantile of nothing) is NaN and never breaches.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nova.kpi.series import Series, compute
from nova.kpi.store import KpiStore
from nova.monitor.thresholds import Threshold


@dataclass(frozen=True)
class Evaluation:
    threshold: Threshold
    observed: float
    breached: bool
    at: float

    @property
    def fingerprint(self) -> str:
        """Stable across checks for the same threshold, so receivers can group repeats."""
        t = self.threshold
        key = json.dumps([t.name, t.metric, t.labels, t.stat, t.op, t.value], sort_keys=True)
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def to_alert(self) -> dict[str, Any]:
        t = self.threshold
        return {
            "name": t.name,
            "severity": t.severity,
            "description": t.description,
            "metric": t.metric,
            "labels": t.labels,
            "stat": t.stat,
            "op": t.op,
            "threshold": t.value,
            "observed": None if math.isnan(self.observed) else self.observed,
            "window_s": t.window_s,
            "fingerprint": self.fingerprint,
            "at": datetime.fromtimestamp(self.at, UTC).isoformat(timespec="seconds"),
        }


def evaluate(
    thresholds: tuple[Threshold, ...], store: KpiStore, now: float | None = None
) -> list[Evaluation]:
    """Every threshold's observed value and whether it is breached, in file order."""
    at = now if now is not None else time.time()
    return [_evaluate(threshold, store, at) for threshold in thresholds]


def _evaluate(threshold: Threshold, store: KpiStore, at: float) -> Evaluation:
    since = None if threshold.window_s is None else at - threshold.window_s
    total = Series(dict(threshold.labels))
    for series in store.read(threshold.metric, since=since):
        if all(series.labels.get(k) == v for k, v in threshold.labels.items()):
            total.merge(series)
    spec = threshold.spec
    observed = compute(spec.kind, threshold.stat, total, spec.buckets, threshold.window_s)
    return Evaluation(threshold, observed, threshold.breached(observed), at)
