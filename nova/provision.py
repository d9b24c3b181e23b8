"""Provisioning: run the phase plan against an inventory, one phase at a time.

Everything the user gave is checked before a run record is created, so bad
input never leaves a half-written run. Each phase runs through the runner in
its own folder under NOVA_HOME/runs/<run-id>/, is recorded in the state
store, and the first failed phase stops the run.
"""

from __future__ import annotations

import getpass
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from nova import inventory as inventories
from nova.paths import ensure_home, reports_dir, runs_dir
from nova.plan import Phase, load_plan
from nova.reports import write_run_report
from nova.runner import PlaybookResult, RunnerEvent, run_playbook
from nova.state import RunRecord, StateStore


@dataclass(frozen=True)
class ProvisionRequest:
    inventory: str
    phases: tuple[str, ...] = ()
    limit: str | None = None
    check: bool = False
    diff: bool = False
    extra_vars: dict[str, Any] = field(default_factory=dict)


class ProvisionObserver(Protocol):
    """What a progress display is told while a run goes on."""

    def run_started(self, run_id: str, phases: list[Phase], hosts: list[str]) -> None: ...
    def phase_started(self, phase: Phase) -> None: ...
    def event(self, phase: Phase, event: RunnerEvent) -> None: ...
    def phase_finished(self, phase: Phase, result: PlaybookResult) -> None: ...


class SilentObserver:
    def run_started(self, run_id: str, phases: list[Phase], hosts: list[str]) -> None:
        pass

    def phase_started(self, phase: Phase) -> None:
        pass

    def event(self, phase: Phase, event: RunnerEvent) -> None:
        pass

    def phase_finished(self, phase: Phase, result: PlaybookResult) -> None:
        pass


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def provision(
    request: ProvisionRequest,
    observer: ProvisionObserver | None = None,
    store: StateStore | None = None,
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
    run_id = new_run_id()
    store.start_run(
        run_id,
        inventory=request.inventory,
        phases=[p.name for p in phases],
        limit=request.limit,
        check_mode=request.check,
        launcher=getpass.getuser(),
    )
    observer.run_started(run_id, phases, hosts)
    status = "error"
    try:
        status = _run_phases(run_id, request, phases, list(inventory.sources), observer, store)
    finally:
        report_path = reports_dir() / f"{run_id}.md"
        store.finish_run(run_id, status, str(report_path))
        record = store.get_run(run_id)
        assert record is not None
        write_run_report(record)
    return record


def _run_phases(
    run_id: str,
    request: ProvisionRequest,
    phases: list[Phase],
    sources: list[Any],
    observer: ProvisionObserver,
    store: StateStore,
) -> str:
    for seq, phase in enumerate(phases, start=1):
        store.start_phase(run_id, seq, phase.name)
        observer.phase_started(phase)
        result = run_playbook(
            phase.playbook,
            sources,
            runs_dir() / run_id / f"{seq:02d}-{phase.name}",
            limit=request.limit,
            extravars=request.extra_vars,
            check=request.check,
            diff=request.diff,
            on_event=lambda event, phase=phase: observer.event(phase, event),  # type: ignore[misc]
        )
        status = "successful" if result.succeeded else "failed"
        store.finish_phase(
            run_id, seq, phase.name, status, result.rc, result.stats, result.failures
        )
        observer.phase_finished(phase, result)
        if not result.succeeded:
            return "failed"
    return "successful"
