"""The queue's task KPIs: what happened to each task, how long it waited and ran.

Recorded where each event happens (the service for enqueue, ack and nack;
the service and the dispatcher for dispatch; the dispatcher's reaper for lost
leases) into a KpiBuffer, so the cost per task is a few dictionary updates;
the buffer writes to NOVA_HOME/kpi.db every couple of seconds.

Run time needs the moment of dispatch and the task type at ack, which an ack
does not carry: they are kept per leased task here, and dropped when the
task settles, is cancelled or loses its lease. A task leased before this
server started is looked up once, for its type, and gets no run time. One
that leaves by another way (another server sharing Redis reaped it) is
forgotten after MAX_REMEMBERED seconds, so memory stays bounded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

from nova.kpi.buffer import KpiBuffer, SeriesKey
from nova.queue.model import Claim, Enqueued, NewTask, Settle, State, Task

TASKS = "queue_tasks_total"
RUN = "queue_task_duration_seconds"
WAIT = "queue_task_wait_seconds"
MAX_REMEMBERED = 24 * 3600.0


class QueueKpis:
    def __init__(self, buffer: KpiBuffer, lookup: Callable[[str], Task | None]) -> None:
        self.buffer = buffer
        self.lookup = lookup
        self._lock = threading.Lock()
        # task id -> (attempt id, task type, dispatched at)
        self._leased: dict[str, tuple[str, str, float]] = {}

    def enqueued(self, tasks: Sequence[NewTask], results: Sequence[Enqueued]) -> None:
        counts: dict[SeriesKey, float] = {}
        for task, result in zip(tasks, results, strict=True):
            key = (TASKS, (task.type, "duplicate" if result.duplicate else "enqueued"))
            counts[key] = counts.get(key, 0.0) + 1.0
        self.buffer.add(counts)

    def dispatched(self, claims: Sequence[Claim], now: float) -> None:
        counts: dict[SeriesKey, float] = {}
        waits: dict[SeriesKey, list[float]] = {}
        leased = {}
        for claim in claims:
            task = claim.task
            key = (TASKS, (task.type, "dispatched"))
            counts[key] = counts.get(key, 0.0) + 1.0
            wait = now - (task.created_at if task.created_at > task.not_before else task.not_before)
            waits.setdefault((WAIT, (task.type,)), []).append(wait if wait > 0.0 else 0.0)
            leased[task.id] = (claim.attempt_id, task.type, now)
        with self._lock:
            self._leased.update(leased)
        self.buffer.add(counts, waits)

    def acked(
        self, items: Sequence[tuple[str, str, bytes]], statuses: Sequence[Settle], now: float
    ) -> None:
        settled = [
            item for item, status in zip(items, statuses, strict=True) if status is Settle.OK
        ]
        with self._lock:
            held = [self._take(task_id, attempt_id) for task_id, attempt_id, _ in settled]
        counts: dict[SeriesKey, float] = {}
        runs: dict[SeriesKey, list[float]] = {}
        for (task_id, _, _), found in zip(settled, held, strict=True):
            if found is None:  # leased before this server started: its type, no run time
                task = self.lookup(task_id)
                if task is None:
                    continue
                task_type = task.type
            else:
                task_type = found[1]
                run = now - found[2]
                runs.setdefault((RUN, (task_type,)), []).append(run if run > 0.0 else 0.0)
            key = (TASKS, (task_type, "succeeded"))
            counts[key] = counts.get(key, 0.0) + 1.0
        self.buffer.add(counts, runs)

    def nacked(self, task: Task, attempt_id: str, dead: bool) -> None:
        with self._lock:
            self._take(task.id, attempt_id)
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

    def forget_older(self, now: float, max_age: float = MAX_REMEMBERED) -> int:
        """Drop dispatches older than `max_age`; returns how many were dropped."""
        cutoff = now - max_age
        with self._lock:
            old = [task_id for task_id, held in self._leased.items() if held[2] < cutoff]
            for task_id in old:
                del self._leased[task_id]
        return len(old)

    def leased(self) -> int:
        """Tasks whose dispatch is remembered until they settle."""
        with self._lock:
            return len(self._leased)

    def _take(self, task_id: str, attempt_id: str) -> tuple[str, str, float] | None:
        """Forget this attempt's dispatch and return it; the caller holds the lock."""
        held = self._leased.get(task_id)
        if held is None or held[0] != attempt_id:
            return None
        del self._leased[task_id]
        return held
