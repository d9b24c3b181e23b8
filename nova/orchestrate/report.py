"""The Markdown status report written after every orchestration.

It covers the execution plan, phase metrics, each agent's outcomes, the
communication log and peak memory, all read back from what was recorded.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from nova.core.paths import reports_dir
from nova.core.templates import environment
from nova.orchestrate.catalogue import Catalogue
from nova.orchestrate.hub.store import Message
from nova.orchestrate.memory import human_bytes
from nova.orchestrate.states import COMPLETED
from nova.orchestrate.status.views import stamp
from nova.orchestrate.store import OrchestrationRecord, TaskRecord


def report_path(run_id: str, directory: Path | None = None) -> Path:
    return (directory or reports_dir()) / f"orchestrate-{run_id}.md"


def render_report(run: OrchestrationRecord, catalogue: Catalogue, messages: list[Message]) -> str:
    tasks = [t for t in catalogue.tasks if t.agent in run.agents]
    number = {t.id: i for i, t in enumerate(tasks, start=1)}
    plan = [
        t.to_dict()
        | {"step": number[t.id], "after_steps": [number[d] for d in t.depends_on if d in number]}
        for t in tasks
    ]
    memory = run.memory
    return (
        environment()
        .get_template("orchestrate_report.md.j2")
        .render(
            run=run,
            stamp=stamp,
            plan=plan,
            phases=[
                _phase_row(p.seq, p.name, p.status, p.duration, p.note, run.tasks)
                for p in run.phases
            ],
            not_reached=_not_reached(run, catalogue),
            agents=[_agent_section(agent, run.tasks) for agent in run.agents],
            messages=[m.to_dict() | {"detail": _message_detail(m)} for m in messages],
            memory_total=human_bytes(memory.total if memory else None),
            memory_samples=memory.samples if memory else 0,
            memory_rows=[(n, human_bytes(s)) for n, s in sorted(memory.by_process.items())]
            if memory
            else [],
        )
    )


def write_report(
    run: OrchestrationRecord,
    catalogue: Catalogue,
    messages: list[Message],
    directory: Path | None = None,
) -> Path:
    path = report_path(run.id, directory)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(render_report(run, catalogue, messages), encoding="utf-8")
    tmp.replace(path)
    return path


def _phase_row(
    seq: int,
    name: str,
    status: str,
    duration: float | None,
    note: str | None,
    tasks: list[TaskRecord],
) -> dict[str, Any]:
    own = [t for t in tasks if t.phase == name]
    completed = sum(t.status in COMPLETED for t in own)
    return {
        "seq": seq,
        "name": name,
        "status": status,
        "seconds": "-" if duration is None else f"{duration:.1f}",
        "tasks": len(own),
        "completed": completed,
        "not_completed": len(own) - completed,
        "note": note,
    }


def _not_reached(run: OrchestrationRecord, catalogue: Catalogue) -> list[str]:
    recorded = {p.name for p in run.phases}
    wanted = {t.phase for t in catalogue.tasks if t.agent in run.agents}
    return [p.name for p in catalogue.plan.phases if p.name in wanted and p.name not in recorded]


def _agent_section(agent: str, tasks: list[TaskRecord]) -> dict[str, Any]:
    own = [t for t in tasks if t.agent == agent]
    counts = Counter(t.status.value for t in own)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no task ran"
    return {
        "agent": agent,
        "summary": summary,
        "tasks": [
            {
                "task": t.task,
                "status": t.status.value,
                "attempts": t.attempts,
                "seconds": "-" if t.duration is None else f"{t.duration:.1f}",
                "detail": _detail(t),
            }
            for t in own
        ],
    }


def _message_detail(message: Message) -> str:
    """The dependency metadata and outcome a message carries, in one cell."""
    body = message.body
    parts = []
    if body.get("tasks"):
        names = [t["id"] if isinstance(t, dict) else str(t) for t in body["tasks"]]
        parts.append("tasks: " + ", ".join(names))
    for key, label in (
        ("depends_on", "after phases"),
        ("phase_depends_on", "after phases"),
        ("depends_on_agents", "after agents"),
    ):
        if body.get(key):
            parts.append(f"{label}: " + ", ".join(body[key]))
    if body.get("error"):
        parts.append(str(body["error"]))
    if body.get("note"):
        parts.append(str(body["note"]))
    return "; ".join(parts).replace("|", "/").replace("\n", " ")[:300]


def _detail(task: TaskRecord) -> str:
    """The error, or a short line of what the handler says it did; pipes would break the table."""
    text = task.error or _result_line(task.result)
    return text.replace("|", "/").replace("\n", " ")[:200]


def _result_line(result: str | None) -> str:
    if not result:
        return ""
    try:
        document = json.loads(result)
    except ValueError:
        return result
    if isinstance(document, dict):
        keys = ("summary", "message", "report", "run_id", "run")
        parts = [f"{k}: {document[k]}" for k in keys if document.get(k)]
        return "; ".join(parts) or json.dumps(document, sort_keys=True)
    return json.dumps(document)
