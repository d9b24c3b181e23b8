"""The TaskQueue handlers: check the caller and the request, call storage, answer."""

from __future__ import annotations

import functools
import logging
import queue
import time
from collections.abc import Callable, Iterator
from typing import Any

from nova.queue.auth import ANONYMOUS, HEADER, Authorize, TokenAuth
from nova.queue.config import ServerConfig
from nova.queue.convert import claim_to_pb, spec_fields, task_to_pb
from nova.queue.dispatcher import Dispatcher
from nova.queue.kpis import QueueKpis
from nova.queue.limits import (
    PRINTABLE_RE,
    InvalidRequest,
    RateLimiter,
    check_batch,
    check_skills,
)
from nova.queue.model import Settle, State, attempt_prefix
from nova.queue.proto import queue_pb2 as pb
from nova.queue.storage.base import QueueFull, Storage

log = logging.getLogger(__name__)

SETTLE = {
    Settle.OK: pb.SETTLE_OK,
    Settle.STALE: pb.SETTLE_STALE,
    Settle.NOT_FOUND: pb.SETTLE_NOT_FOUND,
}
MAX_LIST = 1000
ANY_TASK_TYPE = "*"


def _worker_id(value: str, where: str = "worker_id") -> str:
    if not value or len(value) > 128 or not PRINTABLE_RE.match(value):
        raise InvalidRequest(where, "must be 1-128 printable characters")
    return value


def _task_id(value: str, where: str = "task_id") -> str:
    if not value or len(value) > 64 or not value.isalnum():
        raise InvalidRequest(where, "must be a task id")
    return value


class QueueService:
    def __init__(
        self,
        storage: Storage,
        config: ServerConfig,
        dispatcher: Dispatcher,
        auth: TokenAuth | None,
        authorize: Authorize,
        authorize_claim: Authorize,
        clock: Callable[[], float] = time.time,
        kpis: QueueKpis | None = None,
    ) -> None:
        self.kpis = kpis
        self.storage = storage
        self.config = config
        self.dispatcher = dispatcher
        self.auth = auth
        self.authorize = authorize
        self.authorize_claim = authorize_claim
        self.rates = RateLimiter(config.enqueue_rate, config.enqueue_burst)
        self.clock = clock

    def handlers(self) -> dict[str, Callable[[Any, Any], Any]]:
        names = (
            "Enqueue", "Dispatch", "SetSlots", "Dequeue", "Ack", "Nack", "Extend", "Heartbeat",
            "Cancel", "GetTask", "ListTasks", "Replay", "Stats",
        )  # fmt: skip
        return {name: self._guarded(getattr(self, name), name == "Dispatch") for name in names}

    def _guarded(self, method: Callable[..., Any], streams: bool) -> Callable[[Any, Any], Any]:
        """Authenticate, then map request and storage errors to status codes."""
        import grpc

        def identify(context: Any) -> str:
            metadata = dict(context.invocation_metadata())
            if self.auth is not None and HEADER in metadata:
                identity = self.auth.identify(metadata)
                if identity is None:
                    context.abort(grpc.StatusCode.UNAUTHENTICATED, "unknown or expired token")
                    raise AssertionError("abort raises")
                return identity
            # A client certificate the server's CA verified names its holder.
            names = context.auth_context().get("x509_common_name") or []
            if names:
                return str(names[0].decode("utf-8", errors="replace"))
            if self.auth is not None:
                context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing bearer token")
                raise AssertionError("abort raises")
            return ANONYMOUS

        def fail(context: Any, exc: Exception) -> None:
            if isinstance(exc, InvalidRequest):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            if isinstance(exc, QueueFull):
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
            raise exc

        if streams:

            @functools.wraps(method)
            def stream(request: Any, context: Any) -> Iterator[Any]:
                identity = identify(context)
                try:
                    yield from method(request, context, identity)
                except (InvalidRequest, QueueFull) as exc:
                    fail(context, exc)

            return stream

        @functools.wraps(method)
        def unary(request: Any, context: Any) -> Any:
            identity = identify(context)
            try:
                return method(request, context, identity)
            except (InvalidRequest, QueueFull) as exc:
                fail(context, exc)

        return unary

    # Producers

    def Enqueue(self, request: pb.EnqueueRequest, context: Any, identity: str) -> Any:
        import grpc

        now = self.clock()
        tasks = check_batch(
            [spec_fields(s) for s in request.tasks],
            self.config.limits,
            now,
            self.config.default_max_attempts,
        )
        for task_type in sorted({t.type for t in tasks}):
            allowed, reason = self.authorize(identity, task_type)
            if not allowed:
                context.abort(
                    grpc.StatusCode.PERMISSION_DENIED, f"{identity} may not enqueue "
                    f"{task_type}: {reason}"
                )  # fmt: skip
        wait = self.rates.take(identity, len(tasks))
        if wait == float("inf"):
            context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"{len(tasks)} tasks at once is more than {identity} may ever enqueue at once"
                f" ({self.config.enqueue_burst}); split the batch",
            )
        if wait:
            context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"{identity} enqueues faster than {self.config.enqueue_rate:g} tasks a second;"
                f" retry in {wait:.1f} s",
            )
        results = self.storage.enqueue(
            tasks, now=now, dedup_window=self.config.dedup_window, max_depth=self.config.max_depth
        )
        if self.kpis is not None:
            self.kpis.enqueued(tasks, results)
        if any(not r.duplicate for r in results):
            self.dispatcher.wake()
        return pb.EnqueueResponse(
            results=[pb.Enqueued(task_id=r.task_id, duplicate=r.duplicate) for r in results]
        )

    def Cancel(self, request: pb.CancelRequest, context: Any, identity: str) -> Any:
        import grpc

        task_id = _task_id(request.task_id)
        task = self.storage.get(task_id)
        if task is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"task {task_id} not found")
        assert task is not None
        self._may_change(context, identity, "cancel", task.type)
        found = self.storage.cancel(task_id, now=self.clock(), result_ttl=self.config.result_ttl)
        if found is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"task {task_id} not found")
        assert found is not None
        if found.previous is State.LEASED:
            self.dispatcher.cancelled(task_id, found.attempt_id)
            if self.kpis is not None:
                self.kpis.cancelled(task_id)
        live = found.previous in (State.QUEUED, State.LEASED)
        return pb.CancelResponse(cancelled=live, previous_state=found.previous.value)

    def _may_change(self, context: Any, identity: str, verb: str, task_type: str) -> None:
        """Cancel and replay a task only if you may enqueue its type (every type: `*`)."""
        import grpc

        allowed, reason = self.authorize(identity, task_type)
        if not allowed:
            context.abort(
                grpc.StatusCode.PERMISSION_DENIED,
                f"{identity} may not {verb} {task_type} tasks: {reason}",
            )

    def GetTask(self, request: pb.GetTaskRequest, context: Any, identity: str) -> Any:
        import grpc

        task = self.storage.get(_task_id(request.task_id))
        if task is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"task {request.task_id} not found")
        assert task is not None
        return task_to_pb(task)

    def ListTasks(self, request: pb.ListTasksRequest, context: Any, identity: str) -> Any:
        state = None
        if request.state:
            try:
                state = State(request.state)
            except ValueError:
                names = ", ".join(s.value for s in State)
                raise InvalidRequest("state", f"must be one of {names}") from None
        limit = min(request.limit or 100, MAX_LIST)
        tasks = self.storage.list_tasks(state, limit=limit)
        return pb.ListTasksResponse(tasks=[task_to_pb(t) for t in tasks])

    def Replay(self, request: pb.ReplayRequest, context: Any, identity: str) -> Any:
        if request.all_dead == bool(request.task_ids):
            raise InvalidRequest("task_ids", "give task ids or all_dead, not both or neither")
        ids = None if request.all_dead else [
            _task_id(t, f"task_ids[{i}]") for i, t in enumerate(request.task_ids)
        ]  # fmt: skip
        if ids is None:
            self._may_change(context, identity, "replay", ANY_TASK_TYPE)
        for task_id in ids or ():
            task = self.storage.get(task_id)
            if task is not None:
                self._may_change(context, identity, "replay", task.type)
        replayed = self.storage.replay(ids, now=self.clock())
        if replayed:
            self.dispatcher.wake()
        return pb.ReplayResponse(task_ids=replayed)

    def Stats(self, request: pb.StatsRequest, context: Any, identity: str) -> Any:
        counts = self.storage.counts(now=self.clock())
        workers, streams = self.dispatcher.counts()
        depth = counts["queued"] + counts["delayed"] + counts["leased"]
        return pb.StatsResponse(
            states=counts,
            depth=depth,
            max_depth=self.config.max_depth,
            workers=workers,
            streams=streams,
        )

    # Workers

    def Dispatch(
        self, request: pb.DispatchRequest, context: Any, identity: str
    ) -> Iterator[pb.DispatchEvent]:
        worker_id = _worker_id(request.worker_id)
        skills = frozenset(check_skills(request.skills, "skills", self.config.limits))
        if not 1 <= request.slots <= self.config.limits.max_batch:
            raise InvalidRequest("slots", f"must be 1 to {self.config.limits.max_batch}")
        skilled_only = self._may_claim(context, identity, skills)
        session = self.dispatcher.open(worker_id, identity, skills, request.slots, skilled_only)
        context.add_callback(lambda: self.dispatcher.close(session))
        yield pb.DispatchEvent(
            welcome=pb.Welcome(
                session_id=session.id,
                lease_seconds=self.config.lease_seconds,
                heartbeat_interval=self.config.heartbeat_interval,
                heartbeat_timeout=self.config.heartbeat_timeout,
            )
        )
        while context.is_active():
            try:
                event = session.outbox.get(timeout=1.0)
            except queue.Empty:
                continue
            if event is None:
                return
            yield event

    def _may_claim(self, context: Any, identity: str, skills: frozenset[str]) -> bool:
        """Refuse skills the identity may not handle; True when it may take only tasks that
        require skills. So a stolen worker token cannot drain another agent's work."""
        import grpc

        for skill in sorted(skills):
            allowed, reason = self.authorize_claim(identity, skill)
            if not allowed:
                context.abort(
                    grpc.StatusCode.PERMISSION_DENIED, f"{identity} may not claim {skill}: {reason}"
                )
        # A task that requires no skill may be of any type: only who may claim any takes it.
        return not self.authorize_claim(identity, ANY_TASK_TYPE)[0]

    def SetSlots(self, request: pb.SetSlotsRequest, context: Any, identity: str) -> Any:
        import grpc

        if not 0 <= request.slots <= self.config.limits.max_batch:
            raise InvalidRequest("slots", f"must be 0 to {self.config.limits.max_batch}")
        if not self.dispatcher.set_slots(request.session_id, request.slots):
            context.abort(grpc.StatusCode.NOT_FOUND, "no such dispatch stream")
        return pb.SetSlotsResponse()

    def Dequeue(self, request: pb.DequeueRequest, context: Any, identity: str) -> Any:
        worker_id = _worker_id(request.worker_id)
        skills = frozenset(check_skills(request.skills, "skills", self.config.limits))
        if not 1 <= request.max_tasks <= self.config.limits.max_batch:
            raise InvalidRequest("max_tasks", f"must be 1 to {self.config.limits.max_batch}")
        skilled_only = self._may_claim(context, identity, skills)
        self.dispatcher.seen(worker_id)
        now = self.clock()
        claims = self.storage.claim(
            worker_id,
            skills,
            request.max_tasks,
            now=now,
            lease_seconds=self.config.lease_seconds,
            attempt_prefix=attempt_prefix(),
            skilled_only=skilled_only,
        )
        if self.kpis is not None:
            self.kpis.dispatched(claims, now)
        return pb.DequeueResponse(deliveries=[claim_to_pb(c) for c in claims])

    def Ack(self, request: pb.AckRequest, context: Any, identity: str) -> Any:
        if len(request.items) > self.config.limits.max_batch:
            raise InvalidRequest("items", f"at most {self.config.limits.max_batch} per request")
        items = []
        limit = self.config.limits.max_payload_bytes
        for i, item in enumerate(request.items):
            if len(item.result) > limit:
                raise InvalidRequest(f"items[{i}].result", f"larger than {limit} bytes")
            items.append((_task_id(item.task_id, f"items[{i}].task_id"), item.attempt_id,
                          item.result))  # fmt: skip
        now = self.clock()
        statuses = self.storage.ack_many(items, now=now, result_ttl=self.config.result_ttl)
        self.dispatcher.settled(item.attempt_id for item in request.items)
        if self.kpis is not None:
            self.kpis.acked(items, statuses, now)
        return pb.AckResponse(statuses=[SETTLE[s] for s in statuses])

    def Nack(self, request: pb.NackRequest, context: Any, identity: str) -> Any:
        task_id = _task_id(request.task_id)
        if len(request.error) > 4096:
            raise InvalidRequest("error", "longer than 4096 characters")
        if request.retry_delay < 0 or request.retry_delay > self.config.limits.max_delay_seconds:
            raise InvalidRequest("retry_delay", "must be between 0 and a year")
        now = self.clock()
        task = self.storage.get(task_id)
        if task is None:
            return pb.NackResponse(status=pb.SETTLE_NOT_FOUND)
        retry_at: float | None = None
        if not request.non_retryable and task.attempts < task.max_attempts:
            retry_at = now + self.config.backoff.delay(task.attempts, request.retry_delay)
        status = self.storage.nack(
            task_id, request.attempt_id, request.error, now=now, retry_at=retry_at
        )
        self.dispatcher.settled([request.attempt_id])
        if status is not Settle.OK:
            return pb.NackResponse(status=SETTLE[status])
        if self.kpis is not None:
            self.kpis.nacked(task, request.attempt_id, dead=retry_at is None)
        state = State.DEAD if retry_at is None else State.QUEUED
        return pb.NackResponse(status=pb.SETTLE_OK, state=state.value, retry_at=retry_at or 0.0)

    def Extend(self, request: pb.ExtendRequest, context: Any, identity: str) -> Any:
        lease_until = self.clock() + self.config.lease_seconds
        status = self.storage.extend(
            _task_id(request.task_id), request.attempt_id, lease_until=lease_until
        )
        ok = status is Settle.OK
        return pb.ExtendResponse(status=SETTLE[status], lease_until=lease_until if ok else 0.0)

    def Heartbeat(self, request: pb.HeartbeatRequest, context: Any, identity: str) -> Any:
        worker_id = _worker_id(request.worker_id)
        limit = self.config.limits.max_batch
        if len(request.attempt_ids) > limit:
            raise InvalidRequest("attempt_ids", f"at most {limit} per heartbeat")
        for i, attempt in enumerate(request.attempt_ids):
            if not attempt or len(attempt) > 64 or not attempt.isalnum():
                raise InvalidRequest(f"attempt_ids[{i}]", "must be an attempt id")
        self.dispatcher.seen(worker_id)
        lease_until = self.clock() + self.config.lease_seconds
        held = self.storage.heartbeat(worker_id, request.attempt_ids, lease_until=lease_until)
        return pb.HeartbeatResponse(leases=held, lease_until=lease_until)
