"""A role's evidence task, through ansible-runner, to the store, the audit log and the report.

base_packages' evidence task runs for real on this machine (connection
local; a simulated upgrade and `apt-cache policy`, both read-only and
without root), through `nova.ansible.runner.run_playbook`. Its fact comes
back as host evidence, the provisioning engine's sinks record it, and the
compliance report's 8.8 finding points at the audit entry that holds its
hash. The other roles' evidence tasks need the services they read (sshd,
nftables, WireGuard): their Molecule scenarios and the sandbox chain prove
those.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nova.ansible.runner import run_playbook
from nova.audit.log import AuditLog
from nova.compliance.report import inventory_report
from nova.core.paths import state_db
from nova.provisioning.records import EvidenceSink, StateStoreSink
from nova.runs.evidence import EvidenceStore, evidence_hash
from nova.runs.recorder import RunRecorder
from nova.runs.sinks import AuditSink
from nova.runs.state import StateStore


def test_the_security_updates_evidence_reaches_the_compliance_report(
    nova_home: Path, tmp_path: Path
) -> None:
    if shutil.which("apt-get") is None:
        pytest.skip("base_packages reads apt, and this machine has no apt-get")
    playbook = tmp_path / "evidence.yml"
    playbook.write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - name: Record the pending security updates\n"
        "      ansible.builtin.include_role:\n"
        "        name: nova.spark.base_packages\n"
        "        tasks_from: evidence.yml\n",
        encoding="utf-8",
    )
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n",
        encoding="utf-8",
    )
    result = run_playbook(playbook, [inventory], tmp_path / "run")
    assert result.succeeded, result.failures
    (item,) = result.evidence
    assert (item.host, item.check) == ("localhost", "security_updates")
    assert item.task.endswith("Record evidence: security_updates")
    # What the role saw is what apt says here.
    policy = subprocess.run(["apt-cache", "policy"], capture_output=True, text=True, check=True)
    sources = sorted(
        {
            line.strip()
            for line in policy.stdout.splitlines()
            if "security" in line.lower() and line.endswith("Packages")
        }
    )
    assert sorted(item.data["security_sources"]) == sources
    assert item.ok is (bool(sources) and not item.data["pending"])

    audit = AuditLog(nova_home / "audit.db")
    store = StateStore(state_db())
    recorder = RunRecorder(
        "provision",
        [StateStoreSink(store), EvidenceSink(EvidenceStore(store.path), audit), AuditSink(audit)],
        actor="ops",
    )
    recorder.start(["foundation"], inventory="local", hosts=["localhost"], limit=None,
                   check_mode=False)  # fmt: skip
    recorder.phase_started(1, "foundation")
    recorder.phase_finished(1, "foundation", "successful", result=result, rc=result.rc)
    recorder.finish("successful")

    (entry,) = [e for e in audit.entries() if e.action == "evidence.security_updates"]
    (row,) = EvidenceStore(store.path).for_run(recorder.run_id)
    assert entry.subject == "localhost" and row.audit_seq == entry.seq
    assert entry.payload["sha256"] == row.sha256 == evidence_hash(row.data)
    assert "pending" not in entry.payload and "security_sources" not in entry.payload

    report = inventory_report("local", [], audit, state_db())
    (control,) = [c for c in report.controls if c.number == "8.8"]
    # 8.8 also rests on os_hardening's auto_updates, which this host did not record.
    (finding,) = [f for f in control.findings if f.check == "security_updates"]
    assert finding.host == "localhost" and finding.seq == entry.seq
    assert finding.status == ("pass" if item.ok else "fail")
    assert finding.evidence == entry.hash
