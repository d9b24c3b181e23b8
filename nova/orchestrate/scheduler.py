"""Running one phase's tasks through the queue, never more than N at once.

A task is enqueued only once every task it depends on has completed, and at
most `concurrency` tasks of the phase are on the queue unsettled at any time,
so the bound holds however many workers or slots there are. A task whose
dependency did not complete is blocked, not run. The queue's own record of
each task is the only source of its outcome.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Protocol

from nova.orchestrate.catalogue import CatalogueTask
from nova.orchestrate.states import COMPLETED, SETTLED, TaskState, state_of
from nova.orchestrate.store import TaskRecord
from nova.queue.model import Task


class TaskQueue(Protocol):
    """The part of the queue the scheduler needs."""

    def submit(self, task: CatalogueTask) -> str: ...
    def get(self, queue_id: str) -> Task: ...
    def cancel(self, queue_id: str) -> None: ...


# The reason an agent's worker cannot take tasks any more, or None while it can.
WorkerHealth = Callable[[str], str | None]
TaskListener = Callable[[TaskRecord], None]


@dataclass(frozen=True)
class PhaseSettings:
    run_id: str
    concurrency: int
    check_mode: bool
    task_timeout: float = 3600.0
    poll_interval: float = 0.2


class PhaseScheduler:
    def __init__(
        self,
        queue: TaskQueue,
        settings: PhaseSettings,
        *,
        health: WorkerHealth = lambda agent: None,
        listener: TaskListener = lambda record: None,
    ) -> None:
        if settings.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.queue = queue
        self.settings = settings
        self.health = health
        self.listener = listener
        self.in_flight: dict[str, TaskRecord] = {}  # queue id -> record

    def run(self, tasks: list[CatalogueTask], met: Collection[str]) -> list[TaskRecord]:
        """Run `tasks` (in run order); `met` holds ids of tasks completed before."""
        completed = set(met)
        waiting = list(tasks)
        records: dict[str, TaskRecord] = {}
        unsettled_ids = {t.id for t in tasks}
        try:
            while waiting or self.in_flight:
                for record in self._poll():
                    unsettled_ids.discard(record.task)
                    if record.status in COMPLETED:
                        completed.add(record.task)
                self._block_unreachable(waiting, completed, unsettled_ids, records)
                self._launch_ready(waiting, completed, records)
                if waiting and not self.in_flight and not self._any_ready(waiting, completed):
                    # Nothing runs and nothing can start: what is left waits forever.
                    for task in list(waiting):
                        self._block(task, "its dependencies never completed", waiting, records)
                if self.in_flight:
                    time.sleep(self.settings.poll_interval)
        except BaseException:
            self.cancel_all("the orchestrator was interrupted")
            raise
        return [records[t.id] for t in tasks if t.id in records]

    def cancel_all(self, reason: str) -> None:
        for queue_id, record in list(self.in_flight.items()):
            # The queue may be gone already: the record still says what happened.
            with contextlib.suppress(Exception):
                self.queue.cancel(queue_id)
            self._settle(record, TaskState.CANCELLED, reason)
            del self.in_flight[queue_id]

    # steps ------------------------------------------------------------------

    def _block_unreachable(
        self,
        waiting: list[CatalogueTask],
        completed: set[str],
        unsettled: set[str],
        records: dict[str, TaskRecord],
    ) -> None:
        """Block tasks whose dependency ended without completing, or is outside the run."""
        changed = True
        while changed:
            changed = False
            for task in list(waiting):
                missing = [d for d in task.depends_on if d not in completed and d not in unsettled]
                if missing:
                    dep = missing[0]
                    outcome = records[dep].status.value if dep in records else "not done"
                    self._block(task, f"waits for '{dep}' ({outcome})", waiting, records)
                    unsettled.discard(task.id)
                    changed = True

    def _block(
        self,
        task: CatalogueTask,
        reason: str,
        waiting: list[CatalogueTask],
        records: dict[str, TaskRecord],
    ) -> None:
        waiting.remove(task)
        record = self._record(task)
        records[task.id] = record
        self._settle(record, TaskState.BLOCKED, reason)

    def _any_ready(self, waiting: list[CatalogueTask], completed: set[str]) -> bool:
        return any(all(d in completed for d in t.depends_on) for t in waiting)

    def _launch_ready(
        self,
        waiting: list[CatalogueTask],
        completed: set[str],
        records: dict[str, TaskRecord],
    ) -> None:
        for task in list(waiting):
            if len(self.in_flight) >= self.settings.concurrency:
                return
            if not all(d in completed for d in task.depends_on):
                continue
            waiting.remove(task)
            record = self._record(task)
            records[task.id] = record
            record.queue_id = self.queue.submit(task)
            record.queued_at = time.time()
            record.status = TaskState.QUEUED
            self.in_flight[record.queue_id] = record
            self.listener(record)

    def _poll(self) -> list[TaskRecord]:
        settled: list[TaskRecord] = []
        for queue_id, record in list(self.in_flight.items()):
            task = self.queue.get(queue_id)
            state = state_of(task, self.settings.check_mode)
            now = time.time()
            record.attempts = task.attempts
            if state is TaskState.RUNNING and record.started_at is None:
                record.started_at = now
                record.status = state
                self.listener(record)
            if state in SETTLED:
                record.result = task.result.decode("utf-8", "replace") if task.result else None
                if record.started_at is None:  # it ran between two polls
                    record.started_at = record.queued_at
                self._settle(record, state, task.error or None, finished_at=task.updated_at)
            elif (reason := self.health(record.agent)) is not None:
                self._cancel(queue_id, record, reason)
            elif (
                record.queued_at is not None and now - record.queued_at > self.settings.task_timeout
            ):
                self._cancel(
                    queue_id, record, f"timed out after {self.settings.task_timeout:.0f} s"
                )
            else:
                continue
            del self.in_flight[queue_id]
            settled.append(record)
        return settled

    def _cancel(self, queue_id: str, record: TaskRecord, reason: str) -> None:
        # The task may have settled meanwhile; its record says failed either way.
        with contextlib.suppress(Exception):
            self.queue.cancel(queue_id)
        self._settle(record, TaskState.FAILED, reason)

    def _record(self, task: CatalogueTask) -> TaskRecord:
        return TaskRecord(
            run_id=self.settings.run_id,
            task=task.id,
            agent=task.agent,
            phase=task.phase,
            skill=task.skill,
            status=TaskState.PENDING,
        )

    def _settle(
        self,
        record: TaskRecord,
        state: TaskState,
        error: str | None,
        finished_at: float | None = None,
    ) -> None:
        record.status = state
        record.error = error
        record.finished_at = finished_at or time.time()
        self.listener(record)
