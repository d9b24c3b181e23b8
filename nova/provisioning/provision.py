"""Provisioning: run the phase plan against an inventory, one phase at a time.

Everything the user gave is checked before a run record is created, so bad
input never leaves a half-written run. Each phase runs through the runner in
its own folder under NOVA_HOME/runs/<run-id>/, is recorded in the state
store, and the first failed phase stops the run.

Before each phase the policy gate is asked; a phase it refuses is recorded as
denied, with the decision id and the violations, and never runs. The run's
start, each phase and its end go to the audit log.
"""

from __future__ import annotations

import getpass
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from nova.ansible import inventory as inventories
from nova.ansible.runner import PlaybookResult, RunnerEvent, run_playbook
from nova.audit.log import AuditLog
from nova.core.errors import InputError
from nova.core.paths import ensure_home, reports_dir, runs_dir
from nova.kpi import record_phase, record_run
from nova.policy.gate import check_provision
from nova.provisioning.plan import Phase, load_plan
from nova.runs.ids import new_run_id
from nova.runs.report import write_run_report
from nova.runs.state import RunRecord, StateStore

if TYPE_CHECKING:
    import threading

    from nova.policy.decision import Decision


@dataclass(frozen=True)
class ProvisionRequest:
    inventory: str
    phases: tuple[str, ...] = ()
    limit: str | None = None
    check: bool = False
    diff: bool = False
    extra_vars: dict[str, Any] = field(default_factory=dict)
    # Set by a worker whose task was cancelled: the running playbook is killed.
    cancelled: threading.Event | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RunContext:
    """What every phase of one run shares."""

    run_id: str
    request: ProvisionRequest
    launcher: str
    phases: list[Phase]
    hosts: list[str]
    sources: list[Any]


class PhaseGate(Protocol):
    """Asked before each phase; the phase runs only when `allow` is true."""

    def __call__(self, context: RunContext, phase: Phase) -> Decision: ...


def policy_gate(context: RunContext, phase: Phase) -> Decision:
    return check_provision(
        launcher=context.launcher,
        inventory=context.request.inventory,
        phases=[p.name for p in context.phases],
        check_mode=context.request.check,
        hosts=context.hosts,
        limit=context.request.limit,
        phase=phase.name,
    )


class ProvisionObserver(Protocol):
    """What a progress display is told while a run goes on."""

    def run_started(self, run_id: str, phases: list[Phase], hosts: list[str]) -> None: ...
    def phase_started(self, phase: Phase) -> None: ...
    def event(self, phase: Phase, event: RunnerEvent) -> None: ...
    def phase_finished(self, phase: Phase, result: PlaybookResult) -> None: ...
    def phase_denied(self, phase: Phase, decision: Decision) -> None: ...


class SilentObserver:
    def run_started(self, run_id: str, phases: list[Phase], hosts: list[str]) -> None:
        pass

    def phase_started(self, phase: Phase) -> None:
        pass

    def event(self, phase: Phase, event: RunnerEvent) -> None:
        pass

    def phase_finished(self, phase: Phase, result: PlaybookResult) -> None:
        pass

    def phase_denied(self, phase: Phase, decision: Decision) -> None:
        pass


def resume_request(
    run_id: str, extra_vars: dict[str, Any], diff: bool = False, store: StateStore | None = None
) -> ProvisionRequest:
    """A request for the phases of an earlier run that did not succeed."""
    earlier = (store or StateStore()).get_run(run_id)
    if earlier is None:
        raise InputError(run_id, "--resume", "no run with that id")
    succeeded = {p.name for p in earlier.phase_results if p.status == "successful"}
    remaining = tuple(name for name in earlier.phases if name not in succeeded)
    if not remaining:
        raise InputError(earlier.id, "--resume", "every phase of that run succeeded")
    return ProvisionRequest(
        inventory=earlier.inventory,
        phases=remaining,
        limit=earlier.limit,
        check=earlier.check_mode,
        diff=diff,
        extra_vars=extra_vars,
    )


def provision(
    request: ProvisionRequest,
    observer: ProvisionObserver | None = None,
    store: StateStore | None = None,
    gate: PhaseGate = policy_gate,
    audit: AuditLog | None = None,
) -> RunRecord:
    """Run the requested phases; returns the recorded run, whatever its outcome."""
    observer = observer or SilentObserver()
    # Validate everything before anything is recorded.
    plan = load_plan()
    phases = plan.select(request.phases)
    inventory = inventories.resolve(request.inventory)
    hosts = list(inventories.list_hosts(inventory, request.limit))

    ensure_home()
    store = store or StateStore()
    audit = audit or AuditLog()
    context = RunContext(
        run_id=new_run_id(),
        request=request,
        launcher=getpass.getuser(),
        phases=phases,
        hosts=hosts,
        sources=list(inventory.sources),
    )
    store.start_run(
        context.run_id,
        inventory=request.inventory,
        phases=[p.name for p in phases],
        limit=request.limit,
        check_mode=request.check,
        launcher=context.launcher,
    )
    audit.append(
        context.launcher,
        "provision.run.start",
        context.run_id,
        payload={
            "inventory": request.inventory,
            "phases": [p.name for p in phases],
            "hosts": hosts,
            "limit": request.limit,
            "check_mode": request.check,
        },
    )
    observer.run_started(context.run_id, phases, hosts)
    started = time.monotonic()
    status = "error"
    try:
        status = _run_phases(context, observer, store, gate, audit)
    finally:
        report_path = reports_dir() / f"{context.run_id}.md"
        store.finish_run(context.run_id, status, str(report_path))
        audit.append(
            context.launcher,
            "provision.run.finish",
            context.run_id,
            payload={"status": status, "report": str(report_path)},
        )
        record = store.get_run(context.run_id)
        assert record is not None
        write_run_report(record)
        record_run(status, time.monotonic() - started, len(record.phase_results))
    return record


def _run_phases(
    context: RunContext,
    observer: ProvisionObserver,
    store: StateStore,
    gate: PhaseGate,
    audit: AuditLog,
) -> str:
    request = context.request
    for seq, phase in enumerate(context.phases, start=1):
        decision = gate(context, phase)
        if not decision.allow:
            reason = "; ".join(decision.violations) or decision.reason or "denied by policy"
            store.deny_phase(context.run_id, seq, phase.name, decision.decision_id, reason)
            observer.phase_denied(phase, decision)
            record_phase(phase.name, "denied", 0.0)
            return "denied"
        store.start_phase(context.run_id, seq, phase.name, decision.decision_id)
        observer.phase_started(phase)
        phase_started = time.monotonic()
        result = run_playbook(
            phase.playbook,
            context.sources,
            runs_dir() / context.run_id / f"{seq:02d}-{phase.name}",
            limit=request.limit,
            extravars=request.extra_vars,
            check=request.check,
            diff=request.diff,
            on_event=lambda event, phase=phase: observer.event(phase, event),  # type: ignore[misc]
            cancelled=request.cancelled,
        )
        status = "successful" if result.succeeded else "failed"
        record_phase(phase.name, status, time.monotonic() - phase_started)
        store.finish_phase(
            context.run_id, seq, phase.name, status, result.rc, result.stats, result.failures
        )
        audit.append(
            context.launcher,
            "provision.phase",
            context.run_id,
            decision_id=decision.decision_id,
            payload={
                "phase": phase.name,
                "status": status,
                "rc": result.rc,
                "hosts": {h: vars(s) for h, s in sorted(result.stats.items())},
            },
        )
        observer.phase_finished(phase, result)
        if not result.succeeded:
            return "failed"
    return "successful"
