"""`nova monitor check` posting alerts to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import json
import time
from pathlib import Path

from monitor_helpers import AlertReceiver, run_nova

from nova.audit.log import AuditLog
from nova.kpi import default_store, record_run
from nova.monitor.webhook import post_json

THRESHOLDS = """
webhook:
  url: {url}
  timeout: {timeout}
  retries: {retries}
thresholds:
  - name: provision_failures
    metric: provision_runs_total
    labels: {{status: failed}}
    op: ">"
    value: 0
    window: 1h
    severity: critical
  - name: slow_runs
    metric: provision_run_duration_seconds
    stat: p95
    op: ">"
    value: 3600
"""


def thresholds(tmp_path: Path, url: str, timeout: float = 2, retries: int = 2) -> str:
    path = tmp_path / "thresholds.yml"
    path.write_text(THRESHOLDS.format(url=url, timeout=timeout, retries=retries))
    return str(path)


def actions() -> list[tuple[str, str]]:
    return [(e.action, e.subject) for e in AuditLog().entries()]


def test_alerts_reach_the_receiver_and_the_audit_log(
    home: Path, tmp_path: Path, receiver: AlertReceiver
) -> None:
    record_run("failed", 120.0, 3)
    done = run_nova("monitor", "check", "--thresholds", thresholds(tmp_path, receiver.url))
    assert done.returncode == 3, done.stderr
    (request,) = receiver.received
    assert request.path == "/alerts"
    assert request.headers["Content-Type"] == "application/json"
    (alert,) = request.body["alerts"]
    assert (alert["name"], alert["severity"], alert["observed"]) == (
        "provision_failures",
        "critical",
        1.0,
    )
    assert request.body["source"] == "nova"
    assert actions() == [("monitor.alert", "provision_failures")]
    assert "webhook http://127.0.0.1:" in done.stdout and "delivered (1 tries)" in done.stdout
    (delivered,) = default_store().read("monitor_webhook_deliveries_total")
    assert delivered.labels == {"outcome": "delivered"}
    logged = [json.loads(line) for line in (home / "logs" / "monitor.log").read_text().splitlines()]
    assert [
        e["alert"]["name"] for e in logged if e["message"].startswith("threshold breached")
    ] == ["provision_failures"]


def test_nothing_breached_sends_nothing(
    home: Path, tmp_path: Path, receiver: AlertReceiver
) -> None:
    record_run("successful", 120.0, 3)
    done = run_nova("monitor", "check", "--thresholds", thresholds(tmp_path, receiver.url))
    assert done.returncode == 0, done.stderr
    assert receiver.received == [] and actions() == []


def test_server_errors_are_retried_until_delivered(
    home: Path, tmp_path: Path, receiver: AlertReceiver
) -> None:
    record_run("failed", 120.0, 3)
    receiver.statuses = [503, 502]
    done = run_nova("monitor", "check", "--thresholds", thresholds(tmp_path, receiver.url))
    assert done.returncode == 3, done.stdout + done.stderr
    assert len(receiver.received) == 3
    assert receiver.received[0].body == receiver.received[2].body
    gaps = [b.at - a.at for a, b in zip(receiver.received, receiver.received[1:], strict=False)]
    assert gaps[0] >= 0.4 and gaps[1] >= 0.9  # exponential backoff
    assert "delivered (3 tries)" in done.stdout


def test_a_receiver_that_keeps_failing_leaves_the_alerts_in_the_audit_log(
    home: Path, tmp_path: Path, receiver: AlertReceiver
) -> None:
    record_run("failed", 120.0, 3)
    receiver.statuses = [500, 500, 500, 500]
    done = run_nova(
        "monitor",
        "check",
        "--thresholds",
        thresholds(tmp_path, receiver.url, retries=1),
        "--output",
        "json",
    )
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["delivery"] == {
        "ok": False,
        "attempts": 2,
        "status": 500,
        "error": "HTTP 500 Internal Server Error",
    }
    assert len(receiver.received) == 2
    assert actions() == [
        ("monitor.alert", "provision_failures"),
        ("monitor.webhook.failed", receiver.url),
    ]


def test_client_errors_are_not_retried(home: Path, tmp_path: Path, receiver: AlertReceiver) -> None:
    record_run("failed", 120.0, 3)
    receiver.statuses = [400]
    done = run_nova("monitor", "check", "--thresholds", thresholds(tmp_path, receiver.url))
    assert done.returncode == 1
    assert len(receiver.received) == 1
    assert "FAILED after 1 tries: HTTP 400" in done.stdout


def test_a_slow_receiver_times_out_within_bounds(receiver: AlertReceiver) -> None:
    receiver.delay = 1.5
    started = time.monotonic()
    delivery = post_json(
        receiver.url, {"alerts": []}, timeout_s=0.3, retries=1, sleep=lambda s: None
    )
    elapsed = time.monotonic() - started
    assert not delivery.ok and delivery.attempts == 2 and delivery.status is None
    assert "timed out" in (delivery.error or "")
    assert elapsed < 1.5


def test_an_unreachable_receiver_fails_cleanly() -> None:
    delivery = post_json(
        "http://127.0.0.1:9/alerts", {}, timeout_s=1, retries=2, sleep=lambda s: None
    )
    assert not delivery.ok and delivery.attempts == 3
    assert "Connection refused" in (delivery.error or "")


def test_webhook_option_overrides_the_file_and_the_token_stays_secret(
    home: Path, tmp_path: Path, receiver: AlertReceiver
) -> None:
    record_run("failed", 120.0, 3)
    path = tmp_path / "thresholds.yml"
    path.write_text(
        THRESHOLDS.format(url=receiver.url, timeout=2, retries=0).replace(
            "  retries: 0", "  retries: 0\n  token_env: NOVA_ALERT_TOKEN"
        )
    )
    secret = "alert-token-5f1d7e"
    done = run_nova("monitor", "check", "--thresholds", str(path), env={"NOVA_ALERT_TOKEN": secret})
    assert done.returncode == 3, done.stderr
    assert receiver.received[0].headers["Authorization"] == f"Bearer {secret}"
    other = receiver.url.replace("/alerts", "/other?key=abc")
    done = run_nova("monitor", "check", "--thresholds", str(path), "--webhook", other)
    assert done.returncode == 3, done.stderr
    assert receiver.received[1].path == "/other?key=abc"
    assert "Authorization" not in receiver.received[1].headers
    assert "key=abc" not in done.stdout
    stored = "".join(json.dumps(e.to_dict()) for e in AuditLog().entries())
    logs = (home / "logs" / "monitor.log").read_text()
    assert secret not in stored + logs + done.stdout + done.stderr
