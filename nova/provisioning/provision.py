"""Provisioning: run the phase plan against an inventory, one phase at a time.

Everything the user gave is checked before a run record is created, so bad
input never leaves a half-written run. Each phase runs through the runner in
its own folder under NOVA_HOME/runs/<run-id>/, and the first failed phase
stops the run. A phase whose playbook applies no role is recorded as having
nothing to do, without running; a run in which no phase had anything to do
is not a success.

What the roles showed on each host (their `nova_evidence` facts) is recorded
after each phase: the data in the state store, its hash in the audit log.

Before each phase the policy gate is asked; a phase it refuses is recorded as
denied, with the decision id and the violations, and never runs. Every event
goes through one RunRecorder to the state store, the audit log, the KPIs,
the report and the observer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from nova.ansible import inventory as inventories
from nova.ansible.playbook import roles_in
from nova.ansible.runner import RunnerEvent, run_playbook
from nova.ansible.tuning import Tuning, tune
from nova.audit.log import AuditLog
from nova.core.errors import InputError
from nova.core.paths import ensure_home, runs_dir
from nova.policy.gate import check_provision
from nova.provisioning.plan import Phase, load_plan
from nova.provisioning.records import EvidenceSink, ReportSink, StateStoreSink, report_path
from nova.runs.evidence import EvidenceStore
from nova.runs.recorder import NOTHING_TO_DO, NullSink, RunRecorder, RunSink
from nova.runs.sinks import AuditSink, KpiSink
from nova.runs.state import RunRecord, StateStore

if TYPE_CHECKING:
    import threading

    from nova.policy.decision import Decision

ENGINE = "provision"
TAG_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class ProvisionRequest:
    inventory: str
    phases: tuple[str, ...] = ()
    limit: str | None = None
    check: bool = False
    diff: bool = False
    extra_vars: dict[str, Any] = field(default_factory=dict)
    # None: chosen from the host count and the controller's memory (nova.ansible.tuning).
    forks: int | None = None
    # Empty the inventory's fact cache before the run.
    refresh_facts: bool = False
    # Roles to leave out, by their tag in the phase's playbook (foundation tags each role).
    skip_tags: tuple[str, ...] = ()
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
    tuning: Tuning


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


class ProvisionObserver(RunSink, Protocol):
    """A progress display: the run's events, and the runner's events within a phase."""

    def event(self, phase: str, event: RunnerEvent) -> None: ...


class SilentObserver(NullSink):
    def event(self, phase: str, event: RunnerEvent) -> None:
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
    actor: str | None = None,
) -> RunRecord:
    """Run the requested phases; returns the recorded run, whatever its outcome.

    `actor` is who launched it (the dashboard's logged-in user); by default
    the user running this process.
    """
    observer = observer or SilentObserver()
    # Validate everything before anything is recorded.
    plan = load_plan()
    phases = plan.select(request.phases)
    inventory = inventories.resolve(request.inventory)
    if request.inventory == "sandbox":
        from nova.sandbox.nodes import inventory_drift

        drift = inventory_drift()
        if drift is not None:
            reason = f"out of date: {drift}; run `nova sandbox up` to refresh it"
            raise InputError("sandbox", "--inventory", reason)
    hosts = list(inventories.list_hosts(inventory, request.limit))
    roles = {phase.name: roles_in(phase.playbook) for phase in phases}
    if request.forks is not None and request.forks < 1:
        raise InputError(str(request.forks), "--forks", "must be at least 1")
    for tag in request.skip_tags:
        if not TAG_PATTERN.fullmatch(tag):
            raise InputError(tag, "--skip-tags", "a tag is letters, digits, _ and -")

    ensure_home()
    tuning = tune(request.inventory, len(hosts), request.forks, request.refresh_facts)
    store = store or StateStore()
    audit = audit or AuditLog()
    sinks = [
        StateStoreSink(store),
        # After the run's rows (its table refers to them), before the report that shows it.
        EvidenceSink(EvidenceStore(store.path), audit),
        ReportSink(store),
        AuditSink(audit),
        KpiSink(),
    ]
    recorder = RunRecorder(ENGINE, [*sinks, observer], actor=actor)
    context = RunContext(
        run_id=recorder.run_id,
        request=request,
        launcher=recorder.actor,
        phases=phases,
        hosts=hosts,
        sources=list(inventory.sources),
        tuning=tuning,
    )
    recorder.start(
        [p.name for p in phases],
        inventory=request.inventory,
        hosts=hosts,
        limit=request.limit,
        check_mode=request.check,
        forks=tuning.forks,
        forks_reason=tuning.reason,
        skip_tags=list(request.skip_tags),
    )
    status = "error"
    try:
        status = _run_phases(context, recorder, observer, gate, roles)
    finally:
        recorder.finish(status, report=report_path(recorder.run_id))
    record = store.get_run(context.run_id)
    assert record is not None
    return record


def _run_phases(
    context: RunContext,
    recorder: RunRecorder,
    observer: ProvisionObserver,
    gate: PhaseGate,
    roles: dict[str, tuple[str, ...]],
) -> str:
    request = context.request
    ran = 0
    for seq, phase in enumerate(context.phases, start=1):
        decision = gate(context, phase)
        if not decision.allow:
            reason = "; ".join(decision.violations) or decision.reason or "denied by policy"
            recorder.phase_finished(
                seq, phase.name, "denied", note=reason, decision_id=decision.decision_id
            )
            return "denied"
        if not roles[phase.name]:
            recorder.phase_finished(
                seq,
                phase.name,
                NOTHING_TO_DO,
                note=f"{phase.playbook.name} applies no role",
                decision_id=decision.decision_id,
            )
            continue
        recorder.phase_started(seq, phase.name, decision.decision_id, roles=list(roles[phase.name]))
        result = run_playbook(
            phase.playbook,
            context.sources,
            runs_dir() / context.run_id / f"{seq:02d}-{phase.name}",
            limit=request.limit,
            extravars=request.extra_vars,
            check=request.check,
            diff=request.diff,
            on_event=lambda event, name=phase.name: observer.event(name, event),  # type: ignore[misc]
            cancelled=request.cancelled,
            tuning=context.tuning,
            skip_tags=request.skip_tags,
        )
        recorder.phase_finished(
            seq,
            phase.name,
            "successful" if result.succeeded else "failed",
            decision_id=decision.decision_id,
            result=result,
            rc=result.rc,
            hosts={h: vars(s) for h, s in sorted(result.stats.items())},
        )
        ran += 1
        if not result.succeeded:
            return "failed"
    return "successful" if ran else NOTHING_TO_DO
