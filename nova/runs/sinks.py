"""The sinks every engine's runs go to: the audit log and the KPIs.

Audit actions are `<engine>.run.start`, `<engine>.phase` and
`<engine>.run.finish`; KPIs are `<engine>_runs_total` and its kin, declared in
nova/kpi/catalogue.py. The engines' own tables, reports and displays are
sinks kept beside each engine.
"""

from __future__ import annotations

from nova.audit.log import AuditLog
from nova.kpi import record_phase, record_run
from nova.runs.recorder import NullSink, PhaseFinished, RunFinished, RunStarted


class AuditSink(NullSink):
    """Start, each settled phase and end of a run, as entries of the audit chain."""

    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit

    def run_started(self, run: RunStarted) -> None:
        self.audit.append(
            run.actor,
            f"{run.engine}.run.start",
            run.run_id,
            payload={"phases": list(run.phases), **run.details},
        )

    def phase_finished(self, run: RunStarted, phase: PhaseFinished) -> None:
        payload = {"phase": phase.name, "status": phase.status, **phase.details}
        if phase.note:
            payload["note"] = phase.note
        self.audit.append(
            run.actor,
            f"{run.engine}.phase",
            run.run_id,
            decision_id=phase.decision_id,
            payload=payload,
        )

    def run_finished(self, run: RunStarted, end: RunFinished) -> None:
        self.audit.append(
            run.actor,
            f"{run.engine}.run.finish",
            run.run_id,
            payload={"status": end.status, "note": end.note, **end.details},
        )


class KpiSink(NullSink):
    """Counts and durations of runs and phases, per engine."""

    def phase_finished(self, run: RunStarted, phase: PhaseFinished) -> None:
        record_phase(phase.name, phase.status, phase.seconds, engine=run.engine)

    def run_finished(self, run: RunStarted, end: RunFinished) -> None:
        record_run(end.status, end.seconds, end.phases, engine=run.engine)
