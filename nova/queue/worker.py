"""A worker: takes tasks over a dispatch stream, runs handlers, settles them.

Each handler gets a Job and returns the result bytes (or None). Raising
`Retry` asks for another attempt after a delay, `Fatal` sends the task
straight to dead, and any other exception is a retryable failure. A job
whose task was cancelled, or whose lease was lost, has `job.cancelled` set;
long handlers should check it. Acks are batched: completions wait at most a
few milliseconds to share one round trip.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from nova.queue.client import QueueClient
from nova.queue.convert import claim_from_pb
from nova.queue.model import Claim, Settle, Task

log = logging.getLogger(__name__)

ACK_BATCH = 500
# How long the first completion waits for others to share its ack round
# trip. Each ack is a unary call that costs the server more CPU than the
# task it settles, so under load this is most of the server's work.
ACK_LINGER = 0.005


_EVENTS = threading.Lock()


@dataclass
class Job:
    task: Task
    attempt_id: str
    _cancelled: threading.Event | None = field(default=None, repr=False)

    @property
    def cancelled(self) -> threading.Event:
        """Set when the task is cancelled or its lease lost; made on first use,
        since most jobs never look and an Event costs more than a no-op task."""
        if self._cancelled is None:
            with _EVENTS:
                if self._cancelled is None:
                    self._cancelled = threading.Event()
        return self._cancelled

    def is_cancelled(self) -> bool:
        return self._cancelled is not None and self._cancelled.is_set()


class Retry(Exception):
    def __init__(self, reason: str, delay: float = 0.0) -> None:
        super().__init__(reason)
        self.delay = delay


class Fatal(Exception):
    """The task can never succeed: do not retry it."""


Handler = Callable[[Job], bytes | None]


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self,
        client: QueueClient,
        handlers: Mapping[str, Handler],
        *,
        skills: Sequence[str] = (),
        slots: int = 4,
        worker_id: str | None = None,
        ack_linger: float = ACK_LINGER,
    ) -> None:
        self.client = client
        self.handlers = dict(handlers)
        self.skills = list(skills)
        self.slots = slots
        self.worker_id = worker_id or default_worker_id()
        self.ack_linger = ack_linger
        self.heartbeat_interval = 5.0
        self.completed = 0
        # Attempt id -> job, from delivery until the task is settled (acked,
        # nacked or given up): these are the leases heartbeats extend.
        self._jobs: dict[str, Job] = {}
        self._jobs_lock = threading.Lock()
        self._acks: queue.SimpleQueue[tuple[str, str, bytes]] = queue.SimpleQueue()
        self._stream: Any = None
        self._welcomed = threading.Event()  # the server has told us its heartbeat interval

    def run(self, stop: threading.Event) -> None:
        """Work until `stop` is set, then finish running jobs and flush acks."""
        pool = ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="job")
        helpers = [
            threading.Thread(target=self._heartbeats, args=(stop,), daemon=True),
            threading.Thread(target=self._acker, args=(stop,), daemon=True),
            threading.Thread(target=self._stop_stream_on, args=(stop,), daemon=True),
        ]
        for t in helpers:
            t.start()
        delay = 0.2
        while not stop.is_set():
            try:
                self._stream = self.client.dispatch(self.worker_id, self.skills, self.slots)
                for event in self._stream:
                    delay = 0.2
                    self._on_event(event, pool)
            except Exception as exc:  # stream broke: the server restarts or we stop
                if stop.is_set():
                    break
                log.warning("dispatch stream lost (%s); reconnecting", _brief(exc))
            stop.wait(delay)
            delay = min(delay * 2, 5.0)
        pool.shutdown(wait=True)
        for t in helpers:
            t.join(timeout=5)
        for _ in range(3):
            if self._acks.empty():
                break
            self._flush_acks()

    def cancel_running(self) -> None:
        """Cold stop: every running job is told to give up; its task is retried."""
        with self._jobs_lock:
            for job in self._jobs.values():
                job.cancelled.set()

    def _stop_stream_on(self, stop: threading.Event) -> None:
        stop.wait()
        self._welcomed.set()
        if self._stream is not None:
            self._stream.cancel()

    def _on_event(self, event: Any, pool: ThreadPoolExecutor) -> None:
        kind = event.WhichOneof("event")
        if kind == "welcome":
            self.heartbeat_interval = event.welcome.heartbeat_interval or self.heartbeat_interval
            self._welcomed.set()
        elif kind == "deliveries":
            for item in event.deliveries.items:
                claim = claim_from_pb(item)
                job = Job(claim.task, claim.attempt_id)
                with self._jobs_lock:
                    self._jobs[claim.attempt_id] = job
                pool.submit(self._execute, job, claim)
        elif kind == "cancel":
            with self._jobs_lock:
                job_or_none = self._jobs.get(event.cancel.attempt_id)
            if job_or_none is not None:
                job_or_none.cancelled.set()

    def _execute(self, job: Job, claim: Claim) -> None:
        task = job.task
        try:
            handler = self.handlers.get(task.type)
            if handler is None:
                raise Fatal(f"no handler for task type {task.type}")
            result = handler(job) or b""
            if not job.is_cancelled():
                self._acks.put((task.id, claim.attempt_id, result))
                return  # held until the ack lands, so its lease outlives a server restart
        except Retry as exc:
            self._nack(task.id, claim.attempt_id, str(exc), delay=exc.delay)
        except Fatal as exc:
            self._nack(task.id, claim.attempt_id, str(exc), fatal=True)
        except Exception as exc:
            self._nack(task.id, claim.attempt_id, f"{type(exc).__name__}: {exc}")
        self._release([claim.attempt_id])

    def _release(self, attempt_ids: Sequence[str]) -> None:
        with self._jobs_lock:
            for attempt in attempt_ids:
                self._jobs.pop(attempt, None)

    def _nack(self, task_id: str, attempt_id: str, error: str, *, delay: float = 0.0,
              fatal: bool = False) -> None:  # fmt: skip
        try:
            self.client.nack(
                task_id, attempt_id, error[:4096], retry_delay=delay, non_retryable=fatal
            )
        except Exception as exc:  # the lease will run out and the task return
            log.warning("nack of %s failed: %s", task_id, _brief(exc))

    def _acker(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._flush_acks(wait=0.2, linger=self.ack_linger)

    def _flush_acks(self, wait: float = 0.0, linger: float = 0.0) -> None:
        items: list[tuple[str, str, bytes]] = []
        try:
            items.append(self._acks.get(timeout=wait) if wait else self._acks.get_nowait())
            until = time.monotonic() + linger
            while len(items) < ACK_BATCH:
                left = until - time.monotonic()
                items.append(self._acks.get(timeout=left) if left > 0 else self._acks.get_nowait())
        except queue.Empty:
            pass
        if not items:
            return
        try:
            statuses = self.client.ack_many(items)
        except Exception as exc:
            # Keep them: the server may be restarting. Heartbeats go on
            # extending their leases until the ack lands.
            log.warning("ack of %d tasks failed, will retry: %s", len(items), _brief(exc))
            for item in items:
                self._acks.put(item)
            time.sleep(0.2)
            return
        self._release([attempt for _, attempt, _ in items])
        self.completed += sum(s is Settle.OK for s in statuses)
        for (task_id, _, _), status in zip(items, statuses, strict=True):
            if status is not Settle.OK:
                log.warning("ack of %s rejected: %s", task_id, status.value)

    def _heartbeats(self, stop: threading.Event) -> None:
        self._welcomed.wait()
        while not stop.wait(self.heartbeat_interval):
            with self._jobs_lock:
                held = list(self._jobs)
            try:
                # After a server restart a worker can hold more than its slots
                # (new deliveries beside acks still owed), so send in batches
                # the server accepts.
                for start in range(0, max(len(held), 1), ACK_BATCH):
                    self.client.heartbeat(self.worker_id, held[start : start + ACK_BATCH])
            except Exception as exc:
                log.warning("heartbeat failed: %s", _brief(exc))


def _brief(exc: Exception) -> str:
    details = getattr(exc, "details", None)
    return str(details()) if callable(details) else type(exc).__name__


def sleep_until_cancelled(job: Job, seconds: float) -> bool:
    """Sleep, waking early if the job is cancelled; True if it ran the full time."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if job.cancelled.wait(min(left, 0.5)):
            return False
    return True
