"""Pushes due tasks down workers' dispatch streams, and reaps lost leases.

One thread claims for every open stream with free slots. It sleeps until
something can change the answer (an enqueue, a settled task, a new stream,
more slots, the next delayed task falling due), so the hot path never polls.
The same thread expires leases and releases workers that stopped
heartbeating.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from nova.queue.config import ServerConfig
from nova.queue.convert import claim_to_pb
from nova.queue.kpis import QueueKpis
from nova.queue.model import attempt_prefix
from nova.queue.proto import queue_pb2 as pb
from nova.queue.storage.base import Storage

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Session:
    """One open dispatch stream."""

    worker_id: str
    identity: str
    skills: frozenset[str]
    slots: int
    skilled_only: bool = False  # its identity may not take tasks that require no skill
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    outbox: queue.SimpleQueue[pb.DispatchEvent | None] = field(default_factory=queue.SimpleQueue)
    inflight: set[str] = field(default_factory=set)  # attempt ids
    closed: bool = False

    @property
    def free(self) -> int:
        return max(self.slots - len(self.inflight), 0)


class Dispatcher:
    def __init__(
        self,
        storage: Storage,
        config: ServerConfig,
        clock: Callable[[], float] = time.time,
        kpis: QueueKpis | None = None,
    ) -> None:
        self.kpis = kpis
        self.storage = storage
        self.config = config
        self.clock = clock
        self._cond = threading.Condition()
        self._dirty = True
        self._stopped = False
        self._sessions: dict[str, Session] = {}
        self._holders: dict[str, tuple[Session, str]] = {}  # attempt id -> (stream, task id)
        self._attempts: dict[str, str] = {}  # task id -> attempt id, for dispatched tasks
        self._last_seen: dict[str, float] = {}  # worker id -> monotonic time
        self._thread = threading.Thread(target=self._run, name="queue-dispatch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            sessions = list(self._sessions.values())
            self._cond.notify_all()
        for session in sessions:
            self.close(session)
        self._thread.join(timeout=10)

    def wake(self) -> None:
        with self._cond:
            self._dirty = True
            self._cond.notify()

    # Streams and workers

    def open(
        self,
        worker_id: str,
        identity: str,
        skills: frozenset[str],
        slots: int,
        skilled_only: bool = False,
    ) -> Session:
        session = Session(worker_id, identity, skills, slots, skilled_only)
        with self._cond:
            self._sessions[session.id] = session
            self._last_seen[worker_id] = time.monotonic()
            self._dirty = True
            self._cond.notify()
        return session

    def close(self, session: Session) -> None:
        with self._cond:
            if session.closed:
                return
            session.closed = True
            self._sessions.pop(session.id, None)
            for attempt in list(session.inflight):
                self._forget(attempt)
        session.outbox.put(None)

    def set_slots(self, session_id: str, slots: int) -> bool:
        with self._cond:
            session = self._sessions.get(session_id)
            if session is None:
                return False
            session.slots = slots
            self._dirty = True
            self._cond.notify()
        return True

    def seen(self, worker_id: str) -> None:
        with self._cond:
            self._last_seen[worker_id] = time.monotonic()

    def counts(self) -> tuple[int, int]:
        """(workers seen alive, open streams)."""
        with self._cond:
            return len(self._last_seen), len(self._sessions)

    # Settlement

    def _forget(self, attempt_id: str) -> Session | None:
        held = self._holders.pop(attempt_id, None)
        if held is None:
            return None
        session, task_id = held
        session.inflight.discard(attempt_id)
        if self._attempts.get(task_id) == attempt_id:
            del self._attempts[task_id]
        return session

    def settled(self, attempt_ids: Iterable[str]) -> None:
        """Free the slots these attempts held, whatever the outcome."""
        with self._cond:
            for attempt in attempt_ids:
                self._forget(attempt)
            self._dirty = True
            self._cond.notify()

    def cancelled(self, task_id: str, attempt_id: str) -> None:
        """Tell the stream that holds this attempt to stop working on it."""
        with self._cond:
            session = self._forget(attempt_id)
        if session is not None:
            session.outbox.put(
                pb.DispatchEvent(cancel=pb.CancelNotice(task_id=task_id, attempt_id=attempt_id))
            )

    def lost(self, task_ids: Iterable[str]) -> None:
        """These tasks lost their lease: free the slots and tell their streams."""
        with self._cond:
            held = [(t, self._attempts[t]) for t in task_ids if t in self._attempts]
        for task_id, attempt_id in held:
            self.cancelled(task_id, attempt_id)

    # The loop

    def _run(self) -> None:
        next_reap = 0.0
        next_purge = time.monotonic() + self.config.purge_interval
        wait = 0.0
        while True:
            with self._cond:
                if not self._dirty and not self._stopped:
                    self._cond.wait(timeout=wait)
                if self._stopped:
                    return
                self._dirty = False
            try:
                mono = time.monotonic()
                if mono >= next_reap:
                    self._reap()
                    next_reap = mono + self.config.reap_interval
                if mono >= next_purge:
                    self.storage.purge(now=self.clock())
                    if self.kpis is not None:
                        self.kpis.forget_older(self.clock())
                    next_purge = mono + self.config.purge_interval
                if self._dispatch():
                    self.wake()  # a stream took all it asked for: there may be more
                wait = self._idle_wait(next_reap - time.monotonic())
            except Exception:  # storage briefly unreachable: keep serving, retry soon
                log.exception("dispatch round failed")
                wait = min(self.config.reap_interval, 1.0)

    def _idle_wait(self, until_reap: float) -> float:
        wait = min(self.config.idle_tick, max(until_reap, 0.0))
        now = self.clock()
        due = self.storage.next_due(now=now)
        if due is not None:
            wait = min(wait, max(due - now, 0.0))
        return max(wait, 0.001)

    def _dispatch(self) -> bool:
        """One claim per stream with free slots; True if a stream was filled up."""
        with self._cond:
            hungry = [(s, s.free) for s in self._sessions.values() if s.free > 0]
        filled = False
        for session, free in hungry:
            now = self.clock()
            claims = self.storage.claim(
                session.worker_id,
                session.skills,
                free,
                now=now,
                lease_seconds=self.config.lease_seconds,
                attempt_prefix=attempt_prefix(),
                skilled_only=session.skilled_only,
            )
            if not claims:
                continue
            if self.kpis is not None:
                self.kpis.dispatched(claims, now)
            filled = filled or len(claims) == free
            with self._cond:
                for claim in claims:
                    session.inflight.add(claim.attempt_id)
                    self._holders[claim.attempt_id] = (session, claim.task.id)
                    self._attempts[claim.task.id] = claim.attempt_id
                closed = session.closed
            if closed:
                # The stream went away while claiming: let the leases run out
                # rather than guess whether the worker saw them.
                continue
            event = pb.DispatchEvent(
                deliveries=pb.Deliveries(items=[claim_to_pb(c) for c in claims])
            )
            session.outbox.put(event)
        return filled

    def _reap(self) -> None:
        now = self.clock()
        expired = self.storage.expire_leases(now=now)
        if expired:
            log.info("requeued %d tasks whose lease expired", len(expired))
            self.lost(expired)
            if self.kpis is not None:
                self.kpis.lost(expired)
        cutoff = time.monotonic() - self.config.heartbeat_timeout
        with self._cond:
            dead = [w for w, seen in self._last_seen.items() if seen < cutoff]
            for worker in dead:
                del self._last_seen[worker]
            doomed = [s for s in self._sessions.values() if s.worker_id in dead]
        for session in doomed:
            self.close(session)
        for worker in dead:
            released = self.storage.release_worker(worker, now=now)
            self.lost(released)
            if self.kpis is not None:
                self.kpis.lost(released)
            if released:
                log.warning("worker %s missed heartbeats; requeued %d tasks", worker, len(released))
        if expired or dead:
            self.wake()
