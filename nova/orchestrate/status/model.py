"""Each catalogue task's status, from the orchestration records alone.

A task with no record is pending. Among a task's records, the latest real
attempt decides; a check-mode attempt counts only while there is no real
one (a dry run does not undo real work), and a run that merely blocked the
task counts only when nothing was ever attempted. A task still marked queued
or running by an orchestrator that is no longer alive was interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psutil

from nova.orchestrate.catalogue import Catalogue, CatalogueTask
from nova.orchestrate.states import ACTIVE, TaskState
from nova.orchestrate.store import OrchestrationRecord, OrchestrationStore, TaskRecord


@dataclass(frozen=True)
class TaskStatus:
    task: CatalogueTask
    status: TaskState
    record: TaskRecord | None  # the record the status comes from

    def to_dict(self) -> dict[str, Any]:
        record = self.record
        return self.task.to_dict() | {
            "status": self.status.value,
            "run": record.run_id if record else None,
            "finished_at": record.finished_at if record else None,
            "error": record.error if record else None,
        }


def latest_records(store: OrchestrationStore) -> dict[str, TaskRecord]:
    runs = store.runs_by_id()
    alive = {run_id: _alive(run) for run_id, run in runs.items()}
    real: dict[str, TaskRecord] = {}
    checked: dict[str, TaskRecord] = {}
    blocked: dict[str, TaskRecord] = {}
    for record in store.task_history():
        if record.status in ACTIVE and not alive.get(record.run_id, False):
            record.status = TaskState.INTERRUPTED
        run = runs.get(record.run_id)
        if record.status is TaskState.BLOCKED:
            blocked[record.task] = record
        elif run is not None and run.check_mode:
            checked[record.task] = record
        else:
            real[record.task] = record
    return blocked | checked | real


def task_statuses(catalogue: Catalogue, store: OrchestrationStore) -> list[TaskStatus]:
    """Every catalogue task in run order, with its status."""
    latest = latest_records(store)
    return [
        TaskStatus(
            task,
            latest[task.id].status if task.id in latest else TaskState.PENDING,
            latest.get(task.id),
        )
        for task in catalogue.tasks
    ]


def _alive(run: OrchestrationRecord) -> bool:
    if run.status != "running":
        return False
    try:
        process = psutil.Process(run.pid)
        return abs(process.create_time() - run.pid_started) < 1.0
    except psutil.Error:
        return False
