"""Runs started and cancelled from the dashboard, through the CLI's own provisioning service.

A run starts with `nova.provisioning.provision.provision`, as `nova
provision` starts one: the policy gate is asked before each phase and every
decision and event goes to the audit log, so a page can do nothing the
command line would not have allowed, nor leave fewer traces. The run goes on
in a thread of the dashboard; its page follows it like any other run.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace

from nova.audit.log import AuditLog
from nova.core.errors import InputError
from nova.policy.gate import check_provision
from nova.provisioning.provision import ProvisionRequest, SilentObserver, provision
from nova.runs.recorder import RunStarted

INVENTORY_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")  # a name: a page may not point at files
PHASE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}\Z")
LIMIT_RE = re.compile(r"^[A-Za-z0-9_.:,*!&-]{1,200}\Z")
START_SECONDS = 60.0


def start_request(inventory: str, phases: list[str], limit: str, mode: str) -> ProvisionRequest:
    """A provisioning request from a form's fields; check mode unless `mode` is "apply"."""
    if not INVENTORY_RE.match(inventory):
        raise InputError(inventory[:80], "inventory", "must be an inventory's name")
    if len(phases) > 20 or not all(PHASE_RE.match(p) for p in phases):
        raise InputError(",".join(phases)[:80], "phase", "must be phases of the plan, by name")
    if limit and not LIMIT_RE.match(limit):
        raise InputError(limit[:80], "limit", "must be host or group names and patterns")
    if mode not in ("check", "apply"):
        raise InputError(mode[:80], "mode", "must be check or apply")
    return ProvisionRequest(
        inventory=inventory, phases=tuple(phases), limit=limit or None, check=mode != "apply"
    )


@dataclass(frozen=True)
class Launched:
    run: RunStarted
    cancelled: threading.Event
    thread: threading.Thread


class Denied(Exception):
    """The policy gate refused an action; the message is its reason."""


class _Started(SilentObserver):
    def __init__(self) -> None:
        self.run: RunStarted | None = None
        self.error: InputError | None = None
        self.known = threading.Event()

    def run_started(self, run: RunStarted) -> None:
        self.run = run
        self.known.set()


class Control:
    """The runs this dashboard started, so it can cancel them."""

    def __init__(self) -> None:
        self.runs: dict[str, Launched] = {}

    def start(self, request: ProvisionRequest, actor: str) -> str:
        """Start the run in a thread; its id once recorded, or the InputError that stopped it."""
        # Only running runs can be cancelled: the finished ones need not be remembered.
        self.runs = {k: v for k, v in self.runs.items() if v.thread.is_alive()}
        cancelled = threading.Event()
        started = _Started()

        def work() -> None:
            try:
                provision(replace(request, cancelled=cancelled), observer=started, actor=actor)
            except InputError as exc:
                started.error = exc
            finally:
                started.known.set()

        thread = threading.Thread(target=work, name="dashboard-run", daemon=True)
        thread.start()
        started.known.wait(START_SECONDS)
        if started.error is not None:
            raise started.error
        if started.run is None:
            raise InputError("run", None, "did not start; see the dashboard's log")
        self.runs[started.run.run_id] = Launched(started.run, cancelled, thread)
        return started.run.run_id

    def can_cancel(self, run_id: str) -> bool:
        launched = self.runs.get(run_id)
        return launched is not None and launched.thread.is_alive()

    def cancel(self, run_id: str, actor: str, audit: AuditLog | None = None) -> None:
        launched = self.runs.get(run_id)
        if launched is None:
            reason = (
                "is not running from this dashboard: a run started elsewhere stops where it runs"
            )
            raise InputError(run_id, "run", reason)
        if not launched.thread.is_alive():
            raise InputError(run_id, "run", "has already finished")
        run = launched.run
        # The provision policy has no cancel rule of its own: whoever the gate would let
        # launch this very run (same inventory, phases, hosts, mode) may stop it.
        decision = check_provision(
            launcher=actor,
            inventory=str(run.details.get("inventory", "")),
            phases=list(run.phases),
            check_mode=bool(run.details.get("check_mode")),
            hosts=list(run.details.get("hosts") or []),
            limit=run.details.get("limit"),
            audit=audit,
        )
        if not decision.allow:
            raise Denied("; ".join(decision.violations) or decision.reason or "denied by policy")
        # Recorded before the kill, so the chain says who stopped the run before it says it failed.
        (audit or AuditLog()).append(
            actor,
            "provision.run.cancel",
            run_id,
            decision_id=decision.decision_id,
            payload={"via": "dashboard"},
        )
        launched.cancelled.set()
