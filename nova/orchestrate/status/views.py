"""The status views: tasks, roadmap, next steps, step plan, progress and summary.

Each view is plain data (what `--output json` prints and the Markdown
templates render), computed from the catalogue and the task statuses. Only
`done` counts as done: a task checked in check mode, not runnable here,
blocked or never run is not. One rule decides what may run next (`outlook`):
next steps, progress and summary all follow it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nova.orchestrate.catalogue import Catalogue
from nova.orchestrate.memory import human_bytes
from nova.orchestrate.states import NOT_RUNNABLE_PREFIX, TaskState
from nova.orchestrate.status.model import TaskStatus
from nova.orchestrate.store import OrchestrationRecord, TaskRecord

# What a task still needs, by status, for the next-steps view.
WHY_NEXT = {
    TaskState.PENDING: "not run yet",
    TaskState.FAILED: "failed last time",
    TaskState.CHECKED: "only checked so far; run it for real",
    TaskState.BLOCKED: "was blocked; what it waits for is now done",
    TaskState.CANCELLED: "was cancelled",
    TaskState.INTERRUPTED: "was interrupted",
}


def percent(done: int, total: int) -> float:
    return round(100.0 * done / total, 1) if total else 0.0


def stamp(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def rollup(states: Sequence[TaskState]) -> str:
    """One status for a group of tasks (a phase or an agent)."""
    present = set(states)
    if not present or present == {TaskState.PENDING}:
        return "pending"
    if present == {TaskState.DONE}:
        return "done"
    if TaskState.FAILED in present:
        return "failed"
    if present & {TaskState.QUEUED, TaskState.RUNNING}:
        return "in progress"
    if present <= {TaskState.DONE, TaskState.NOT_RUNNABLE}:
        return "not runnable here"
    return "partly done"


def tasks_view(
    statuses: list[TaskStatus], agent: str | None = None, status: str | None = None
) -> dict[str, Any]:
    rows = [
        s
        for s in statuses
        if (agent is None or s.task.agent == agent) and (status is None or s.status == status)
    ]
    return {"tasks": [s.to_dict() for s in rows], "counts": _counts(rows)}


def roadmap_view(
    catalogue: Catalogue, statuses: list[TaskStatus], phases: Sequence[str] = ()
) -> dict[str, Any]:
    selected = catalogue.plan.select(tuple(phases))
    entries = []
    for phase in selected:
        own = [s for s in statuses if s.task.phase == phase.name]
        done = sum(s.status is TaskState.DONE for s in own)
        entries.append(
            {
                "phase": phase.name,
                "description": phase.description,
                "depends_on": list(phase.depends_on),
                "agents": list(phase.agents),
                "status": rollup([s.status for s in own]),
                "done": done,
                "total": len(own),
                "percent": percent(done, len(own)),
                "tasks": [s.to_dict() for s in own],
            }
        )
    return {"phases": entries}


def step_plan_view(statuses: list[TaskStatus], phases: Sequence[str] = ()) -> dict[str, Any]:
    """Every task as a numbered step, in the order orchestrate runs them."""
    steps = []
    rows = [s for s in statuses if not phases or s.task.phase in phases]
    number = {s.task.id: i for i, s in enumerate(rows, start=1)}
    for i, s in enumerate(rows, start=1):
        steps.append(
            s.to_dict()
            | {
                "step": i,
                "after_steps": [number[d] for d in s.task.depends_on if d in number],
            }
        )
    return {"steps": steps, "counts": _counts(rows)}


@dataclass(frozen=True)
class Outlook:
    """A task not done yet: whether it can run now, and why it is next or what holds it."""

    status: TaskStatus
    kind: str  # "ready", "in progress" or "blocked"
    reason: str
    waits_for: tuple[str, ...] = ()  # dependencies not done
    not_runnable: str | None = None  # why it cannot run here

    def to_dict(self) -> dict[str, Any]:
        return self.status.to_dict() | {
            "reason": self.reason,
            "waits_for": list(self.waits_for),
            "not_runnable": self.not_runnable,
        }


def outlook(
    statuses: Sequence[TaskStatus], not_runnable: Mapping[str, str] | None = None
) -> list[Outlook]:
    """Every task not done, in run order: ready, in progress, or blocked and why.

    A task is ready only when every task it depends on is done and nothing
    says it cannot run here: neither its last recorded outcome
    (`not-runnable`) nor `not_runnable` (task id -> reason, from
    `nova.orchestrate.status.runnable`). A dependency checked in check mode,
    failed or never run is not done.
    """
    cannot = dict(not_runnable or {})
    by_id = {s.task.id: s for s in statuses}
    out = []
    for s in statuses:
        if s.status is TaskState.DONE:
            continue
        if s.status in (TaskState.QUEUED, TaskState.RUNNING):
            out.append(Outlook(s, "in progress", s.status.value))
            continue
        here = _cannot_run(s, cannot)
        waits = tuple(d for d in s.task.depends_on if by_id[d].status is not TaskState.DONE)
        if here is None and not waits:
            out.append(Outlook(s, "ready", _why(s)))
            continue
        reasons = [f"not runnable here: {here}"] if here is not None else []
        if waits:
            held = ", ".join(f"'{d}' ({_dependency_state(by_id[d], cannot)})" for d in waits)
            reasons.append(f"waits for {held}")
        out.append(Outlook(s, "blocked", "; ".join(reasons), waits, here))
    return out


def next_steps_view(
    statuses: list[TaskStatus],
    limit: int = 5,
    phases: Sequence[str] = (),
    inventory: str = "sandbox",
    not_runnable: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Tasks that can run now (every dependency done, runnable here), and why the rest cannot."""
    rows = [
        o for o in outlook(statuses, not_runnable) if not phases or o.status.task.phase in phases
    ]
    ready = [o for o in rows if o.kind == "ready"]
    steps = [
        o.status.to_dict()
        | {
            "why": o.reason,
            "command": f"nova orchestrate --agents {o.status.task.agent} --inventory {inventory}",
        }
        for o in ready[:limit]
    ]
    return {
        "next": steps,
        "ready": len(ready),
        "in_progress": [o.to_dict() for o in rows if o.kind == "in progress"],
        "blocked": [o.to_dict() for o in rows if o.kind == "blocked"],
    }


def agent_steps(
    statuses: Sequence[TaskStatus],
    not_runnable: Mapping[str, str] | None = None,
    agents: Sequence[str] = (),
    limit: int = 3,
) -> list[dict[str, Any]]:
    """Each agent's next pending steps (at most `limit`) and its blocked tasks, with why."""
    wanted = list(agents) or list(dict.fromkeys(s.task.agent for s in statuses))
    rows = outlook(statuses, not_runnable)
    entries = []
    for agent in wanted:
        own = [o for o in rows if o.status.task.agent == agent]
        ready = [o for o in own if o.kind == "ready"]
        entries.append(
            {
                "agent": agent,
                "next": [_brief(o) for o in ready[:limit]],
                "ready": len(ready),
                "in_progress": [_brief(o) for o in own if o.kind == "in progress"],
                "blocked": [_brief(o) for o in own if o.kind == "blocked"],
            }
        )
    return entries


def progress_view(
    statuses: list[TaskStatus],
    history: list[TaskRecord],
    agents: Sequence[str] = (),
    limit: int = 10,
    not_runnable: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Per agent: completion, its next pending steps and what blocks the rest; recent results."""
    wanted = list(agents) or list(dict.fromkeys(s.task.agent for s in statuses))
    steps = {a["agent"]: a for a in agent_steps(statuses, not_runnable, wanted)}
    rows = []
    for agent in wanted:
        own = [s for s in statuses if s.task.agent == agent]
        done = sum(s.status is TaskState.DONE for s in own)
        rows.append(
            {
                "agent": agent,
                "phases": list(dict.fromkeys(s.task.phase for s in own)),
                "status": rollup([s.status for s in own]),
                "done": done,
                "total": len(own),
                "percent": percent(done, len(own)),
                "counts": _counts(own),
            }
            | {k: v for k, v in steps[agent].items() if k != "agent"}
        )
    recent = [r for r in history if r.agent in wanted and r.finished_at is not None]
    recent.sort(key=lambda r: r.finished_at or 0.0, reverse=True)
    activity = [
        {
            "time": stamp(r.finished_at),
            "run": r.run_id,
            "agent": r.agent,
            "task": r.task,
            "status": r.status.value,
            "duration": None if r.duration is None else round(r.duration, 2),
            "error": r.error,
        }
        for r in recent[:limit]
    ]
    return {"agents": rows, "recent": activity}


def summary_view(
    catalogue: Catalogue,
    statuses: list[TaskStatus],
    runs: list[OrchestrationRecord],
    messages: int,
    not_runnable: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Overall and per-phase completion, each agent's next steps, the latest orchestrations."""
    done = sum(s.status is TaskState.DONE for s in statuses)
    phases = roadmap_view(catalogue, statuses)["phases"]
    return {
        "total": len(statuses),
        "done": done,
        "percent": percent(done, len(statuses)),
        "counts": _counts(statuses),
        "phases": [
            {k: p[k] for k in ("phase", "status", "done", "total", "percent")} for p in phases
        ],
        "agents": agent_steps(statuses, not_runnable),
        "runs": [
            {
                "id": r.id,
                "started": stamp(r.started_at),
                "finished": stamp(r.finished_at),
                "status": r.status,
                "mode": r.mode,
                "concurrency": r.concurrency,
                "inventory": r.inventory,
                "agents": r.agents,
                "check": r.check_mode,
                "peak_memory": human_bytes(r.memory.total if r.memory else None),
                "report": r.report_path,
            }
            for r in runs
        ],
        "hub_messages": messages,
    }


def _brief(o: Outlook) -> dict[str, Any]:
    task = o.status.task
    return {"id": task.id, "title": task.title, "status": o.status.status.value, "reason": o.reason}


def _cannot_run(status: TaskStatus, cannot: Mapping[str, str]) -> str | None:
    """Why the task cannot run here, from its last outcome or its agent's worker; else None."""
    if status.status is TaskState.NOT_RUNNABLE:
        error = status.record.error if status.record else None
        return (error or "").removeprefix(NOT_RUNNABLE_PREFIX) or "no reason recorded"
    return cannot.get(status.task.id)


def _dependency_state(dep: TaskStatus, cannot: Mapping[str, str]) -> str:
    if dep.status is TaskState.NOT_RUNNABLE or (
        dep.status is TaskState.PENDING and dep.task.id in cannot
    ):
        return "not runnable here"
    return dep.status.value


def _why(status: TaskStatus) -> str:
    why = WHY_NEXT[status.status]
    if status.status is TaskState.FAILED and status.record and status.record.error:
        return f"{why} ({status.record.error})"
    return why


def _counts(rows: Sequence[TaskStatus]) -> dict[str, int]:
    return dict(sorted(Counter(s.status.value for s in rows).items()))
