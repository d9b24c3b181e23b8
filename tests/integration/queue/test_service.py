"""The queue over real gRPC on loopback, against SQLite and a real Redis."""

from __future__ import annotations

import threading
import time
from typing import Any

import grpc
import pytest
from conftest import wait_for

from nova.queue.client import QueueClient, Spec, StaleAttempt
from nova.queue.model import Settle
from nova.queue.proto import queue_pb2 as pb
from nova.queue.worker import Job, Worker

QUIET = {"heartbeat_interval": 10.0, "heartbeat_timeout": 30.0}  # raw streams don't heartbeat


def stream_events(client: QueueClient, worker: str, slots: int, skills: list[str] | None = None):  # type: ignore[no-untyped-def]
    """Open a dispatch stream and collect its events on a thread."""
    call = client.dispatch(worker, skills or [], slots)
    events: list[Any] = []

    def pump() -> None:
        try:
            for event in call:
                events.append(event)
        except grpc.RpcError:
            pass

    threading.Thread(target=pump, daemon=True).start()
    return call, events


def deliveries(events: list[Any]) -> list[pb.Delivery]:
    return [d for e in events if e.HasField("deliveries") for d in e.deliveries.items]


def test_enqueue_dedup_and_get(make_server: Any) -> None:
    _, client = make_server()
    first = client.enqueue(Spec("t", payload=b"p", idempotency_key="once", metadata={"a": "1"}))
    again = client.enqueue(Spec("t", idempotency_key="once"))
    assert again.task_id == first.task_id and again.duplicate and not first.duplicate
    task = client.get(first.task_id)
    assert (task.type, task.payload, task.metadata, task.state.value) == (
        "t", b"p", {"a": "1"}, "queued",
    )  # fmt: skip


def test_invalid_requests_name_the_field_and_the_server_keeps_serving(make_server: Any) -> None:
    _, client = make_server()
    cases = [
        (Spec("ok", metadata={"Bad Key": "v"}), "tasks[0].metadata['Bad Key']"),
        (Spec("ok", priority=12), "tasks[0].priority"),
        (Spec("ok", payload=b"x" * (1024 * 1024 + 1)), "tasks[0].payload"),
        (Spec("no spaces allowed"), "tasks[0].type"),
    ]
    for spec, field in cases:
        with pytest.raises(grpc.RpcError) as info:
            client.enqueue(spec)
        assert info.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert info.value.details().startswith(field + ": ")
    with pytest.raises(grpc.RpcError) as info:
        client.list_tasks("bogus")
    assert info.value.details().startswith("state: ")
    for held, field in ((["ok1", "not an id"], "attempt_ids[1]"), (["a"] * 1001, "attempt_ids")):
        with pytest.raises(grpc.RpcError) as info:
            client.heartbeat("w1", held)
        assert info.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert info.value.details().startswith(field + ": ")
    assert client.heartbeat("w1", ["ok1"]) == 0  # well formed, holds nothing
    assert client.enqueue(Spec("ok")).task_id


def test_backpressure_refuses_with_resource_exhausted(make_server: Any) -> None:
    _, client = make_server(max_depth=3)
    client.enqueue_many([Spec("t")] * 3)
    with pytest.raises(grpc.RpcError) as info:
        client.enqueue(Spec("t"))
    assert info.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert client.stats().depth == 3


def test_authorize_hook_sees_identity_and_type(make_server: Any) -> None:
    seen: list[tuple[str, str]] = []

    def authorize(identity: str, task_type: str) -> tuple[bool, str]:
        seen.append((identity, task_type))
        return task_type != "forbidden", "type not allowed"

    _, client = make_server(authorize=authorize)
    client.enqueue(Spec("fine"))
    with pytest.raises(grpc.RpcError) as info:
        client.enqueue(Spec("forbidden"))
    assert info.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert seen == [("anonymous", "fine"), ("anonymous", "forbidden")]


def test_stream_pushes_in_priority_order_within_credits_and_matching_skills(
    make_server: Any,
) -> None:
    _, client = make_server(lease_seconds=30.0, **QUIET)
    low, high, gpu = (
        r.task_id
        for r in client.enqueue_many(
            [Spec("t", priority=1), Spec("t", priority=8), Spec("t", priority=9, skills=["gpu"])]
        )
    )
    call, events = stream_events(client, "w1", slots=1)
    wait_for(lambda: deliveries(events))
    time.sleep(0.2)  # a second push would arrive now if credits were ignored
    got = deliveries(events)
    assert [d.task.id for d in got] == [high]
    client.ack(high, got[0].attempt_id)
    wait_for(lambda: len(deliveries(events)) == 2)
    assert deliveries(events)[1].task.id == low
    assert client.get(gpu).state.value == "queued"  # w1 lacks the skill
    call.cancel()


def test_delayed_task_runs_once_after_its_time(make_server: Any) -> None:
    _, client = make_server(**QUIET)
    call, events = stream_events(client, "w1", slots=4)
    due = time.time() + 0.6
    (task,) = client.enqueue_many([Spec("t", not_before=due)])
    got = wait_for(lambda: deliveries(events))
    received = time.time()
    assert received >= due and received - due < 0.5  # woke for it, not on a slow poll
    client.ack(task.task_id, got[0].attempt_id)
    time.sleep(0.3)
    assert len(deliveries(events)) == 1
    assert client.get(task.task_id).state.value == "succeeded"
    call.cancel()


def test_late_ack_after_lease_expiry_is_rejected(make_server: Any) -> None:
    _, client = make_server(lease_seconds=0.3)
    (task,) = client.enqueue_many([Spec("t")])
    (first,) = client.dequeue("slow-worker", max_tasks=1)
    time.sleep(0.5)  # lease lapses, the reaper returns the task
    (second,) = wait_for(lambda: client.dequeue("fast-worker", max_tasks=1))
    assert second.task.id == task.task_id and second.attempt_id != first.attempt_id
    with pytest.raises(StaleAttempt):
        client.ack(task.task_id, first.attempt_id)
    client.ack(task.task_id, second.attempt_id, b"ok")
    assert client.get(task.task_id).result == b"ok"


def test_nack_backs_off_then_poison_task_ends_dead_and_replays(make_server: Any) -> None:
    from nova.queue.backoff import Backoff

    _, client = make_server(backoff=Backoff(base=0.05, cap=0.1), default_max_attempts=3)
    (task,) = client.enqueue_many([Spec("poison")])
    outcomes = []
    for _ in range(3):
        (claim,) = wait_for(lambda: client.dequeue("w", max_tasks=1))
        outcomes.append(client.nack(task.task_id, claim.attempt_id, "boom"))
    assert [o.state for o in outcomes] == ["queued", "queued", "dead"]
    assert all(o.status is Settle.OK for o in outcomes)
    assert outcomes[0].retry_at > 0
    dead = client.list_tasks("dead")
    assert [t.id for t in dead] == [task.task_id] and dead[0].attempts == 3
    assert client.replay(all_dead=True) == [task.task_id]
    (claim,) = wait_for(lambda: client.dequeue("w", max_tasks=1))
    outcome = client.nack(task.task_id, claim.attempt_id, "no", non_retryable=True)
    assert outcome.state == "dead"


def test_cancel_is_pushed_down_the_stream_and_fences_the_attempt(make_server: Any) -> None:
    _, client = make_server(lease_seconds=30.0, **QUIET)
    (task,) = client.enqueue_many([Spec("t")])
    call, events = stream_events(client, "w1", slots=1)
    (delivery,) = wait_for(lambda: deliveries(events))
    assert client.cancel(task.task_id) == (True, "leased")
    notice = wait_for(lambda: [e.cancel for e in events if e.HasField("cancel")])
    assert notice[0].attempt_id == delivery.attempt_id
    with pytest.raises(StaleAttempt):
        client.ack(task.task_id, delivery.attempt_id)
    assert client.cancel(task.task_id) == (False, "cancelled")
    call.cancel()


def test_heartbeating_worker_keeps_a_long_task(make_server: Any) -> None:
    """The task takes 3 leases' worth of time; heartbeats keep it from redelivery."""
    _, client = make_server(lease_seconds=0.5, heartbeat_interval=0.1, heartbeat_timeout=0.4)
    runs: list[str] = []

    def slow(job: Job) -> bytes:
        runs.append(job.attempt_id)
        time.sleep(1.5)
        return b"done"

    worker = Worker(client, {"slow": slow}, slots=2, worker_id="steady")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        (task,) = client.enqueue_many([Spec("slow")])
        wait_for(lambda: client.get(task.task_id).state.value == "succeeded", timeout=5)
        assert len(runs) == 1 and client.get(task.task_id).attempts == 1
    finally:
        stop.set()
        thread.join(timeout=10)


def test_lease_the_worker_never_received_runs_out_while_it_heartbeats(make_server: Any) -> None:
    """A claim made under the worker's id that never reached it (as when the
    server dies between claiming and delivering) is redelivered, even though
    the worker keeps heartbeating under that id."""
    _, client = make_server(lease_seconds=0.5, heartbeat_interval=0.1, heartbeat_timeout=0.4)
    gate = threading.Event()
    runs: list[tuple[str, str]] = []

    def handler(job: Job) -> bytes:
        runs.append((job.task.type, job.attempt_id))
        if job.task.type == "hold":
            gate.wait(10)
        return b""

    worker = Worker(client, {"hold": handler, "t": handler}, slots=1, worker_id="steady")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        (hold,) = client.enqueue_many([Spec("hold")])
        wait_for(lambda: len(runs) == 1, timeout=5)  # its one slot is busy from now on
        (task,) = client.enqueue_many([Spec("t")])
        (lost,) = client.dequeue("steady", max_tasks=1)  # claimed for it, never delivered
        assert lost.task.id == task.task_id
        time.sleep(1.5)  # three leases' worth of heartbeats
        lost_now = client.get(task.task_id)
        assert lost_now.state.value == "queued" and lost_now.error == "lease expired"
        assert client.get(hold.task_id).state.value == "leased"  # the held one was kept
        gate.set()
        wait_for(lambda: client.get(task.task_id).state.value == "succeeded", timeout=5)
        assert [r for r in runs if r[0] == "t"] != [("t", lost.attempt_id)]
        assert len(runs) == 2 and client.get(task.task_id).attempts == 2
        assert client.get(hold.task_id).attempts == 1
    finally:
        gate.set()
        stop.set()
        thread.join(timeout=10)


def test_stats_and_health(make_server: Any) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    server, client = make_server()
    client.enqueue_many([Spec("t"), Spec("t", not_before=time.time() + 60)])
    stats = client.stats()
    assert stats.states["queued"] == 1 and stats.states["delayed"] == 1 and stats.depth == 2
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        reply = health.Check(health_pb2.HealthCheckRequest(service="nova.queue.v1.TaskQueue"))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
