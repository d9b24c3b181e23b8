"""One run recorder for both engines: events reach every sink, in order, with real stores."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from cli_harness import run_main

from nova.ansible.playbook import roles_in
from nova.audit.log import AuditLog
from nova.audit.verify import verify
from nova.kpi.store import KpiStore
from nova.provisioning.plan import load_plan
from nova.provisioning.provision import ProvisionRequest, provision
from nova.runs.recorder import (
    NOTHING_TO_DO,
    NullSink,
    PhaseFinished,
    PhaseStarted,
    RunFinished,
    RunRecorder,
    RunStarted,
)
from nova.runs.sinks import AuditSink, KpiSink


class Journal(NullSink):
    """Writes down what it hears, so the order across sinks can be checked."""

    def __init__(self, name: str, lines: list[str]) -> None:
        self.name = name
        self.lines = lines

    def run_started(self, run: RunStarted) -> None:
        self.lines.append(f"{self.name} start {run.engine} {','.join(run.phases)}")

    def phase_started(self, run: RunStarted, phase: PhaseStarted) -> None:
        self.lines.append(f"{self.name} phase {phase.seq} {phase.name}")

    def phase_finished(self, run: RunStarted, phase: PhaseFinished) -> None:
        self.lines.append(f"{self.name} end {phase.name} {phase.status} ran={phase.ran}")

    def run_finished(self, run: RunStarted, end: RunFinished) -> None:
        self.lines.append(f"{self.name} finish {end.status} phases={end.phases}")


def audit_rows(home: Path) -> list[tuple[str, str, dict[str, object]]]:
    with sqlite3.connect(home / "audit.db") as db:
        rows = db.execute("SELECT action, subject, payload FROM entries ORDER BY seq").fetchall()
    return [(action, subject, json.loads(payload)) for action, subject, payload in rows]


def test_every_sink_hears_every_event_in_the_order_given(nova_home: Path) -> None:
    lines: list[str] = []
    recorder = RunRecorder("orchestrate", [Journal("a", lines), Journal("b", lines)], actor="ops")
    recorder.start(["one", "two"], inventory="local")
    recorder.phase_started(1, "one")
    recorder.phase_finished(1, "one", "succeeded", counts={"done": 1})
    recorder.phase_finished(2, "two", "blocked", note="depends on 'one'")
    end = recorder.finish("incomplete", "one phase blocked")

    assert lines == [
        "a start orchestrate one,two",
        "b start orchestrate one,two",
        "a phase 1 one",
        "b phase 1 one",
        "a end one succeeded ran=True",
        "b end one succeeded ran=True",
        "a end two blocked ran=False",
        "b end two blocked ran=False",
        "a finish incomplete phases=2",
        "b finish incomplete phases=2",
    ]
    assert end.phases == 2 and end.seconds >= 0.0
    with pytest.raises(RuntimeError, match="has not started"):
        RunRecorder("provision", []).phase_started(1, "x")


def test_audit_and_kpi_sinks_name_the_engine(nova_home: Path) -> None:
    recorder = RunRecorder("orchestrate", [AuditSink(AuditLog()), KpiSink()], actor="ops")
    recorder.start(["one"], inventory="local")
    recorder.phase_started(1, "one")
    recorder.phase_finished(1, "one", "failed", note="t1: failed", counts={"failed": 1})
    recorder.finish("failed", "stopped at the failed phase 'one'")

    rows = audit_rows(nova_home)
    assert [(a, s) for a, s, _ in rows] == [
        ("orchestrate.run.start", recorder.run_id),
        ("orchestrate.phase", recorder.run_id),
        ("orchestrate.run.finish", recorder.run_id),
    ]
    assert rows[1][2] == {
        "phase": "one",
        "status": "failed",
        "note": "t1: failed",
        "counts": {"failed": 1},
    }
    assert verify(AuditLog()).ok

    store = KpiStore(nova_home / "kpi.db")
    assert {s.labels["status"]: s.count for s in store.read("orchestrate_runs_total")} == {
        "failed": 1
    }
    phases = store.read("orchestrate_phases_total")
    assert [(s.labels["phase"], s.labels["status"], s.count) for s in phases] == [
        ("one", "failed", 1)
    ]
    assert store.read("provision_runs_total") == []


def test_the_plan_knows_which_phases_apply_roles() -> None:
    roles = {phase.name: roles_in(phase.playbook) for phase in load_plan().phases}
    assert "nova.spark.users" in roles["foundation"]
    assert "nova.spark.firewall" in roles["foundation"]
    assert roles["model-operations"] == ()
    assert "nova.spark.prometheus" in roles["observability"]
    site = load_plan().phases[0].playbook.parent / "site.yml"
    # site.yml imports the phase playbooks, by path or by collection name.
    assert set(roles["foundation"]) <= set(roles_in(site))


def test_roles_are_found_in_tasks_and_blocks(tmp_path: Path) -> None:
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        "- hosts: all\n"
        "  roles: [plain, {role: nova.spark.users}]\n"
        "  tasks:\n"
        "    - block:\n"
        "        - ansible.builtin.include_role: {name: inner}\n"
        "    - import_role:\n"
        "        name: short\n"
        "- ansible.builtin.import_playbook: other.yml\n"
    )
    (tmp_path / "other.yml").write_text("- hosts: all\n  roles: [imported]\n")
    assert roles_in(playbook) == ("plain", "nova.spark.users", "inner", "short", "imported")


def test_a_phase_without_roles_has_nothing_to_do_and_is_never_a_success(
    nova_home: Path,
) -> None:
    run = provision(ProvisionRequest(inventory="local", phases=("model-operations",)))

    assert run.status == NOTHING_TO_DO
    [phase] = run.phase_results
    assert (phase.status, phase.rc, phase.hosts) == (NOTHING_TO_DO, None, {})
    assert phase.note == "model-operations.yml applies no role"
    assert phase.decision_id  # the policy was still asked
    assert not (nova_home / "runs" / run.id).exists()  # no playbook ran

    report = Path(run.report_path or "").read_text()
    assert "**nothing-to-do**" in report
    assert "Nothing to do: model-operations.yml applies no role" in report
    assert "nothing was changed on any host" in report

    actions = [(a, p.get("status")) for a, _, p in audit_rows(nova_home) if a != "policy.decision"]
    assert actions == [
        ("provision.run.start", None),
        ("provision.phase", NOTHING_TO_DO),
        ("provision.run.finish", NOTHING_TO_DO),
    ]
    store = KpiStore(nova_home / "kpi.db")
    phases = {
        (s.labels["phase"], s.labels["status"]): s.count
        for s in store.read("provision_phases_total")
    }
    assert phases == {("model-operations", NOTHING_TO_DO): 1}


def test_nova_provision_says_nothing_to_do_and_exits_1(nova_home: Path) -> None:
    result = run_main("provision", "-i", "local", "--phase", "model-operations")
    assert result.code == 1, result.stderr
    assert (
        "phase model-operations: nothing-to-do (model-operations.yml applies no role)"
        in result.stdout
    )
    assert re.search(r"^run \S+ nothing-to-do$", result.stdout, re.MULTILINE)
    assert "successful" not in result.stdout
