"""Orchestration runs, their phases and their tasks, in the state store.

Every status command reads these tables, so they record only what happened:
a task gets a row when it is queued, blocked or settled, and a task of a
phase the run never reached gets none (it stays pending).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nova.audit.mask import mask
from nova.orchestrate.memory import MemoryPeaks
from nova.orchestrate.states import TaskState
from nova.runs.statedb import connect, prepare

RESULT_LIMIT = 64 * 1024


@dataclass
class TaskRecord:
    run_id: str
    task: str
    agent: str
    phase: str
    skill: str
    status: TaskState
    queue_id: str | None = None
    attempts: int = 0
    queued_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    error: str | None = None
    result: str | None = None

    @property
    def duration(self) -> float | None:
        begin = self.started_at or self.queued_at
        if begin is None or self.finished_at is None:
            return None
        return max(self.finished_at - begin, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "task": self.task,
            "agent": self.agent,
            "phase": self.phase,
            "skill": self.skill,
            "status": self.status.value,
            "queue_id": self.queue_id,
            "attempts": self.attempts,
            "queued_at": self.queued_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration": self.duration,
            "error": self.error,
            "result": self.result,
        }


@dataclass
class PhaseRecord:
    seq: int
    name: str
    status: str
    started_at: float
    finished_at: float | None
    note: str | None

    @property
    def duration(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.started_at


@dataclass
class OrchestrationRecord:
    id: str
    started_at: float
    finished_at: float | None
    status: str
    mode: str
    concurrency: int
    inventory: str
    agents: list[str]
    check_mode: bool
    queue: str
    pid: int
    pid_started: float
    memory: MemoryPeaks | None
    report_path: str | None
    note: str | None
    phases: list[PhaseRecord] = field(default_factory=list)
    tasks: list[TaskRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status": self.status,
            "mode": self.mode,
            "concurrency": self.concurrency,
            "inventory": self.inventory,
            "agents": self.agents,
            "check_mode": self.check_mode,
            "queue": self.queue,
            "memory": self.memory.to_dict() if self.memory else None,
            "report": self.report_path,
            "note": self.note,
            "phases": [vars(p) | {"duration": p.duration} for p in self.phases],
            "tasks": [t.to_dict() for t in self.tasks],
        }


class OrchestrationStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = prepare(path)

    # writes -----------------------------------------------------------------

    def start(
        self,
        run_id: str,
        *,
        mode: str,
        concurrency: int,
        inventory: str,
        agents: list[str],
        check_mode: bool,
        queue: str,
        pid: int,
        pid_started: float,
    ) -> None:
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO orchestrations (id, started_at, status, mode, concurrency, inventory,"
                " agents, check_mode, queue, pid, pid_started)"
                " VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    time.time(),
                    mode,
                    concurrency,
                    inventory,
                    json.dumps(agents),
                    int(check_mode),
                    queue,
                    pid,
                    pid_started,
                ),
            )

    def finish(
        self,
        run_id: str,
        status: str,
        *,
        memory: MemoryPeaks | None = None,
        note: str | None = None,
    ) -> None:
        with connect(self.path) as db:
            db.execute(
                "UPDATE orchestrations SET status = ?, finished_at = ?,"
                " memory = COALESCE(?, memory), note = COALESCE(?, note) WHERE id = ?",
                (status, time.time(), _memory_json(memory), note, run_id),
            )

    def set_queue(self, run_id: str, queue: str) -> None:
        with connect(self.path) as db:
            db.execute("UPDATE orchestrations SET queue = ? WHERE id = ?", (queue, run_id))

    def set_report(self, run_id: str, report_path: str) -> None:
        with connect(self.path) as db:
            db.execute(
                "UPDATE orchestrations SET report_path = ? WHERE id = ?", (report_path, run_id)
            )

    def start_phase(self, run_id: str, seq: int, name: str) -> None:
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO orchestration_phases (run_id, seq, name, status, started_at)"
                " VALUES (?, ?, ?, 'running', ?)",
                (run_id, seq, name, time.time()),
            )

    def finish_phase(self, run_id: str, seq: int, status: str, note: str | None = None) -> None:
        with connect(self.path) as db:
            db.execute(
                "UPDATE orchestration_phases SET status = ?, finished_at = ?, note = ?"
                " WHERE run_id = ? AND seq = ?",
                (status, time.time(), note, run_id, seq),
            )

    def skip_phase(self, run_id: str, seq: int, name: str, status: str, note: str) -> None:
        """A phase the run did not start: recorded with why, and no tasks."""
        stamp = time.time()
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO orchestration_phases (run_id, seq, name, status, started_at,"
                " finished_at, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run_id, seq, name, status, stamp, stamp, note),
            )

    def save_task(self, record: TaskRecord) -> None:
        """Insert or update one task's row: each change of state is one write."""
        result = record.result
        if result is not None:
            result = json.dumps(mask(_maybe_json(result)), sort_keys=True)[:RESULT_LIMIT]
        error = None if record.error is None else str(mask(record.error))[:4096]
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO orchestration_tasks (run_id, task, agent, phase, skill, status,"
                " queue_id, attempts, queued_at, started_at, finished_at, error, result)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (run_id, task) DO UPDATE SET status = excluded.status,"
                " queue_id = excluded.queue_id, attempts = excluded.attempts,"
                " queued_at = excluded.queued_at, started_at = excluded.started_at,"
                " finished_at = excluded.finished_at, error = excluded.error,"
                " result = excluded.result",
                (
                    record.run_id,
                    record.task,
                    record.agent,
                    record.phase,
                    record.skill,
                    record.status.value,
                    record.queue_id,
                    record.attempts,
                    record.queued_at,
                    record.started_at,
                    record.finished_at,
                    error,
                    result,
                ),
            )

    # reads ------------------------------------------------------------------

    def list_runs(self, limit: int = 20) -> list[OrchestrationRecord]:
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT * FROM orchestrations ORDER BY started_at DESC, rowid DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [_run_from_row(r) for r in rows]

    def get_run(self, run_id: str) -> OrchestrationRecord | None:
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM orchestrations WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                return None
            run = _run_from_row(row)
            run.phases = [
                PhaseRecord(
                    r["seq"], r["name"], r["status"], r["started_at"], r["finished_at"], r["note"]
                )
                for r in db.execute(
                    "SELECT * FROM orchestration_phases WHERE run_id = ? ORDER BY seq", (run_id,)
                )
            ]
            run.tasks = [
                _task_from_row(r)
                for r in db.execute(
                    "SELECT * FROM orchestration_tasks WHERE run_id = ? ORDER BY rowid", (run_id,)
                )
            ]
        return run

    def task_history(self) -> list[TaskRecord]:
        """Every task row of every run, oldest first."""
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT t.* FROM orchestration_tasks t JOIN orchestrations o ON o.id = t.run_id"
                " ORDER BY COALESCE(t.finished_at, t.started_at, t.queued_at, o.started_at),"
                " t.rowid"
            ).fetchall()
        return [_task_from_row(r) for r in rows]

    def runs_by_id(self) -> dict[str, OrchestrationRecord]:
        with connect(self.path) as db:
            rows = db.execute("SELECT * FROM orchestrations").fetchall()
        return {r["id"]: _run_from_row(r) for r in rows}


def _memory_json(memory: MemoryPeaks | None) -> str | None:
    return None if memory is None else json.dumps(memory.to_dict(), sort_keys=True)


def _maybe_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _run_from_row(row: Any) -> OrchestrationRecord:
    return OrchestrationRecord(
        id=row["id"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        mode=row["mode"],
        concurrency=row["concurrency"],
        inventory=row["inventory"],
        agents=json.loads(row["agents"]),
        check_mode=bool(row["check_mode"]),
        queue=row["queue"],
        pid=row["pid"],
        pid_started=row["pid_started"],
        memory=MemoryPeaks.from_dict(json.loads(row["memory"])) if row["memory"] else None,
        report_path=row["report_path"],
        note=row["note"],
    )


def _task_from_row(row: Any) -> TaskRecord:
    return TaskRecord(
        run_id=row["run_id"],
        task=row["task"],
        agent=row["agent"],
        phase=row["phase"],
        skill=row["skill"],
        status=TaskState(row["status"]),
        queue_id=row["queue_id"],
        attempts=row["attempts"],
        queued_at=row["queued_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        error=row["error"],
        result=row["result"],
    )
