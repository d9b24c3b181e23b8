"""Threshold files: what is accepted, and the one-line error for each mistake."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nova.core.durations import parse_duration
from nova.core.errors import InputError
from nova.monitor.thresholds import load

GOOD = """
webhook:
  url: http://127.0.0.1:9000/alerts
  timeout: 2
  retries: 1
  token_env: ALERT_TOKEN
thresholds:
  - name: provision_failures
    metric: provision_runs_total
    labels: {status: failed}
    op: ">"
    value: 0
    window: 1h
    severity: critical
    description: a provisioning run failed
  - name: slow_decisions
    metric: nova_policy_decision_duration_seconds
    stat: p95
    op: ">="
    value: 0.05
    window: all
"""


def test_a_full_file_loads(write_file: Callable[..., Path]) -> None:
    config = load(write_file(GOOD))
    first, second = config.thresholds
    assert (first.metric, first.stat, first.labels, first.window_s) == (
        "provision_runs_total",
        "increase",
        {"status": "failed"},
        3600.0,
    )
    assert (first.severity, second.severity) == ("critical", "warning")
    assert (second.metric, second.stat, second.window_s) == (
        "policy_decision_duration_seconds",
        "p95",
        None,
    )
    assert config.webhook is not None
    assert (config.webhook.timeout_s, config.webhook.retries) == (2.0, 1)
    assert config.webhook.token_env == "ALERT_TOKEN"


def test_a_bare_list_is_a_file_of_thresholds(write_file: Callable[..., Path]) -> None:
    config = load(
        write_file(
            "- {name: provision_failures, metric: provision_runs_total,"
            " labels: {status: failed}, op: '>', value: 0, window: 1h}\n"
        )
    )
    assert [t.name for t in config.thresholds] == ["provision_failures"]
    assert config.webhook is None


def rule(**fields: object) -> str:
    base: dict[str, object] = {
        "name": "r",
        "metric": "provision_runs_total",
        "op": "'>'",
        "value": 0,
    }
    base.update(fields)
    body = "\n".join(f"    {k}: {v}" for k, v in base.items() if v is not None)
    return "thresholds:\n  - " + body.lstrip() + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("thresholds: [\n  - name: x\n", "line 2: not valid YAML"),
        ("just text\n", "expected a list of thresholds or a mapping"),
        ("thresholds: []\n", "thresholds: must be a non-empty list"),
        ("alerts: []\n", "alerts: unknown key"),
        ("thresholds:\n  - 5\n", "thresholds[0]: must be a mapping"),
        (rule(op=None), "thresholds[0].op: required"),
        (rule(op="'>>'"), "thresholds[0].op: must be one of >, >=, <, <=, ==, != (got '>>')"),
        (rule(metric="runs_total"), "thresholds[0].metric: unknown metric 'runs_total'"),
        (rule(value="lots"), "thresholds[0].value: must be a number (got 'lots')"),
        (rule(value="true"), "thresholds[0].value: must be a number (got True)"),
        (rule(window="soon"), "thresholds[0].window: expected a duration"),
        (rule(window="10s"), "thresholds[0].window: must be between 1m and 30d"),
        (rule(window="90d"), "thresholds[0].window: must be between 1m and 30d"),
        (rule(labels="{host: a}"), "thresholds[0].labels.host: not a label of provision_runs"),
        (rule(labels="{status: [a]}"), "thresholds[0].labels.status: must be a string"),
        (rule(stat="p95"), "thresholds[0].stat: must be one of increase, rate"),
        (
            rule(metric="provision_run_duration_seconds"),
            "thresholds[0].stat: required for a histogram",
        ),
        (rule(stat="rate", window="all"), "thresholds[0].window: a rate needs a window"),
        (rule(severity="page"), "thresholds[0].severity: must be one of info, warning, critical"),
        (rule(name="'has space'"), "thresholds[0].name: letters, digits"),
        (rule(colour="red"), "thresholds[0].colour: unknown key"),
        (rule() + "  - " + rule().split("  - ", 1)[1], "thresholds[1].name: duplicate name 'r'"),
        (rule() + "webhook: ftp://host/x\n", "webhook.url: must be an http:// or https:// URL"),
        (rule() + "webhook: {url: 'http://h', retries: 50}\n", "webhook.retries: must be a whole"),
        (rule() + "webhook: {url: 'http://h', timeout: 0}\n", "webhook.timeout: must be between"),
        (rule() + "webhook: {url: 'http://h', token: abc}\n", "webhook.token: unknown key"),
        (rule() + "webhook: {url: 'http://h', token_env: '1x'}\n", "webhook.token_env: must name"),
    ],
)
def test_mistakes_get_one_line_naming_file_field_reason(
    write_file: Callable[..., Path], text: str, message: str
) -> None:
    path = write_file(text)
    with pytest.raises(InputError) as caught:
        load(path)
    line = str(caught.value)
    assert "\n" not in line
    assert line.startswith(f"{path}: ")
    assert message in line


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="thresholds file not found"):
        load(tmp_path / "absent.yml")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [(90, 90.0), ("30s", 30.0), ("15m", 900.0), ("1h", 3600.0), ("2w", 1209600.0)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1y", "-5m", True, "1.5h"])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)
