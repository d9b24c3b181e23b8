"""The ISO/IEC 27001:2022 controls os_hardening's evidence stands for.

Each measure of the role records one check (roles/os_hardening/tasks/evidence.yml);
the mapping below is the one the compliance report applies, so a control
named here cannot pass for a host until the role has shown that measure there.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from nova.audit.log import AuditLog
from nova.compliance.controls import CONTROLS, control
from nova.compliance.report import build_report
from nova.core.paths import project_root

HARDENING = {
    "5.15": {"brute_force"},
    "8.8": {"auto_updates"},
    "8.9": {"kernel_sysctl", "file_integrity"},
    "8.15": {"audit_rules"},
    "8.16": {"audit_rules", "file_integrity", "brute_force"},
    "8.19": {"auto_updates", "file_integrity"},
    "8.20": {"kernel_sysctl"},
}
CHECKS = set().union(*HARDENING.values())


def recorded_by_the_role() -> set[str]:
    path = project_root() / "roles" / "os_hardening" / "tasks" / "evidence.yml"
    tasks = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        t["ansible.builtin.set_fact"]["nova_evidence"]["check"]
        for t in tasks
        if "nova_evidence" in (t.get("ansible.builtin.set_fact") or {})
    }


def test_each_control_rests_on_the_measures_that_meet_it() -> None:
    for number, checks in HARDENING.items():
        found = control(number)
        assert found is not None, number
        assert checks <= set(found.checks), number


def test_the_hardening_checks_go_to_these_controls_only() -> None:
    mapped = {
        (c.number, check) for c in CONTROLS for check in c.checks if check in CHECKS
    }  # fmt: skip
    assert mapped == {(number, check) for number, checks in HARDENING.items() for check in checks}


def test_the_role_records_every_mapped_check() -> None:
    assert recorded_by_the_role() == CHECKS


def test_8_19_is_a_control_of_its_own() -> None:
    found = control("8.19")
    assert found is not None
    assert found.title == "Installation of software on operational systems"
    assert [c.number for c in CONTROLS].count("8.19") == 1


def test_a_failed_hardening_check_fails_its_controls(tmp_path: Path) -> None:
    """One host's audit rules not loaded: 8.15 and 8.16 fail, the others are not passed by it."""
    log = AuditLog(tmp_path / "audit.db")
    for check in CHECKS - {"audit_rules"}:
        log.append("ansible", f"evidence.{check}", "n1", None, {"ok": True, "sha256": "ab" * 32})
    log.append("ansible", "evidence.audit_rules", "n1", None, {"ok": False, "sha256": "cd" * 32})
    results = {r.number: r for r in build_report("lab", ["n1"], log, tmp_path / "none.db")}
    for number in ("8.15", "8.16"):
        assert results[number].status == "fail", number
        audit = [f for f in results[number].findings if f.check == "audit_rules"]
        assert [f.status for f in audit] == ["fail"], number
    passed = [f for f in results["8.19"].findings if f.host == "n1"]
    assert {f.status for f in passed} == {"pass"}
    assert results["8.19"].status == "pass"
