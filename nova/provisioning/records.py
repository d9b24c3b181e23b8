"""Where a provisioning run's events are kept: its tables in the state store and its report.

These are the provisioning engine's own sinks for nova.runs.recorder; the
audit log and the KPIs are the shared ones in nova.runs.sinks.
"""

from __future__ import annotations

from nova.ansible.runner import PlaybookResult
from nova.core.paths import reports_dir
from nova.runs.recorder import NullSink, PhaseFinished, PhaseStarted, RunFinished, RunStarted
from nova.runs.report import write_run_report
from nova.runs.state import StateStore


def report_path(run_id: str) -> str:
    return str(reports_dir() / f"{run_id}.md")


class StateStoreSink(NullSink):
    """The runs, phases, host_results and failed_tasks tables."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def run_started(self, run: RunStarted) -> None:
        details = run.details
        self.store.start_run(
            run.run_id,
            inventory=details["inventory"],
            phases=list(run.phases),
            limit=details["limit"],
            check_mode=details["check_mode"],
            launcher=run.actor,
        )

    def phase_started(self, run: RunStarted, phase: PhaseStarted) -> None:
        self.store.start_phase(run.run_id, phase.seq, phase.name, phase.decision_id)

    def phase_finished(self, run: RunStarted, phase: PhaseFinished) -> None:
        if not phase.ran:
            self.store.record_phase(
                run.run_id, phase.seq, phase.name, phase.status, phase.decision_id, phase.note
            )
            return
        result: PlaybookResult = phase.result
        self.store.finish_phase(
            run.run_id,
            phase.seq,
            phase.name,
            phase.status,
            result.rc,
            result.stats,
            result.failures,
        )

    def run_finished(self, run: RunStarted, end: RunFinished) -> None:
        self.store.finish_run(run.run_id, end.status, report_path(run.run_id))


class ReportSink(NullSink):
    """The run's Markdown report, written from what the store holds once the run ends."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def run_finished(self, run: RunStarted, end: RunFinished) -> None:
        record = self.store.get_run(run.run_id)
        if record is not None:
            write_run_report(record)
