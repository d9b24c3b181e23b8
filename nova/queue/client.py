"""A typed client for the queue: producers, operators and workers all use it."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nova.queue import rpc
from nova.queue.convert import claim_from_pb, task_from_pb
from nova.queue.model import Claim, Enqueued, Settle, Task
from nova.queue.proto import queue_pb2 as pb

TOKEN_ENV = "NOVA_QUEUE_TOKEN"

SETTLE = {
    pb.SETTLE_OK: Settle.OK,
    pb.SETTLE_STALE: Settle.STALE,
    pb.SETTLE_NOT_FOUND: Settle.NOT_FOUND,
}


class StaleAttempt(Exception):
    """The attempt no longer holds the task's lease; its work must be dropped."""


@dataclass
class Spec:
    """A task to enqueue."""

    type: str
    payload: bytes = b""
    metadata: Mapping[str, str] = field(default_factory=dict)
    priority: int = 0
    not_before: float = 0.0
    skills: Sequence[str] = ()
    idempotency_key: str = ""
    max_attempts: int = 0

    def to_pb(self) -> pb.TaskSpec:
        return pb.TaskSpec(
            type=self.type,
            payload=self.payload,
            metadata=dict(self.metadata),
            priority=self.priority,
            not_before=self.not_before,
            skills=list(self.skills),
            idempotency_key=self.idempotency_key,
            max_attempts=self.max_attempts,
        )


@dataclass(frozen=True)
class NackOutcome:
    status: Settle
    state: str
    retry_at: float


@dataclass(frozen=True)
class Stats:
    states: dict[str, int]
    depth: int
    max_depth: int
    workers: int
    streams: int


class QueueClient:
    def __init__(
        self,
        target: str = "127.0.0.1:50071",
        *,
        token: str | None = None,
        tls_ca: Path | None = None,
        tls_cert: Path | None = None,
        tls_key: Path | None = None,
        server_name: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        import grpc

        options: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", 32 * 1024 * 1024),
            ("grpc.max_send_message_length", 32 * 1024 * 1024),
        ]
        if server_name:
            options.append(("grpc.ssl_target_name_override", server_name))
        if tls_ca is not None:
            creds = grpc.ssl_channel_credentials(
                root_certificates=tls_ca.read_bytes(),
                private_key=tls_key.read_bytes() if tls_key else None,
                certificate_chain=tls_cert.read_bytes() if tls_cert else None,
            )
            self._channel: Any = grpc.secure_channel(target, creds, options=options)
        else:
            self._channel = grpc.insecure_channel(target, options=options)
        token = token if token is not None else os.environ.get(TOKEN_ENV)
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self._calls = rpc.stubs(self._channel)
        self.timeout = timeout

    def __enter__(self) -> QueueClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def _call(self, name: str, request: Any, timeout: float | None = None) -> Any:
        return self._calls[name](request, metadata=self._metadata, timeout=timeout or self.timeout)

    def wait_ready(self, timeout: float = 10.0) -> None:
        import grpc

        grpc.channel_ready_future(self._channel).result(timeout=timeout)

    # Producers and operators

    def enqueue(self, spec: Spec) -> Enqueued:
        return self.enqueue_many([spec])[0]

    def enqueue_many(self, specs: Sequence[Spec]) -> list[Enqueued]:
        reply = self._call("Enqueue", pb.EnqueueRequest(tasks=[s.to_pb() for s in specs]))
        return [Enqueued(r.task_id, r.duplicate) for r in reply.results]

    def get(self, task_id: str) -> Task:
        return task_from_pb(self._call("GetTask", pb.GetTaskRequest(task_id=task_id)))

    def list_tasks(self, state: str = "", limit: int = 100) -> list[Task]:
        reply = self._call("ListTasks", pb.ListTasksRequest(state=state, limit=limit))
        return [task_from_pb(t) for t in reply.tasks]

    def cancel(self, task_id: str) -> tuple[bool, str]:
        reply = self._call("Cancel", pb.CancelRequest(task_id=task_id))
        return reply.cancelled, reply.previous_state

    def replay(self, task_ids: Sequence[str] = (), *, all_dead: bool = False) -> list[str]:
        reply = self._call("Replay", pb.ReplayRequest(task_ids=list(task_ids), all_dead=all_dead))
        return list(reply.task_ids)

    def stats(self) -> Stats:
        r = self._call("Stats", pb.StatsRequest())
        return Stats(dict(r.states), r.depth, r.max_depth, r.workers, r.streams)

    # Workers

    def dispatch(self, worker_id: str, skills: Sequence[str], slots: int) -> Iterator[Any]:
        """The raw event stream; cancel it with `.cancel()` on the returned call."""
        request = pb.DispatchRequest(worker_id=worker_id, skills=list(skills), slots=slots)
        call: Iterator[Any] = self._calls["Dispatch"](request, metadata=self._metadata)
        return call

    def set_slots(self, session_id: str, slots: int) -> None:
        self._call("SetSlots", pb.SetSlotsRequest(session_id=session_id, slots=slots))

    def dequeue(
        self, worker_id: str, skills: Sequence[str] = (), max_tasks: int = 1
    ) -> list[Claim]:
        request = pb.DequeueRequest(worker_id=worker_id, skills=list(skills), max_tasks=max_tasks)
        return [claim_from_pb(d) for d in self._call("Dequeue", request).deliveries]

    def ack(self, task_id: str, attempt_id: str, result: bytes = b"") -> None:
        (status,) = self.ack_many([(task_id, attempt_id, result)])
        if status is not Settle.OK:
            raise StaleAttempt(f"task {task_id}: ack rejected ({status.value})")

    def ack_many(self, items: Sequence[tuple[str, str, bytes]]) -> list[Settle]:
        request = pb.AckRequest(
            items=[pb.AckItem(task_id=t, attempt_id=a, result=r) for t, a, r in items]
        )
        return [SETTLE[s] for s in self._call("Ack", request).statuses]

    def nack(
        self,
        task_id: str,
        attempt_id: str,
        error: str = "",
        *,
        retry_delay: float = 0.0,
        non_retryable: bool = False,
    ) -> NackOutcome:
        reply = self._call(
            "Nack",
            pb.NackRequest(
                task_id=task_id,
                attempt_id=attempt_id,
                error=error,
                retry_delay=retry_delay,
                non_retryable=non_retryable,
            ),
        )
        return NackOutcome(SETTLE[reply.status], reply.state, reply.retry_at)

    def extend(self, task_id: str, attempt_id: str) -> float:
        reply = self._call("Extend", pb.ExtendRequest(task_id=task_id, attempt_id=attempt_id))
        if SETTLE[reply.status] is not Settle.OK:
            raise StaleAttempt(f"task {task_id}: extend rejected")
        return float(reply.lease_until)

    def heartbeat(self, worker_id: str, attempt_ids: Sequence[str] = ()) -> int:
        """Keep the worker alive and extend the leases of the attempts it holds."""
        request = pb.HeartbeatRequest(worker_id=worker_id, attempt_ids=list(attempt_ids))
        return int(self._call("Heartbeat", request).leases)
