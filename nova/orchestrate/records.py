"""Where an orchestration's events are kept: its tables, the hub and its report.

These are the orchestration engine's own sinks for nova.runs.recorder; the
audit log and the KPIs are the shared ones in nova.runs.sinks.
"""

from __future__ import annotations

import psutil

from nova.orchestrate.catalogue import Catalogue
from nova.orchestrate.hub.store import Hub
from nova.orchestrate.memory import MemoryPeaks
from nova.orchestrate.report import write_report
from nova.orchestrate.store import OrchestrationStore
from nova.runs.recorder import NullSink, PhaseFinished, PhaseStarted, RunFinished, RunStarted

ORCHESTRATOR = "orchestrator"


class OrchestrationStoreSink(NullSink):
    """The orchestrations and orchestration_phases tables; tasks are saved as they change."""

    def __init__(self, store: OrchestrationStore) -> None:
        self.store = store

    def run_started(self, run: RunStarted) -> None:
        details = run.details
        # The status readers tell a live run from a dead one by this process.
        me = psutil.Process()
        self.store.start(
            run.run_id,
            mode=details["mode"],
            concurrency=details["concurrency"],
            inventory=details["inventory"],
            agents=list(details["agents"]),
            check_mode=details["check_mode"],
            queue=details["queue"],
            pid=me.pid,
            pid_started=me.create_time(),
        )

    def phase_started(self, run: RunStarted, phase: PhaseStarted) -> None:
        self.store.start_phase(run.run_id, phase.seq, phase.name)

    def phase_finished(self, run: RunStarted, phase: PhaseFinished) -> None:
        if phase.ran:
            self.store.finish_phase(run.run_id, phase.seq, phase.status, phase.note)
        else:
            self.store.skip_phase(run.run_id, phase.seq, phase.name, phase.status, phase.note or "")

    def run_finished(self, run: RunStarted, end: RunFinished) -> None:
        memory = end.details.get("memory")
        self.store.finish(
            run.run_id,
            end.status,
            memory=MemoryPeaks.from_dict(memory) if memory else None,
            note=end.note,
        )


class HubSink(NullSink):
    """Broadcasts on the run's hub channel, which the agents and `nova hub` read."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def run_started(self, run: RunStarted) -> None:
        details = run.details
        self.hub.broadcast(
            run.run_id,
            "run-start",
            ORCHESTRATOR,
            f"orchestration {run.run_id}",
            phases=list(run.phases),
            agents=details["agents"],
            mode=details["mode"],
            concurrency=details["concurrency"],
        )

    def phase_started(self, run: RunStarted, phase: PhaseStarted) -> None:
        self.hub.broadcast(
            run.run_id,
            "phase-start",
            ORCHESTRATOR,
            f"phase {phase.name}",
            phase=phase.name,
            **phase.details,
        )

    def phase_finished(self, run: RunStarted, phase: PhaseFinished) -> None:
        extra = {"counts": phase.details["counts"]} if phase.ran else {"note": phase.note}
        self.hub.broadcast(
            run.run_id,
            "phase-end",
            ORCHESTRATOR,
            f"phase {phase.name} {phase.status}",
            phase=phase.name,
            status=phase.status,
            **extra,
        )

    def run_finished(self, run: RunStarted, end: RunFinished) -> None:
        self.hub.broadcast(
            run.run_id,
            "run-end",
            ORCHESTRATOR,
            f"orchestration {run.run_id} {end.status}",
            status=end.status,
            note=end.note,
        )


class ReportSink(NullSink):
    """The run's Markdown report, from the store and the hub once the run has ended."""

    def __init__(self, store: OrchestrationStore, hub: Hub, catalogue: Catalogue) -> None:
        self.store = store
        self.hub = hub
        self.catalogue = catalogue

    def run_finished(self, run: RunStarted, end: RunFinished) -> None:
        record = self.store.get_run(run.run_id)
        if record is None:
            return
        path = write_report(record, self.catalogue, self.hub.read(run.run_id))
        self.store.set_report(run.run_id, str(path))
