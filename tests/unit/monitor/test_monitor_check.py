"""`nova monitor check` without a webhook: alerts reach the audit log and the KPIs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from nova.audit.log import AuditLog
from nova.audit.verify import verify
from nova.kpi import default_store, record_run

FAILURES = """
- name: provision_failures
  metric: provision_runs_total
  labels: {status: failed}
  op: ">"
  value: 0
  window: 1h
  severity: critical
- name: too_many_runs
  metric: provision_runs_total
  op: ">"
  value: 100
"""

Cli = Callable[..., tuple[int, str, str]]


def test_quiet_kpis_exit_zero_and_write_nothing(
    nova_cli: Cli, write_file: Callable[..., Path]
) -> None:
    record_run("successful", 30.0, 2)
    code, out, _ = nova_cli("monitor", "check", "--thresholds", str(write_file(FAILURES)))
    assert code == 0, out
    assert "0 alerts, 2 thresholds checked" in out
    assert list(AuditLog().entries()) == []


def test_breach_is_audited_counted_and_exits_3(
    nova_cli: Cli, write_file: Callable[..., Path]
) -> None:
    record_run("failed", 30.0, 2)
    code, out, _ = nova_cli(
        "monitor", "check", "--thresholds", str(write_file(FAILURES)), "--output", "json"
    )
    assert code == 3
    report = json.loads(out)
    assert [a["name"] for a in report["alerts"]] == ["provision_failures"]
    (entry,) = AuditLog().entries()
    assert (entry.action, entry.subject, entry.seq) == ("monitor.alert", "provision_failures", 1)
    assert entry.payload["observed"] == 1.0 and entry.payload["severity"] == "critical"
    assert report["audit_seqs"] == [1]
    (alerts,) = default_store().read("monitor_alerts_total")
    assert alerts.labels == {"name": "provision_failures", "severity": "critical"}


def test_malformed_file_is_one_line_and_nothing_stored_is_lost(
    nova_cli: Cli, write_file: Callable[..., Path]
) -> None:
    record_run("failed", 30.0, 2)
    assert nova_cli("monitor", "check", "--thresholds", str(write_file(FAILURES)))[0] == 3
    before = [e.hash for e in AuditLog().entries()]
    kpis_before = [(s.labels, s.count) for s in default_store().read("provision_runs_total")]
    bad = write_file(FAILURES.replace('op: ">"\n  value: 100', 'op: ">"\n  value: lots'), "bad.yml")
    code, out, err = nova_cli("monitor", "check", "--thresholds", str(bad))
    assert code == 2 and out == ""
    assert err == f"nova: {bad}: thresholds[1].value: must be a number (got 'lots')\n"
    assert [e.hash for e in AuditLog().entries()] == before
    assert [
        (s.labels, s.count) for s in default_store().read("provision_runs_total")
    ] == kpis_before
    assert verify(AuditLog()).ok


def test_bad_webhook_option_is_refused_before_anything_runs(
    nova_cli: Cli, write_file: Callable[..., Path]
) -> None:
    record_run("failed", 30.0, 2)
    path = str(write_file(FAILURES))
    code, _, err = nova_cli("monitor", "check", "--thresholds", path, "--webhook", "file:///x")
    assert code == 2 and err == "nova: --webhook: must be an http:// or https:// URL\n"
    code, _, err = nova_cli("monitor", "check", "--thresholds", path, "--retries", "2")
    assert code == 2 and "need a webhook" in err
    assert list(AuditLog().entries()) == []


def test_missing_token_variable_fails_before_alerts_are_written(
    nova_cli: Cli, write_file: Callable[..., Path]
) -> None:
    record_run("failed", 30.0, 2)
    text = "webhook: {url: 'http://127.0.0.1:9/x', token_env: NOVA_TEST_UNSET_TOKEN}\nthresholds:\n"
    text += "\n".join("  " + line for line in FAILURES.strip().splitlines()) + "\n"
    code, _, err = nova_cli("monitor", "check", "--thresholds", str(write_file(text)))
    assert code == 2
    assert "webhook.token_env: environment variable NOVA_TEST_UNSET_TOKEN is not set" in err
    assert list(AuditLog().entries()) == []


def test_kpis_command_lists_series(nova_cli: Cli) -> None:
    record_run("failed", 40.0, 3)
    code, out, _ = nova_cli("monitor", "kpis", "--output", "json")
    rows = {(r["metric"], json.dumps(r["labels"])): r for r in json.loads(out)}
    assert code == 0
    assert rows[("provision_runs_total", '{"status": "failed"}')]["count"] == 1.0
    duration = rows[("provision_run_duration_seconds", '{"status": "failed"}')]
    assert duration["avg"] == 40.0 and 30.0 <= duration["p50"] <= 60.0
    code, _, err = nova_cli("monitor", "kpis", "--window", "soon")
    assert code == 2 and "--window: expected a duration" in err


def test_a_damaged_kpi_store_is_reported_and_left_as_it_was(
    nova_cli: Cli, write_file: Callable[..., Path], isolated_home: Path
) -> None:
    isolated_home.mkdir(parents=True)
    damaged = isolated_home / "kpi.db"
    damaged.write_bytes(b"not a database, keep me for forensics\n" * 200)
    record_run("failed", 30.0, 2)  # logs a warning instead of failing the caller
    code, out, err = nova_cli("monitor", "check", "--thresholds", str(write_file(FAILURES)))
    assert code == 1 and out == ""
    assert err.startswith(f"nova: {damaged}: cannot open KPI store: ") and err.count("\n") == 1
    assert damaged.read_bytes() == b"not a database, keep me for forensics\n" * 200
    assert list(AuditLog().entries()) == []
