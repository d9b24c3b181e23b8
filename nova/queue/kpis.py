"""The queue's task KPIs: what happened to each task, how long it waited and ran.

Recorded where each event happens (the service for enqueue, ack and nack;
the service and the dispatcher for dispatch; the dispatcher's reaper for lost
leases) into a KpiBuffer, so the cost per task is a few dictionary updates;
the buffer writes to NOVA_HOME/kpi.db every couple of seconds.

Run time needs the moment of dispatch and the task type at ack, which an ack
does not carry: they are kept per leased task here, and dropped when the
task settles, is cancelled or loses its lease. A task leased before this
server started is looked up once, for its type, and gets no run time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

from nova.kpi.buffer import KpiBuffer
from nova.queue.model import Claim, Enqueued, NewTask, Settle, State, Task

TASKS = "queue_tasks_total"
RUN = "queue_task_duration_seconds"
WAIT = "queue_task_wait_seconds"


class QueueKpis:
    def __init__(self, buffer: KpiBuffer, lookup: Callable[[str], Task | None]) -> None:
        self.buffer = buffer
        self.lookup = lookup
        self._lock = threading.Lock()
        # task id -> (attempt id, task type, dispatched at)
        self._leased: dict[str, tuple[str, str, float]] = {}

    def enqueued(self, tasks: Sequence[NewTask], results: Sequence[Enqueued]) -> None:
        inc = self.buffer.inc
        for task, result in zip(tasks, results, strict=True):
            inc(TASKS, (task.type, "duplicate" if result.duplicate else "enqueued"))

    def dispatched(self, claims: Iterable[Claim], now: float) -> None:
        inc, observe = self.buffer.inc, self.buffer.observe
        leased = []
        for claim in claims:
            task = claim.task
            inc(TASKS, (task.type, "dispatched"))
            observe(WAIT, max(now - max(task.created_at, task.not_before), 0.0), (task.type,))
            leased.append((task.id, (claim.attempt_id, task.type, now)))
        with self._lock:
            self._leased.update(leased)

    def acked(
        self, items: Sequence[tuple[str, str, bytes]], statuses: Sequence[Settle], now: float
    ) -> None:
        for (task_id, attempt_id, _), status in zip(items, statuses, strict=True):
            if status is not Settle.OK:
                continue
            held = self._settle(task_id, attempt_id)
            if held is not None:
                self.buffer.inc(TASKS, (held[1], "succeeded"))
                self.buffer.observe(RUN, max(now - held[2], 0.0), (held[1],))
                continue
            task = self.lookup(task_id)
            if task is not None:
                self.buffer.inc(TASKS, (task.type, "succeeded"))

    def nacked(self, task: Task, attempt_id: str, dead: bool) -> None:
        self._settle(task.id, attempt_id)
        self.buffer.inc(TASKS, (task.type, "dead" if dead else "retried"))

    def cancelled(self, task_id: str) -> None:
        with self._lock:
            self._leased.pop(task_id, None)

    def lost(self, task_ids: Iterable[str]) -> None:
        """These tasks' leases ran out, or their worker was lost: queued again, or
        dead when out of attempts (a rare path, so each task is looked up)."""
        for task_id in task_ids:
            with self._lock:
                self._leased.pop(task_id, None)
            task = self.lookup(task_id)
            if task is None:
                continue
            self.buffer.inc(TASKS, (task.type, "lease_expired"))
            if task.state is State.DEAD:
                self.buffer.inc(TASKS, (task.type, "dead"))

    def leased(self) -> int:
        """Tasks whose dispatch is remembered until they settle."""
        with self._lock:
            return len(self._leased)

    def _settle(self, task_id: str, attempt_id: str) -> tuple[str, str, float] | None:
        with self._lock:
            held = self._leased.get(task_id)
            if held is None or held[0] != attempt_id:
                return None
            del self._leased[task_id]
            return held
