from __future__ import annotations

import sqlite3
from pathlib import Path

from nova.audit.log import AuditLog
from nova.compliance.report import build_report
from nova.policy import gate
from nova.policy.engine import PolicyEngine
from nova.policy.regopy_backend import RegopyBackend


def _state(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE runs (id TEXT, started_at TEXT, status TEXT, inventory TEXT);"
            "CREATE TABLE host_results (run_id TEXT, phase TEXT, host TEXT,"
            " failed INTEGER, unreachable INTEGER);"
            "INSERT INTO runs VALUES ('r1', '2025-01-01', 'ok', 'lab');"
            "INSERT INTO host_results VALUES ('r1', 'base', 'n1', 0, 0);"
            "INSERT INTO host_results VALUES ('r1', 'base', 'n2', 1, 0);"
        )


def test_report_per_control_and_host(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    state = tmp_path / "state.db"
    _state(state)
    gate.check_provision(
        "alice",
        "lab",
        ["base"],
        False,
        ["n1", "n2"],
        None,
        engine=PolicyEngine(RegopyBackend()),
        audit=log,
    )
    fw = log.append(
        "ansible", "evidence.firewall_ruleset", "n1", None, {"ok": True, "sha256": "ab" * 32}
    )
    results = {r.number: r for r in build_report("lab", [], log, state)}
    assert results["8.9"].status == "fail"
    last_run = [f for f in results["8.9"].findings if f.check == "last_run"]
    assert {f.host: f.status for f in last_run} == {"n1": "pass", "n2": "fail"}
    # The chain passes; 8.15 also waits for the hosts' audit rules (os_hardening).
    assert [f.status for f in results["8.15"].findings if f.check == "audit_chain"] == ["pass"]
    assert results["8.15"].status == "incomplete"
    assert results["8.32"].status == "pass"
    assert results["8.32"].findings[0].evidence == next(log.entries()).hash
    firewall = {f.host: f for f in results["8.20"].findings if f.check == "firewall_ruleset"}
    assert firewall["n1"].status == "pass" and firewall["n1"].evidence == fw.hash
    assert firewall["n2"].status == "no evidence"
    assert results["8.20"].status == "incomplete"  # evidence for n1, none for n2
    assert set(results) >= {
        "5.15",
        "5.17",
        "5.18",
        "8.2",
        "8.5",
        "8.13",
        "8.16",
        "8.17",
        "8.21",
        "8.22",
        "8.24",
        "5.28",
        "5.33",
    }


def test_missing_state_store_is_tolerated(tmp_path: Path) -> None:
    results = build_report("lab", ["n1"], AuditLog(tmp_path / "a.db"), tmp_path / "none.db")
    configuration = next(r for r in results if r.number == "8.9")
    assert [(f.host, f.status) for f in configuration.findings if f.check == "last_run"] == [
        ("n1", "no evidence")
    ]
