"""Where a provisioning run's events are kept: its tables in the state store and its report.

These are the provisioning engine's own sinks for nova.runs.recorder; the
audit log and the KPIs are the shared ones in nova.runs.sinks.
"""

from __future__ import annotations

from nova.ansible.runner import HostEvidence, PlaybookResult
from nova.audit.log import AuditLog
from nova.audit.mask import mask
from nova.core.paths import reports_dir
from nova.runs.evidence import EvidenceRecord, EvidenceStore, evidence_hash
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


class EvidenceSink(NullSink):
    """Each host's evidence from a finished phase: the data in the store, its hash in the audit log.

    For every item the phase's playbook collected (PlaybookResult.evidence),
    secrets are masked out of the data first; then the audit log gets an
    entry `evidence.<check>` with the host as subject and a payload of `ok`,
    the data's `sha256`, the run id and the phase (never the data), and the
    store gets the data with that entry's seq. It runs before the report
    sink, so the run's report shows each row with the seq it points at.
    """

    def __init__(self, store: EvidenceStore, audit: AuditLog) -> None:
        self.store = store
        self.audit = audit

    def phase_finished(self, run: RunStarted, phase: PhaseFinished) -> None:
        result = phase.result
        if not phase.ran or not isinstance(result, PlaybookResult):
            return
        for item in result.evidence:
            self.record(run, phase.name, item)

    def record(self, run: RunStarted, phase: str, item: HostEvidence) -> EvidenceRecord:
        data = mask(item.data)
        entry = self.audit.append(
            run.actor,
            f"evidence.{item.check}",
            item.host,
            payload={
                "ok": item.ok,
                "sha256": evidence_hash(data),
                "run_id": run.run_id,
                "phase": phase,
                "check_mode": bool(run.details.get("check_mode", False)),
            },
        )
        return self.store.record(
            run.run_id,
            phase,
            item.host,
            item.check,
            item.ok,
            data,
            item.collected_at or entry.time,
            entry.seq,
        )
