"""Host evidence from a finished phase: the data in the state store, its hash in the audit log.

A real run recorder with the provisioning engine's sinks, a real audit log
and state store under a temporary NOVA_HOME; the evidence comes from runner
events shaped as ansible-runner hands them over (see test_runner_events.py).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from test_runner_events import evidence_event, facts

from nova.ansible.runner import HostStats, PlaybookResult, evidence_from_event
from nova.audit.log import AuditLog
from nova.audit.verify import verify
from nova.core.canonical import canonical_json, sha256_hex
from nova.core.paths import state_db
from nova.provisioning.records import EvidenceSink, ReportSink, StateStoreSink, report_path
from nova.runs.evidence import EvidenceStore
from nova.runs.recorder import RunRecorder
from nova.runs.sinks import AuditSink
from nova.runs.state import StateStore

RULESET = "table inet nova_filter {\n\tchain input {\n\t\tpolicy drop;\n\t}\n}"


def phase_result() -> PlaybookResult:
    result = PlaybookResult("successful", 0, {"node1": HostStats(ok=9), "node2": HostStats(ok=9)})
    for raw in (
        evidence_event(
            "Record evidence: sshd_config",
            facts({"check": "sshd_config", "ok": True,
                   "data": {"effective": ["permitrootlogin no", "passwordauthentication no"]}}),
        ),
        evidence_event(
            "Record evidence: firewall_ruleset",
            facts({"check": "firewall_ruleset", "ok": True,
                   "data": {"ruleset": RULESET, "ruleset_sha256": sha256_hex(RULESET)}}),
        ),
        evidence_event(
            "Record evidence: vpn_handshake",
            # A role that slipped a key into its data: masked before it is stored or hashed.
            facts({"check": "vpn_handshake", "ok": False,
                   "data": {"peers": [], "private_key": "cGxlYXNlIGRvIG5vdCBsb2cgbWU="}}),
            host="node2",
        ),
    ):  # fmt: skip
        item = evidence_from_event(raw)
        assert item is not None
        result.add_evidence(item)
    return result


def record_run(home: Path) -> tuple[str, AuditLog, StateStore]:
    audit = AuditLog(home / "audit.db")
    store = StateStore(state_db())
    sinks = [
        StateStoreSink(store),
        EvidenceSink(EvidenceStore(store.path), audit),
        ReportSink(store),
        AuditSink(audit),
    ]
    recorder = RunRecorder("provision", sinks, actor="ops")
    recorder.start(["foundation"], inventory="sandbox", hosts=["node1", "node2"], limit=None,
                   check_mode=False)  # fmt: skip
    recorder.phase_started(1, "foundation", "d-1")
    result = phase_result()
    recorder.phase_finished(1, "foundation", "successful", decision_id="d-1", result=result,
                            rc=0)  # fmt: skip
    recorder.finish("successful", report=report_path(recorder.run_id))
    return recorder.run_id, audit, store


def test_each_item_is_an_audit_hash_reference_and_a_stored_row(nova_home: Path) -> None:
    run_id, audit, store = record_run(nova_home)
    entries = [e for e in audit.entries() if e.action.startswith("evidence.")]
    assert [(e.action, e.subject) for e in entries] == [
        ("evidence.sshd_config", "node1"),
        ("evidence.firewall_ruleset", "node1"),
        ("evidence.vpn_handshake", "node2"),
    ]
    rows = {(r.host, r.check): r for r in EvidenceStore(store.path).for_run(run_id)}
    assert len(rows) == 3
    for entry in entries:
        # The audit entry holds the reference, never the data.
        assert set(entry.payload) == {"ok", "sha256", "run_id", "phase", "check_mode"}
        assert entry.payload["run_id"] == run_id and entry.payload["phase"] == "foundation"
        row = rows[(entry.subject, entry.action.removeprefix("evidence."))]
        assert row.audit_seq == entry.seq
        assert row.sha256 == entry.payload["sha256"] == sha256_hex(canonical_json(row.data))
        assert row.ok is entry.payload["ok"] and row.intact
    assert rows[("node1", "firewall_ruleset")].data["ruleset"] == RULESET
    assert rows[("node2", "vpn_handshake")].ok is False
    # The evidence entries come before the phase's own entry, and the chain holds.
    actions = [e.action for e in audit.entries()]
    assert actions.index("provision.phase") > actions.index("evidence.vpn_handshake")
    assert verify(audit).ok


def test_secrets_never_reach_the_store_or_the_audit_log(nova_home: Path) -> None:
    run_id, audit, store = record_run(nova_home)
    row = next(r for r in EvidenceStore(store.path).for_run(run_id) if r.check == "vpn_handshake")
    assert row.data == {"peers": [], "private_key": "***"}
    secret = "cGxlYXNlIGRvIG5vdCBsb2cgbWU="
    for path in (store.path, audit.path):
        with sqlite3.connect(path) as db:
            dump = "\n".join(db.iterdump())
        assert secret not in dump, path


def test_the_run_report_shows_each_row_with_its_audit_seq(nova_home: Path) -> None:
    run_id, audit, store = record_run(nova_home)
    record = store.get_run(run_id)
    assert record is not None
    (phase,) = record.phase_results
    assert [(e.host, e.check) for e in phase.evidence] == [
        ("node1", "firewall_ruleset"),
        ("node1", "sshd_config"),
        ("node2", "vpn_handshake"),
    ]
    report = Path(report_path(run_id)).read_text(encoding="utf-8")
    seqs = {e.subject + e.action: e.seq for e in audit.entries()}
    for item in phase.evidence:
        line = (
            f"| {item.host} | {item.check} | {'ok' if item.ok else 'not ok'} |"
            f" `{item.sha256[:16]}` | {seqs[item.host + 'evidence.' + item.check]} |"
        )
        assert line in report
    shown = record.to_dict()["results"][0]["evidence"]
    assert {e["audit_seq"] for e in shown} == {e.audit_seq for e in phase.evidence}
    assert "data" not in json.dumps(shown)


def test_a_phase_that_did_not_run_records_no_evidence(nova_home: Path) -> None:
    audit = AuditLog(nova_home / "audit.db")
    store = StateStore(state_db())
    recorder = RunRecorder(
        "provision", [StateStoreSink(store), EvidenceSink(EvidenceStore(store.path), audit)]
    )
    recorder.start(["foundation"], inventory="sandbox", hosts=[], limit=None, check_mode=False)
    recorder.phase_finished(1, "foundation", "denied", note="no", result=phase_result())
    assert not [e for e in audit.entries() if e.action.startswith("evidence.")]
    assert EvidenceStore(store.path).for_run(recorder.run_id) == []
