"""No evidence is never a pass: per control, and for the report's verdict.

Everything here is real: the audit log and the state store under a temporary
NOVA_HOME, policy decisions from the Rego policy evaluated by regopy, the
`local` inventory of this checkout, and `nova compliance report` run through
the same entry point and error path as the installed command.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cli_harness import run_main

from nova.ansible.runner import HostStats
from nova.audit.log import AuditLog
from nova.compliance.controls import CONTROLS
from nova.compliance.report import inventory_report
from nova.core.errors import InputError
from nova.core.paths import state_db
from nova.policy import gate
from nova.policy.engine import PolicyEngine
from nova.policy.regopy_backend import RegopyBackend
from nova.runs.state import StateStore

AUDIT_CONTROLS = ("5.28", "5.33", "8.15")
HOST_CHECKS = (
    "sshd_config",
    "backup",
    "restore_check",
    "monitor",
    "clock_sync",
    "firewall_ruleset",
    "vpn_handshake",
    "sudo_users",
    "security_updates",
    "openvpn_crl",
    "kernel_sysctl",
    "audit_rules",
    "file_integrity",
    "auto_updates",
    "brute_force",
)


def report(*args: str) -> tuple[int, dict[str, object]]:
    outcome = run_main("compliance", "report", "--inventory", "local", "--output", "json", *args)
    assert outcome.code in (0, 1), outcome.stderr
    return outcome.code, json.loads(outcome.stdout)


def statuses(document: dict[str, object]) -> dict[str, str]:
    return {c["control"]: c["status"] for c in document["controls"]}  # type: ignore[attr-defined]


def provisioned(home: Path, hosts: dict[str, HostStats]) -> AuditLog:
    """A run of the `local` inventory with its allowing decision, as provisioning records them."""
    log = AuditLog(home / "audit.db")
    gate.check_provision(
        "alice", "local", ["foundation"], False, sorted(hosts), None,
        engine=PolicyEngine(RegopyBackend()), audit=log,
    )  # fmt: skip
    store = StateStore(state_db())
    store.start_run("r1", "local", ["foundation"], None, False, "alice")
    store.start_phase("r1", 1, "foundation")
    store.finish_phase("r1", 1, "foundation", "successful", 0, hosts, [])
    store.finish_run("r1", "successful")
    return log


def test_an_empty_audit_log_is_no_evidence_and_no_pass(nova_home: Path) -> None:
    code, document = report()
    assert code == 1
    got = statuses(document)
    for number in AUDIT_CONTROLS:
        assert got[number] == "no evidence", number
        control = next(c for c in document["controls"] if c["control"] == number)  # type: ignore[attr-defined]
        assert control["findings"][0]["detail"] == "the audit log has no entries"
        assert control["findings"][0]["evidence"] is None
    assert "pass" not in got.values()
    assert document["verdict"] == "no evidence"
    assert document["counts"] == {
        "pass": 0, "fail": 0, "incomplete": 0, "stale": 0, "no evidence": len(CONTROLS)
    }  # fmt: skip

    text = run_main("compliance", "report", "--inventory", "local")
    assert text.code == 1
    assert "5.28  no evidence     Collection of evidence" in text.stdout
    assert "0 entries verified" not in text.stdout
    assert text.stdout.splitlines()[-1].startswith("verdict: no evidence (0 pass, 0 fail")


def test_real_audit_entries_still_pass_what_they_evidence(nova_home: Path) -> None:
    log = provisioned(nova_home, {"localhost": HostStats(ok=5)})
    code, document = report()
    got = statuses(document)
    # 8.15 and 8.9 also rest on the hosts' hardening evidence, none recorded yet.
    assert [got[n] for n in AUDIT_CONTROLS] == ["pass", "pass", "incomplete"]
    assert got["5.18"] == "pass" and got["8.9"] == "incomplete" and got["8.32"] == "pass"
    assert got["8.20"] == "no evidence"  # no firewall evidence recorded yet
    assert (code, document["verdict"]) == (1, "incomplete")
    head = list(log.entries())[-1].hash
    chain = next(c for c in document["controls"] if c["control"] == "8.15")  # type: ignore[attr-defined]
    assert chain["findings"][0]["evidence"] == head

    for check in HOST_CHECKS:
        log.append("ansible", f"evidence.{check}", "localhost", None,
                   {"ok": True, "sha256": "ab" * 32})  # fmt: skip
    code, document = report()
    assert set(statuses(document).values()) == {"pass"}
    assert (code, document["verdict"]) == (0, "pass")
    assert document["counts"]["pass"] == len(CONTROLS)  # type: ignore[index]

    log.append("ansible", "evidence.clock_sync", "localhost", None, {"ok": False, "sha256": "cd"})
    code, document = report()
    assert statuses(document)["8.17"] == "fail"
    assert (code, document["verdict"]) == (1, "fail")


def test_a_host_without_evidence_keeps_its_control_from_passing(nova_home: Path) -> None:
    log = provisioned(nova_home, {"localhost": HostStats(ok=5), "peer": HostStats(ok=5)})
    for check in HOST_CHECKS:
        log.append("ansible", f"evidence.{check}", "localhost", None,
                   {"ok": True, "sha256": "ab" * 32})  # fmt: skip
    code, document = report()
    got = statuses(document)
    assert got["8.20"] == "incomplete"
    firewall = next(c for c in document["controls"] if c["control"] == "8.20")  # type: ignore[attr-defined]
    assert {f["host"]: f["status"] for f in firewall["findings"]} == {
        "localhost": "pass",
        "peer": "no evidence",
    }
    assert (code, document["verdict"]) == (1, "incomplete")


def test_a_broken_chain_fails_the_audit_controls(nova_home: Path) -> None:
    log = provisioned(nova_home, {"localhost": HostStats(ok=5)})
    log.append("ansible", "evidence.backup", "localhost", None, {"ok": True, "sha256": "ab"})
    # Someone with write access to the file lifts the append-only guard and edits a row.
    with sqlite3.connect(log.path) as db:
        db.execute("DROP TRIGGER entries_no_update")
        db.execute("UPDATE entries SET subject = 'elsewhere' WHERE seq = 2")
    got = statuses(report()[1])
    assert [got[n] for n in AUDIT_CONTROLS] == ["fail", "fail", "fail"]


def test_an_unknown_inventory_exits_2_with_the_line_other_commands_give(nova_home: Path) -> None:
    outcome = run_main("compliance", "report", "--inventory", "nosuch")
    other = run_main("backup", "snapshots", "--inventory", "nosuch")
    assert outcome.code == other.code == 2
    assert outcome.stdout == ""
    assert outcome.stderr == other.stderr
    assert outcome.stderr.startswith("nova: nosuch: --inventory: no inventory with that name")
    assert len(outcome.stderr.splitlines()) == 1


def test_the_report_service_refuses_an_unknown_inventory(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    with pytest.raises(InputError, match="no inventory with that name") as caught:
        inventory_report("nosuch", [], log, tmp_path / "state.db")
    assert caught.value.exit_code == 2
