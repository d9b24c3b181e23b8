"""`nova orchestrate`: the agents' tasks, phase by phase, through the queue and real workers.

Phases run in plan order. Each starts with a phase-start broadcast on the
hub and an agent-start broadcast per agent, carrying what they depend on;
then the agents' workers start, the phase's tasks go on the queue (one at a
time, or up to N at once in parallel mode), and the phase ends when every
task has settled. A failed phase stops the run. A phase that completed only
in part (a task not runnable here, or blocked) does not stop it, but the
phases that depend on it are not started. Whatever happens, the run, its
phases and tasks are recorded, and a report is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from nova.ansible import inventory as inventories
from nova.audit.log import AuditLog
from nova.core.errors import InputError
from nova.core.paths import ensure_home, nova_home
from nova.kpi import record_agent_task
from nova.orchestrate.catalogue import Catalogue, CatalogueTask, load_catalogue
from nova.orchestrate.hub.store import Hub
from nova.orchestrate.memory import MemorySampler
from nova.orchestrate.queue_access import QueueTasks, TaskDefaults, open_queue
from nova.orchestrate.records import (
    ORCHESTRATOR,
    HubSink,
    OrchestrationStoreSink,
    ReportSink,
)
from nova.orchestrate.report import report_path
from nova.orchestrate.scheduler import PhaseScheduler, PhaseSettings
from nova.orchestrate.states import COMPLETED, SETTLED, TaskState
from nova.orchestrate.status.model import latest_records
from nova.orchestrate.store import OrchestrationRecord, OrchestrationStore, TaskRecord
from nova.orchestrate.workers import WorkerCommand, WorkerPool, blueprint_worker
from nova.provisioning.plan import Phase
from nova.runs.recorder import NullSink, RunRecorder, RunSink
from nova.runs.sinks import AuditSink, KpiSink

MODE_ENV = "NOVA_EXECUTION_MODE"
MODES = ("sequential", "parallel")
ENGINE = "orchestrate"


@dataclass(frozen=True)
class OrchestrateRequest:
    agents: tuple[str, ...] = ()  # every agent when empty
    mode: str = "sequential"
    concurrency: int = 4  # parallel mode only; sequential runs one task at a time
    inventory: str = "sandbox"
    limit: str | None = None
    check: bool = False
    server: str | None = None  # a running queue; None serves one for the run
    task_timeout: float = 3600.0

    @property
    def effective_concurrency(self) -> int:
        return self.concurrency if self.mode == "parallel" else 1


def resolve_mode(option: str | None) -> str:
    """The --mode option, else NOVA_EXECUTION_MODE, else sequential."""
    value = option or os.environ.get(MODE_ENV) or "sequential"
    if value not in MODES:
        source = "--mode" if option else MODE_ENV
        raise InputError(source, None, f"must be sequential or parallel, not '{value}'")
    return value


class Observer(RunSink, Protocol):
    """A progress display: the run's events, and each task's changes within a phase."""

    def task_changed(self, record: TaskRecord) -> None: ...


class SilentObserver(NullSink):
    def task_changed(self, record: TaskRecord) -> None:
        pass


@dataclass(frozen=True)
class Services:
    """Where a run keeps what it does; tests and callers may pass their own."""

    store: OrchestrationStore
    hub: Hub
    audit: AuditLog


def selected_phases(catalogue: Catalogue, agents: tuple[str, ...]) -> list[Phase]:
    """Phases, in plan order, that hold a task of one of the agents."""
    wanted = set(agents) or set(catalogue.agents)
    names = {t.phase for t in catalogue.tasks if t.agent in wanted}
    return [p for p in catalogue.plan.phases if p.name in names]


def phase_status(records: list[TaskRecord]) -> str:
    states = {r.status for r in records}
    if states & {TaskState.FAILED, TaskState.CANCELLED, TaskState.INTERRUPTED}:
        return "failed"
    if states <= COMPLETED:
        return "succeeded"
    return "incomplete"


def orchestrate(
    request: OrchestrateRequest,
    *,
    catalogue: Catalogue | None = None,
    worker_command: WorkerCommand = blueprint_worker,
    observer: Observer | None = None,
    services: Services | None = None,
) -> OrchestrationRecord:
    """Run the request; returns the recorded run, whatever its outcome."""
    observer = observer or SilentObserver()
    # Everything the user gave is checked before anything is recorded.
    catalogue = catalogue or load_catalogue()
    if request.mode not in MODES:
        raise InputError("--mode", None, f"must be sequential or parallel, not '{request.mode}'")
    if request.concurrency < 1:
        raise InputError("--concurrency", None, "must be at least 1")
    catalogue.check_agents(request.agents)
    inventories.resolve(request.inventory)
    agents = list(request.agents) or catalogue.agents
    phases = selected_phases(catalogue, tuple(agents))

    ensure_home()
    services = services or _default_services()
    sinks: list[RunSink] = [
        OrchestrationStoreSink(services.store),
        HubSink(services.hub),
        ReportSink(services.store, services.hub, catalogue),
        AuditSink(services.audit),
        KpiSink(),
        observer,
    ]
    recorder = RunRecorder(ENGINE, sinks)
    run_dir = nova_home() / "orchestrate" / recorder.run_id
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    tasks = catalogue.for_agents(agents)
    run = _Run(recorder, run_dir, request, catalogue, tasks, phases, services, observer)
    return run.execute(worker_command)


def _default_services() -> Services:
    return Services(OrchestrationStore(), Hub(), AuditLog())


class _Run:
    def __init__(
        self,
        recorder: RunRecorder,
        run_dir: Path,
        request: OrchestrateRequest,
        catalogue: Catalogue,
        tasks: list[CatalogueTask],
        phases: list[Phase],
        services: Services,
        observer: Observer,
    ) -> None:
        self.recorder = recorder
        self.id = recorder.run_id
        self.dir = run_dir
        self.request = request
        self.catalogue = catalogue
        self.tasks = tasks
        self.phases = phases
        self.store = services.store
        self.hub = services.hub
        self.observer = observer
        self.agents = list(dict.fromkeys(t.agent for t in tasks))

    def execute(self, worker_command: WorkerCommand) -> OrchestrationRecord:
        self.recorder.start(
            [p.name for p in self.phases],
            mode=self.request.mode,
            concurrency=self.request.effective_concurrency,
            inventory=self.request.inventory,
            agents=self.agents,
            check_mode=self.request.check,
            queue=self.request.server or "embedded",
        )
        status, note = "failed", None
        memory = None
        try:
            with open_queue(self.request.server, self.dir, {t.skill for t in self.tasks}) as queue:
                if queue.embedded:
                    self.store.set_queue(self.id, f"embedded at {queue.address}")
                pool = WorkerPool(worker_command, queue.address, self.dir)
                defaults = TaskDefaults(
                    self.id, self.request.inventory, self.request.limit, self.request.check
                )
                try:
                    with MemorySampler(pool.pids) as sampler:
                        status, note = self._phases(QueueTasks(queue.client, defaults), pool)
                        memory = sampler.peaks.to_dict() if sampler.peaks else None
                finally:
                    pool.stop_all()
        except KeyboardInterrupt:
            status, note = "interrupted", "stopped by the user"
            raise
        except Exception as exc:
            status, note = "failed", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self.recorder.finish(status, note, report=str(report_path(self.id)), memory=memory)
        record = self.store.get_run(self.id)
        assert record is not None
        return record

    def _phases(self, queue: QueueTasks, pool: WorkerPool) -> tuple[str, str | None]:
        met = self._completed_before()
        outcomes: dict[str, str] = {}
        stopped_at: str | None = None
        for seq, phase in enumerate(self.phases, start=1):
            if stopped_at is not None:
                note = f"the run stopped at the failed phase '{stopped_at}'"
                self._skip(seq, phase, "not-started", note)
                continue
            unmet = [d for d in phase.depends_on if outcomes.get(d, "succeeded") != "succeeded"]
            if unmet:
                note = f"depends on '{unmet[0]}', which {outcomes[unmet[0]]}"
                self._skip(seq, phase, "blocked", note)
                outcomes[phase.name] = "blocked"
                continue
            records = self._phase(seq, phase, queue, pool, met)
            outcomes[phase.name] = phase_status(records)
            met |= {r.task for r in records if r.status in COMPLETED}
            if outcomes[phase.name] == "failed":
                stopped_at = phase.name
        if stopped_at is not None:
            return "failed", f"stopped at the failed phase '{stopped_at}'"
        if all(o == "succeeded" for o in outcomes.values()):
            return "succeeded", None
        return "incomplete", "some tasks did not complete (not runnable here, or blocked)"

    def _phase(
        self, seq: int, phase: Phase, queue: QueueTasks, pool: WorkerPool, met: set[str]
    ) -> list[TaskRecord]:
        tasks = [t for t in self.tasks if t.phase == phase.name]
        agents = list(dict.fromkeys(t.agent for t in tasks))
        self.recorder.phase_started(
            seq,
            phase.name,
            depends_on=list(phase.depends_on),
            agents=agents,
            tasks=[t.id for t in tasks],
        )
        slots = self.request.effective_concurrency
        for agent in agents:
            own = [t for t in tasks if t.agent == agent]
            pool.start(agent, [t.skill for t in own], slots)
            self.hub.broadcast(
                self.id,
                "agent-start",
                ORCHESTRATOR,
                f"agent {agent}",
                agent=agent,
                phase=phase.name,
                phase_depends_on=list(phase.depends_on),
                tasks=[
                    {"id": t.id, "skill": t.skill, "depends_on": list(t.depends_on)} for t in own
                ],
                depends_on_agents=sorted(
                    {
                        self.catalogue.by_id[d].agent
                        for t in own
                        for d in t.depends_on
                        if self.catalogue.by_id[d].agent != agent
                    }
                ),
            )
        settings = PhaseSettings(
            run_id=self.id,
            concurrency=slots,
            check_mode=self.request.check,
            task_timeout=self.request.task_timeout,
        )
        scheduler = PhaseScheduler(queue, settings, health=pool.health, listener=self._task_changed)
        try:
            records = scheduler.run(tasks, met)
        finally:
            for agent in agents:
                pool.stop(agent)
        self.recorder.phase_finished(
            seq,
            phase.name,
            phase_status(records),
            note=_phase_note(records),
            result=records,
            counts=_counts(records),
        )
        return records

    def _task_changed(self, record: TaskRecord) -> None:
        self.store.save_task(replace(record))
        self.observer.task_changed(record)
        if record.status in SETTLED:
            record_agent_task(record.agent, record.status.value, record.duration)
            self.hub.broadcast(
                self.id,
                "task-result",
                record.agent,
                f"task {record.task} {record.status.value}",
                task=record.task,
                phase=record.phase,
                status=record.status.value,
                error=record.error,
            )

    def _skip(self, seq: int, phase: Phase, status: str, note: str) -> None:
        self.recorder.phase_finished(seq, phase.name, status, note=note)

    def _completed_before(self) -> set[str]:
        """Tasks done by earlier runs: a dependency on them is met."""
        latest = latest_records(self.store)
        return {task for task, record in latest.items() if record.status is TaskState.DONE}


def _counts(records: list[TaskRecord]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.status.value] = counts.get(record.status.value, 0) + 1
    return counts


def _phase_note(records: list[TaskRecord]) -> str | None:
    troubled = [r for r in records if r.status not in COMPLETED]
    if not troubled:
        return None
    first = troubled[0]
    return f"{first.task}: {first.status.value}" + (f" ({first.error})" if first.error else "")
