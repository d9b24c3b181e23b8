"""Between wire messages and the queue's own model."""

from __future__ import annotations

from nova.queue.limits import SpecFields
from nova.queue.model import Claim, State, Task
from nova.queue.proto import queue_pb2 as pb


def spec_fields(spec: pb.TaskSpec) -> SpecFields:
    return SpecFields(
        type=spec.type,
        payload=spec.payload,
        metadata=dict(spec.metadata),
        priority=spec.priority,
        not_before=spec.not_before,
        skills=list(spec.skills),
        idempotency_key=spec.idempotency_key,
        max_attempts=spec.max_attempts,
    )


def task_to_pb(task: Task) -> pb.Task:
    return pb.Task(
        id=task.id,
        type=task.type,
        payload=task.payload,
        metadata=task.metadata,
        priority=task.priority,
        not_before=task.not_before,
        skills=task.skills,
        state=task.state.value,
        attempts=task.attempts,
        max_attempts=task.max_attempts,
        worker_id=task.worker_id,
        lease_until=task.lease_until,
        created_at=task.created_at,
        updated_at=task.updated_at,
        error=task.error,
        result=task.result,
        idempotency_key=task.idempotency_key,
    )


def task_from_pb(msg: pb.Task) -> Task:
    return Task(
        id=msg.id,
        type=msg.type,
        payload=msg.payload,
        metadata=dict(msg.metadata),
        priority=msg.priority,
        not_before=msg.not_before,
        skills=tuple(msg.skills),
        state=State(msg.state),
        attempts=msg.attempts,
        max_attempts=msg.max_attempts,
        attempt_id="",  # never sent: only the holder of a delivery knows its attempt
        worker_id=msg.worker_id,
        lease_until=msg.lease_until,
        created_at=msg.created_at,
        updated_at=msg.updated_at,
        error=msg.error,
        result=msg.result,
        idempotency_key=msg.idempotency_key,
    )


def claim_to_pb(claim: Claim) -> pb.Delivery:
    return pb.Delivery(
        task=task_to_pb(claim.task), attempt_id=claim.attempt_id, lease_until=claim.lease_until
    )


def claim_from_pb(msg: pb.Delivery) -> Claim:
    return Claim(task_from_pb(msg.task), msg.attempt_id, msg.lease_until)
