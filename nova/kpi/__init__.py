"""Key performance indicators: counters and latency histograms kept in NOVA_HOME/kpi.db.

The `record_*` functions are what the rest of Nova calls. They never let a
KPI problem (a locked or unwritable store) fail the work being measured:
such an error is logged and the call returns. Wrong metric or label names are
programming errors and do raise.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from nova.core.errors import NovaError
from nova.kpi.store import Inc, KpiStore, Observe, default_path

log = logging.getLogger(__name__)

_stores: dict[str, KpiStore] = {}
_stores_lock = threading.Lock()


def default_store() -> KpiStore:
    """The process' store for the current NOVA_HOME, opened once."""
    path = default_path()
    with _stores_lock:
        store = _stores.get(str(path))
        if store is None:
            store = _stores[str(path)] = KpiStore(path)
        return store


def record_run(status: str, duration_s: float, phases: int, engine: str = "provision") -> None:
    """A run of `engine` finished with `status` after `duration_s`, recording `phases`."""
    _record(
        f"{engine} run",
        Inc(f"{engine}_runs_total", {"status": status}),
        Observe(f"{engine}_run_duration_seconds", duration_s, {"status": status}),
        Observe(f"{engine}_run_phases", float(phases)),
    )


def record_phase(phase: str, status: str, duration_s: float, engine: str = "provision") -> None:
    """One phase of a run of `engine` finished (successful, failed, denied, skipped...)."""
    _record(
        f"{engine} phase",
        Inc(f"{engine}_phases_total", {"phase": phase, "status": status}),
        Observe(f"{engine}_phase_duration_seconds", duration_s, {"phase": phase}),
    )


def record_agent_task(agent: str, status: str, duration_s: float | None) -> None:
    """An orchestration task of `agent` settled; `duration_s` when it ran."""
    updates: list[Inc | Observe] = [
        Inc("orchestrate_agent_tasks_total", {"agent": agent, "status": status})
    ]
    if duration_s is not None:
        updates.append(
            Observe("orchestrate_agent_task_duration_seconds", duration_s, {"agent": agent})
        )
    _record("orchestration task", *updates)


def record_policy_decision(policy: str, allow: bool, duration_s: float) -> None:
    """The policy gate answered for `policy` (provision, queue or agent)."""
    _record(
        "policy decision",
        Inc("policy_decisions_total", {"policy": policy, "verdict": "allow" if allow else "deny"}),
        Observe("policy_decision_duration_seconds", duration_s, {"policy": policy}),
    )


def record_task(task_type: str, state: str, duration_s: float | None = None) -> None:
    """A queue task reached `state`; pass `duration_s` when it finished a lease."""
    updates: list[Inc | Observe] = [
        Inc("queue_tasks_total", {"task_type": task_type, "state": state})
    ]
    if duration_s is not None:
        updates.append(Observe("queue_task_duration_seconds", duration_s, {"task_type": task_type}))
    _record("queue task", *updates)


def _record(what: str, *updates: Inc | Observe) -> None:
    try:
        default_store().record(*updates)
    except (sqlite3.Error, OSError, NovaError) as exc:
        log.warning("could not record %s KPI: %s", what, exc)


__all__ = [
    "Inc",
    "KpiStore",
    "Observe",
    "default_store",
    "record_agent_task",
    "record_phase",
    "record_policy_decision",
    "record_run",
    "record_task",
]
