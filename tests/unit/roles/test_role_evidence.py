"""Role evidence tasks: checks the registry knows, safe in check mode, never hidden.

Nova reads the `nova_evidence` fact from the events of the task that sets it
(nova/ansible/runner.py), so that task must not be no_log, and the check it
names must be one the controls in nova/compliance/controls.py are evidenced
by. The commands the evidence is read with change nothing, and so run in
check mode too and never report a change: a second run stays idempotent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from nova.compliance.controls import CONTROLS
from nova.core.paths import project_root

ROLES_DIR = project_root() / "roles"
EVIDENCE_FILES = sorted(ROLES_DIR.glob("*/tasks/evidence.yml"))
CHECKS = {check for control in CONTROLS for check in control.checks}
READS = {"ansible.builtin.command", "ansible.builtin.slurp", "ansible.builtin.getent"}
# The roles that record host evidence, and the checks each records.
EXPECTED = {
    "backup": {"backup", "restore_check"},
    "base_packages": {"security_updates"},
    "firewall": {"firewall_ruleset"},
    "openvpn": {"openvpn_crl"},
    "os_hardening": {
        "kernel_sysctl",
        "audit_rules",
        "file_integrity",
        "auto_updates",
        "brute_force",
    },
    "ssh_hardening": {"sshd_config"},
    "users": {"sudo_users"},
    "wireguard": {"vpn_handshake"},
}


def tasks(path: Path) -> list[dict[str, Any]]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, list), path
    return loaded


def recorders(path: Path) -> list[dict[str, Any]]:
    return [t for t in tasks(path) if "nova_evidence" in (t.get("ansible.builtin.set_fact") or {})]


def test_each_role_records_the_checks_it_evidences() -> None:
    found = {
        path.parent.parent.name: {t["ansible.builtin.set_fact"]["nova_evidence"]["check"]
                                  for t in recorders(path)}
        for path in EVIDENCE_FILES
    }  # fmt: skip
    assert found == EXPECTED


@pytest.mark.parametrize("path", EVIDENCE_FILES, ids=lambda p: p.parent.parent.name)
def test_evidence_names_a_known_check_and_is_never_hidden(path: Path) -> None:
    for task in recorders(path):
        evidence = task["ansible.builtin.set_fact"]["nova_evidence"]
        assert evidence["check"] in CHECKS, (path, evidence["check"])
        assert task["name"] == f"Record evidence: {evidence['check']}"
        assert set(evidence) == {"check", "ok", "data"}
        assert not task.get("no_log"), path


@pytest.mark.parametrize("path", EVIDENCE_FILES, ids=lambda p: p.parent.parent.name)
def test_evidence_is_read_without_changing_anything(path: Path) -> None:
    for task in tasks(path):
        module = next(k for k in task if k.startswith("ansible."))
        if module == "ansible.builtin.set_fact":
            continue
        assert module in READS, (path, task["name"])
        assert task.get("check_mode") is False, (path, task["name"])
        if module == "ansible.builtin.command":
            assert task.get("changed_when") is False, (path, task["name"])


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_the_role_imports_its_evidence_tasks(role: str) -> None:
    main = (ROLES_DIR / role / "tasks" / "main.yml").read_text(encoding="utf-8")
    assert "ansible.builtin.import_tasks: evidence.yml" in main
