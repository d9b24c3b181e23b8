"""The status views: tasks, roadmap, next steps, step plan, progress and summary.

Each view is plain data (what `--output json` prints and the Markdown
templates render), computed from the catalogue and the task statuses. Only
`done` counts as done: a task checked in check mode, not runnable here,
blocked or never run is not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from nova.orchestrate.catalogue import Catalogue
from nova.orchestrate.memory import human_bytes
from nova.orchestrate.states import TaskState
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


def next_steps_view(
    statuses: list[TaskStatus],
    limit: int = 5,
    phases: Sequence[str] = (),
    inventory: str = "sandbox",
) -> dict[str, Any]:
    """Tasks that can run now (every dependency done) and are not done yet."""
    done = {s.task.id for s in statuses if s.status is TaskState.DONE}
    rows = [s for s in statuses if not phases or s.task.phase in phases]
    ready = [s for s in rows if s.status in WHY_NEXT and all(d in done for d in s.task.depends_on)]
    waiting = [s for s in rows if s.status in WHY_NEXT and s not in ready]
    not_runnable = [s for s in rows if s.status is TaskState.NOT_RUNNABLE]
    steps = [
        s.to_dict()
        | {
            "why": _why(s),
            "command": f"nova orchestrate --agents {s.task.agent} --inventory {inventory}",
        }
        for s in ready[:limit]
    ]
    return {
        "next": steps,
        "ready": len(ready),
        "waiting": len(waiting),
        "not_runnable": [s.to_dict() for s in not_runnable],
    }


def progress_view(
    statuses: list[TaskStatus],
    history: list[TaskRecord],
    agents: Sequence[str] = (),
    limit: int = 10,
) -> dict[str, Any]:
    wanted = list(agents) or list(dict.fromkeys(s.task.agent for s in statuses))
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
) -> dict[str, Any]:
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


def _why(status: TaskStatus) -> str:
    why = WHY_NEXT[status.status]
    if status.status is TaskState.FAILED and status.record and status.record.error:
        return f"{why} ({status.record.error})"
    return why


def _counts(rows: Sequence[TaskStatus]) -> dict[str, int]:
    return dict(sorted(Counter(s.status.value for s in rows).items()))
