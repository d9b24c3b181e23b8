"""The storage interface every backend implements, and the contract it keeps.

Time is passed in (`now`, unix seconds) rather than read inside, so the
contract suite drives delays and lease expiry without sleeping, and one
server's clock decides for all its claims.

Contract, for every backend:
- enqueue is all-or-nothing for a batch; a key already seen within the dedup
  window returns the existing task id; above `max_depth` unsettled tasks the
  batch is refused with QueueFull and nothing is stored.
- claim hands out due, queued tasks whose required skills the worker has,
  highest priority first, oldest first within a priority; each claim bumps
  `attempts` and sets a fresh attempt id that fences ack, nack and extend.
- a lease that expires, or a worker released as dead, returns the task to
  the queue, or to dead once its attempts are spent.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence

from nova.queue.model import Cancelled, Claim, Enqueued, NewTask, Settle, State, Task


class QueueFull(Exception):
    """Enqueue refused: the queue already holds `depth` unsettled tasks."""

    def __init__(self, depth: int, max_depth: int) -> None:
        self.depth = depth
        self.max_depth = max_depth
        super().__init__(f"queue depth {depth} at limit {max_depth}")


class Storage(abc.ABC):
    @abc.abstractmethod
    def enqueue(
        self, tasks: Sequence[NewTask], *, now: float, dedup_window: float, max_depth: int
    ) -> list[Enqueued]: ...

    @abc.abstractmethod
    def claim(
        self,
        worker_id: str,
        skills: frozenset[str],
        limit: int,
        *,
        now: float,
        lease_seconds: float,
        attempt_prefix: str,
        skilled_only: bool = False,
    ) -> list[Claim]:
        """Lease up to `limit` due tasks; the i-th gets attempt_id(attempt_prefix, i).

        A task matches when the worker has every skill it requires; with
        `skilled_only`, a task that requires none does not match.
        """

    @abc.abstractmethod
    def ack(
        self, task_id: str, attempt_id: str, result: bytes, *, now: float, result_ttl: float
    ) -> Settle: ...

    def ack_many(
        self, items: Sequence[tuple[str, str, bytes]], *, now: float, result_ttl: float
    ) -> list[Settle]:
        """Ack (task id, attempt id, result) triples; each is settled on its own."""
        return [self.ack(t, a, r, now=now, result_ttl=result_ttl) for t, a, r in items]

    @abc.abstractmethod
    def nack(
        self, task_id: str, attempt_id: str, error: str, *, now: float, retry_at: float | None
    ) -> Settle:
        """Back to the queue due at `retry_at`, or dead when it is None."""

    @abc.abstractmethod
    def extend(self, task_id: str, attempt_id: str, *, lease_until: float) -> Settle: ...

    @abc.abstractmethod
    def heartbeat(self, worker_id: str, attempt_ids: Sequence[str], *, lease_until: float) -> int:
        """Extend the worker's leases held under these attempts; returns how many."""

    @abc.abstractmethod
    def expire_leases(self, *, now: float) -> list[str]:
        """Return tasks whose lease ran out to the queue (or dead); their ids."""

    @abc.abstractmethod
    def release_worker(self, worker_id: str, *, now: float) -> list[str]:
        """Return every task the worker holds to the queue (or dead); their ids."""

    @abc.abstractmethod
    def cancel(self, task_id: str, *, now: float, result_ttl: float) -> Cancelled | None:
        """Cancel a queued or leased task; None when unknown. Terminal tasks stay as they are."""

    @abc.abstractmethod
    def replay(self, task_ids: Sequence[str] | None, *, now: float) -> list[str]:
        """Requeue the given dead tasks (all dead ones when None) with a fresh budget."""

    @abc.abstractmethod
    def get(self, task_id: str) -> Task | None: ...

    @abc.abstractmethod
    def list_tasks(self, state: State | None, *, limit: int) -> list[Task]: ...

    @abc.abstractmethod
    def counts(self, *, now: float) -> dict[str, int]:
        """Tasks per state, with `queued` split into due `queued` and `delayed`."""

    @abc.abstractmethod
    def next_due(self, *, now: float) -> float | None:
        """When the earliest delayed task falls due, if any."""

    @abc.abstractmethod
    def purge(self, *, now: float) -> int:
        """Drop settled results past their TTL and dedup keys past their window."""

    @abc.abstractmethod
    def close(self) -> None: ...
