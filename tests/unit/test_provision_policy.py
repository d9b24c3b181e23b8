"""The policy gate in front of every phase, with real Rego evaluation."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from nova.provisioning.provision import ProvisionRequest, provision


def big_inventory(tmp_path: Path, count: int) -> Path:
    hosts = "".join(f"    n{i:02d}: {{ansible_host: 192.0.2.{i}}}\n" for i in range(count))
    path = tmp_path / "big.yml"
    path.write_text("all:\n  hosts:\n" + hosts)
    return path


def test_policy_denies_a_wide_apply_and_nothing_runs(nova_home: Path, tmp_path: Path) -> None:
    inventory = big_inventory(tmp_path, 25)
    run = provision(ProvisionRequest(inventory=str(inventory), phases=("foundation",)))

    assert run.status == "denied"
    phase = run.phase_results[0]
    assert phase.status == "denied"
    assert phase.note is not None and "needs --limit" in phase.note
    assert phase.decision_id
    assert phase.hosts == {}  # no playbook ran
    assert not (nova_home / "runs" / run.id).exists()

    report = Path(run.report_path or "").read_text()
    assert f"Denied by policy (decision `{phase.decision_id}`)" in report

    with sqlite3.connect(nova_home / "audit.db") as db:
        rows = db.execute("SELECT action, subject, decision_id, payload FROM entries").fetchall()
    actions = [r[0] for r in rows]
    assert actions[0] == "provision.run.start"
    assert "policy.decision" in actions
    assert actions[-1] == "provision.run.finish"
    decision = next(r for r in rows if r[0] == "policy.decision")
    assert decision[2] == phase.decision_id
    assert json.loads(decision[3])["allow"] is False


def test_a_denied_run_is_counted_in_the_kpis(nova_home: Path, tmp_path: Path) -> None:
    from nova.kpi.store import KpiStore

    provision(ProvisionRequest(inventory=str(big_inventory(tmp_path, 25))))
    store = KpiStore(nova_home / "kpi.db")
    runs = {s.labels["status"]: s.count for s in store.read("provision_runs_total")}
    phases = {(s.labels["phase"], s.labels["status"]): s.count
              for s in store.read("provision_phases_total")}  # fmt: skip
    decisions = {
        (s.labels["policy"], s.labels["verdict"]): s.count
        for s in store.read("policy_decisions_total")
    }
    assert runs == {"denied": 1}
    assert phases == {("foundation", "denied"): 1}
    assert decisions == {("provision", "deny"): 1}
