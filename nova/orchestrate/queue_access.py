"""The queue an orchestration runs on: a running `nova queue serve`, or one of its own.

Without an address, the run starts a queue server on a free loopback port,
stored in the run's folder, that accepts exactly the task types of the run:
an explicit enqueue policy rather than none. The tasks it enqueues carry the
contract every skill handler reads: type and required skill are the skill
id, the payload is JSON naming the inventory, limit, check mode and task.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nova.core.errors import NovaError
from nova.orchestrate.catalogue import CatalogueTask

if TYPE_CHECKING:
    from nova.queue.client import QueueClient
    from nova.queue.model import Task

# A failing task is tried once more: a worker that died mid-task gets a second chance,
# a handler that fails for good does not hold the phase up for minutes of backoff.
MAX_ATTEMPTS = 2


@dataclass(frozen=True)
class TaskDefaults:
    run_id: str
    inventory: str
    limit: str | None
    check: bool


class QueueTasks:
    """Submits catalogue tasks and reads their state back (the scheduler's TaskQueue)."""

    def __init__(self, client: QueueClient, defaults: TaskDefaults) -> None:
        self.client = client
        self.defaults = defaults

    def submit(self, task: CatalogueTask) -> str:
        from nova.queue.client import Spec

        payload = {
            "inventory": self.defaults.inventory,
            "limit": self.defaults.limit,
            "check": self.defaults.check,
            "task": task.id,
        }
        spec = Spec(
            type=task.skill,
            payload=json.dumps(payload).encode(),
            metadata={
                "orchestration": self.defaults.run_id,
                "task": task.id,
                "agent": task.agent,
                "phase": task.phase,
            },
            skills=[task.skill],
            # A retried orchestrator call must not queue the same task twice.
            idempotency_key=f"{self.defaults.run_id}:{task.id}",
            max_attempts=MAX_ATTEMPTS,
        )
        return self.client.enqueue(spec).task_id

    def get(self, queue_id: str) -> Task:
        return self.client.get(queue_id)

    def cancel(self, queue_id: str) -> None:
        self.client.cancel(queue_id)


@dataclass(frozen=True)
class QueueEndpoint:
    address: str
    client: QueueClient
    embedded: bool


@contextmanager
def open_queue(
    server: str | None, run_dir: Path, task_types: Collection[str]
) -> Iterator[QueueEndpoint]:
    """Connect to `server`, or serve a queue of our own for the length of the run."""
    from nova.queue.client import QueueClient

    if server:
        client = QueueClient(server)
        try:
            _wait_ready(client, server)
            yield QueueEndpoint(server, client, embedded=False)
        finally:
            client.close()
        return

    from nova.queue.config import ServerConfig
    from nova.queue.server import QueueServer
    from nova.queue.storage import open_storage

    allowed = frozenset(task_types)

    def authorize(identity: str, task_type: str) -> tuple[bool, str]:
        if task_type in allowed:
            return True, ""
        return False, f"'{task_type}' is not a task of this orchestration"

    storage = open_storage(db=run_dir / "queue.db")
    config = ServerConfig(port=0, heartbeat_interval=2.0, heartbeat_timeout=10.0)
    # The run's own workers claim with the same rule: only this run's task types.
    queue_server = QueueServer(storage, config, authorize=authorize, authorize_claim=authorize)
    queue_server.start()
    address = f"127.0.0.1:{queue_server.port}"
    client = QueueClient(address)
    try:
        _wait_ready(client, address)
        yield QueueEndpoint(address, client, embedded=True)
    finally:
        client.close()
        queue_server.stop(grace=1.0)


def _wait_ready(client: QueueClient, address: str) -> None:
    import grpc

    try:
        client.wait_ready(timeout=10.0)
    except grpc.FutureTimeoutError:
        raise NovaError(f"queue at {address} is not reachable") from None
