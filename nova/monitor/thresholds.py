"""Alert thresholds: a YAML file loaded and validated into typed rules.

The file is either a list of thresholds or a mapping with `thresholds:` and
an optional `webhook:`. Every mistake is reported as one InputError naming
the file, the field (`thresholds[2].op`) and the reason, before anything is
evaluated or sent.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nova.core.durations import parse_duration
from nova.core.errors import InputError
from nova.core.yamlfile import load_yaml
from nova.kpi.catalogue import CATALOGUE, Kind, MetricSpec
from nova.kpi.series import stat_names

# Minute samples are kept this long (see KpiStore.compact); longer windows
# could not be answered.
RETENTION_S = 30 * 86400
DEFAULT_WINDOW = "1h"
SEVERITIES = ("info", "warning", "critical")
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
THRESHOLD_KEYS = {
    "name",
    "metric",
    "labels",
    "stat",
    "op",
    "value",
    "window",
    "severity",
    "description",
}
WEBHOOK_KEYS = {"url", "timeout", "retries", "token_env"}
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}\Z")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Threshold:
    name: str
    metric: str
    stat: str
    op: str
    value: float
    window_s: float | None  # None: since the store began
    labels: dict[str, str] = field(default_factory=dict)
    severity: str = "warning"
    description: str = ""

    @property
    def spec(self) -> MetricSpec:
        return CATALOGUE[self.metric]

    def breached(self, observed: float) -> bool:
        return not math.isnan(observed) and OPERATORS[self.op](observed, self.value)


@dataclass(frozen=True)
class Webhook:
    url: str
    timeout_s: float = 5.0
    retries: int = 3
    token_env: str | None = None  # bearer token read from this variable when sending


@dataclass(frozen=True)
class ThresholdFile:
    path: Path
    thresholds: tuple[Threshold, ...]
    webhook: Webhook | None = None


def load(path: Path) -> ThresholdFile:
    """Read and validate a thresholds file; InputError on the first mistake."""
    return parse(load_yaml(path, missing="thresholds file not found"), path)


def parse(document: Any, path: Path) -> ThresholdFile:
    if isinstance(document, list):
        document = {"thresholds": document}
    if not isinstance(document, dict):
        raise InputError(path, None, "expected a list of thresholds or a mapping")
    unknown = sorted(set(map(str, document)) - {"thresholds", "webhook"})
    if unknown:
        raise InputError(path, unknown[0], "unknown key (expected thresholds, webhook)")
    items = document.get("thresholds")
    if not isinstance(items, list) or not items:
        raise InputError(path, "thresholds", "must be a non-empty list")
    thresholds = tuple(_threshold(path, f"thresholds[{n}]", item) for n, item in enumerate(items))
    seen: set[str] = set()
    for n, threshold in enumerate(thresholds):
        if threshold.name in seen:
            raise InputError(path, f"thresholds[{n}].name", f"duplicate name {threshold.name!r}")
        seen.add(threshold.name)
    webhook = document.get("webhook")
    return ThresholdFile(
        path, thresholds, None if webhook is None else _webhook(path, "webhook", webhook)
    )


def check_webhook_url(url: Any) -> str:
    """The URL if it is http(s) with a host; ValueError otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError("must be an http:// or https:// URL")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL")
    return url.strip()


def _threshold(path: Path, where: str, item: Any) -> Threshold:
    if not isinstance(item, dict):
        raise InputError(path, where, "must be a mapping")
    unknown = sorted(set(map(str, item)) - THRESHOLD_KEYS)
    if unknown:
        raise InputError(path, f"{where}.{unknown[0]}", "unknown key")
    for key in ("name", "metric", "op", "value"):
        if item.get(key) is None:
            raise InputError(path, f"{where}.{key}", "required")
    name = item["name"]
    if not isinstance(name, str) or not NAME.match(name):
        raise InputError(path, f"{where}.name", "letters, digits, '_', '.', '-' (1-64)")
    spec = _metric(path, f"{where}.metric", item["metric"])
    threshold = Threshold(
        name=name,
        metric=spec.name,
        stat=_stat(path, f"{where}.stat", item.get("stat"), spec),
        op=_choice(path, f"{where}.op", item["op"], tuple(OPERATORS)),
        value=_number(path, f"{where}.value", item["value"]),
        window_s=_window(path, f"{where}.window", item.get("window", DEFAULT_WINDOW)),
        labels=_labels(path, f"{where}.labels", item.get("labels"), spec),
        severity=_choice(path, f"{where}.severity", item.get("severity", "warning"), SEVERITIES),
        description=_text(path, f"{where}.description", item.get("description", "")),
    )
    if threshold.stat == "rate" and threshold.window_s is None:
        raise InputError(path, f"{where}.window", "a rate needs a window, not all")
    return threshold


def _metric(path: Path, where: str, value: Any) -> MetricSpec:
    name = str(value).removeprefix("nova_")
    if name not in CATALOGUE:
        raise InputError(path, where, f"unknown metric {value!r} (see `nova monitor kpis`)")
    return CATALOGUE[name]


def _stat(path: Path, where: str, value: Any, spec: MetricSpec) -> str:
    allowed = stat_names(spec.kind)
    if value is None:
        if spec.kind is Kind.COUNTER:
            return "increase"
        raise InputError(path, where, f"required for a histogram (one of {', '.join(allowed)})")
    return _choice(path, where, value, allowed)


def _labels(path: Path, where: str, value: Any, spec: MetricSpec) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(path, where, "must be a mapping of label to value")
    labels: dict[str, str] = {}
    for key, label_value in value.items():
        if key not in spec.labels:
            known = ", ".join(spec.labels) or "none"
            raise InputError(path, f"{where}.{key}", f"not a label of {spec.name} ({known})")
        if not isinstance(label_value, str | int) or isinstance(label_value, bool):
            raise InputError(path, f"{where}.{key}", "must be a string")
        labels[str(key)] = str(label_value)
    return labels


def _window(path: Path, where: str, value: Any) -> float | None:
    if value == "all":
        return None
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise InputError(path, where, f"{exc}, or all") from None
    if not 60 <= seconds <= RETENTION_S:
        raise InputError(path, where, "must be between 1m and 30d (or all)")
    return seconds


def _webhook(path: Path, where: str, value: Any) -> Webhook:
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict):
        raise InputError(path, where, "must be a URL or a mapping with url")
    unknown = sorted(set(map(str, value)) - WEBHOOK_KEYS)
    if unknown:
        raise InputError(path, f"{where}.{unknown[0]}", "unknown key")
    try:
        url = check_webhook_url(value.get("url"))
    except ValueError as exc:
        raise InputError(path, f"{where}.url", str(exc)) from None
    timeout = _number(path, f"{where}.timeout", value.get("timeout", 5))
    if not 0 < timeout <= 120:
        raise InputError(path, f"{where}.timeout", "must be between 0 and 120 seconds")
    retries = value.get("retries", 3)
    if not isinstance(retries, int) or isinstance(retries, bool) or not 0 <= retries <= 10:
        raise InputError(path, f"{where}.retries", "must be a whole number from 0 to 10")
    token_env = value.get("token_env")
    if token_env is not None and (not isinstance(token_env, str) or not ENV_NAME.match(token_env)):
        raise InputError(path, f"{where}.token_env", "must name an environment variable")
    return Webhook(url, timeout, retries, token_env)


def _choice(path: Path, where: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(path, where, f"must be one of {', '.join(allowed)} (got {value!r})")
    return str(value)


def _number(path: Path, where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InputError(path, where, f"must be a number (got {value!r})")
    return float(value)


def _text(path: Path, where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InputError(path, where, "must be a string")
    return value
