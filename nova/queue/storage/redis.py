"""Redis storage: every claim, lease and settlement is one atomic Lua script.

Run Redis with `appendonly yes`, `appendfsync everysec` and
`maxmemory-policy noeviction` (docs/queue.md): with eviction on, Redis may
drop task hashes under memory pressure, and without AOF a restart loses
everything since the last snapshot.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from nova.queue.model import (
    Cancelled,
    Claim,
    Enqueued,
    NewTask,
    Settle,
    State,
    Task,
    skillset_key,
    skillset_of,
)
from nova.queue.storage import redis_lua
from nova.queue.storage.base import QueueFull, Storage

# How long a worker's set of held tasks outlives its last claim or heartbeat,
# as a multiple of the lease: long enough that a live worker never loses it.
WORKER_KEY_LEASES = 4


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value


def _task(values: Sequence[Any]) -> Task:
    f = dict(zip(redis_lua.FIELDS, values, strict=True))
    return Task(
        id=_text(f["id"]),
        type=_text(f["type"]),
        payload=bytes(f["payload"] or b""),
        metadata=json.loads(_text(f["metadata"]) or "{}"),
        priority=int(f["priority"]),
        not_before=float(f["not_before"]),
        skills=tuple(sorted(skillset_of(_text(f["skillset"])))),
        state=State(_text(f["state"])),
        attempts=int(f["attempts"]),
        max_attempts=int(f["max_attempts"]),
        attempt_id=_text(f["attempt_id"]),
        worker_id=_text(f["worker_id"]),
        lease_until=float(f["lease_until"]),
        created_at=float(f["created_at"]),
        updated_at=float(f["updated_at"]),
        error=_text(f["error"]),
        result=bytes(f["result"] or b""),
        idempotency_key=_text(f["idempotency_key"]),
    )


def _settle(reply: bytes | str) -> Settle:
    return Settle(_text(reply))


class RedisStorage(Storage):
    def __init__(self, client: Any, *, prefix: str = "nova:queue:", lease_hint: float = 30.0):
        self.client = client
        self.prefix = prefix
        self.worker_ttl = lease_hint * WORKER_KEY_LEASES
        self._scripts = {
            name: client.register_script(getattr(redis_lua, name))
            for name in (
                "ENQUEUE", "CLAIM", "ACK", "NACK", "EXTEND", "HEARTBEAT", "EXPIRE",
                "RELEASE", "CANCEL", "REPLAY", "PURGE",
            )
        }  # fmt: skip

    @classmethod
    def connect(cls, url: str, *, prefix: str = "nova:queue:") -> RedisStorage:
        import redis

        return cls(redis.Redis.from_url(url, decode_responses=False), prefix=prefix)

    def _run(self, name: str, *args: Any, client: Any = None) -> Any:
        return self._scripts[name](keys=[], args=[self.prefix, *args], client=client)

    def enqueue(
        self, tasks: Sequence[NewTask], *, now: float, dedup_window: float, max_depth: int
    ) -> list[Enqueued]:
        args: list[Any] = [repr(now), repr(dedup_window), max_depth, len(tasks)]
        for t in tasks:
            args += [
                uuid.uuid4().hex,
                t.type,
                t.payload,
                json.dumps(t.metadata, sort_keys=True),
                t.priority,
                repr(t.not_before),
                skillset_key(t.skills),
                t.max_attempts,
                t.idempotency_key,
            ]
        reply = self._run("ENQUEUE", *args)
        if _text(reply[0]) == "full":
            raise QueueFull(int(reply[1]), max_depth)
        pairs = reply[1:]
        return [
            Enqueued(_text(pairs[i]), duplicate=_text(pairs[i + 1]) == "1")
            for i in range(0, len(pairs), 2)
        ]

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
        if limit <= 0:
            return []
        lease_until = now + lease_seconds
        rows = self._run(
            "CLAIM",
            repr(now),
            worker_id,
            limit,
            repr(lease_until),
            repr(max(self.worker_ttl, lease_seconds * WORKER_KEY_LEASES)),
            skillset_key(skills),
            attempt_prefix,
            "1" if skilled_only else "0",
        )
        claims = [_task(row) for row in rows]
        return [Claim(task, task.attempt_id, lease_until) for task in claims]

    def ack(
        self, task_id: str, attempt_id: str, result: bytes, *, now: float, result_ttl: float
    ) -> Settle:
        return _settle(self._run("ACK", task_id, attempt_id, result, repr(now), repr(result_ttl)))

    def ack_many(
        self, items: Sequence[tuple[str, str, bytes]], *, now: float, result_ttl: float
    ) -> list[Settle]:
        """Settle a batch in one round trip; each ack is still its own atomic script."""
        pipe = self.client.pipeline(transaction=False)
        for task_id, attempt_id, result in items:
            self._run("ACK", task_id, attempt_id, result, repr(now), repr(result_ttl), client=pipe)
        return [_settle(reply) for reply in pipe.execute()]

    def nack(
        self, task_id: str, attempt_id: str, error: str, *, now: float, retry_at: float | None
    ) -> Settle:
        retry = "" if retry_at is None else repr(retry_at)
        return _settle(self._run("NACK", task_id, attempt_id, error, repr(now), retry))

    def extend(self, task_id: str, attempt_id: str, *, lease_until: float) -> Settle:
        return _settle(self._run("EXTEND", task_id, attempt_id, repr(lease_until)))

    def heartbeat(self, worker_id: str, attempt_ids: Sequence[str], *, lease_until: float) -> int:
        return int(
            self._run(
                "HEARTBEAT", worker_id, repr(lease_until), repr(self.worker_ttl), *attempt_ids
            )
        )

    def expire_leases(self, *, now: float) -> list[str]:
        return [_text(i) for i in self._run("EXPIRE", repr(now))]

    def release_worker(self, worker_id: str, *, now: float) -> list[str]:
        return [_text(i) for i in self._run("RELEASE", worker_id, repr(now))]

    def cancel(self, task_id: str, *, now: float, result_ttl: float) -> Cancelled | None:
        reply = self._run("CANCEL", task_id, repr(now), repr(result_ttl))
        if not reply:
            return None
        return Cancelled(State(_text(reply[0])), _text(reply[1]), _text(reply[2]))

    def replay(self, task_ids: Sequence[str] | None, *, now: float) -> list[str]:
        if task_ids is None:
            task_ids = [_text(i) for i in self.client.zrange(self.prefix + "dead", 0, -1)]
        if not task_ids:
            return []
        return [_text(i) for i in self._run("REPLAY", repr(now), *task_ids)]

    def get(self, task_id: str) -> Task | None:
        values = self.client.hmget(self.prefix + "t:" + task_id, redis_lua.FIELDS)
        return _task(values) if values[0] is not None else None

    def _index(self, state: State) -> list[str]:
        p = self.prefix
        if state is State.QUEUED:
            keys = [p + "ready:" + _text(k) for k in self.client.smembers(p + "skillsets")]
            keys.append(p + "delayed")
        elif state is State.LEASED:
            keys = [p + "leases"]
        elif state is State.DEAD:
            keys = [p + "dead"]
        else:
            keys = [p + "done:" + state.value]
        return keys

    def list_tasks(self, state: State | None, *, limit: int) -> list[Task]:
        states = [state] if state is not None else list(State)
        tasks: list[Task] = []
        for s in states:
            for key in self._index(s):
                for task_id in self.client.zrange(key, 0, limit - 1):
                    task = self.get(_text(task_id))
                    if task is not None and task.state is s:
                        tasks.append(task)
                    if len(tasks) >= limit:
                        return tasks
        return tasks

    def counts(self, *, now: float) -> dict[str, int]:
        p, c = self.prefix, self.client
        pipe = c.pipeline(transaction=False)
        skillsets = [_text(k) for k in c.smembers(p + "skillsets")]
        for k in skillsets:
            pipe.zcard(p + "ready:" + k)
        pipe.zcount(p + "delayed", "-inf", repr(now))
        pipe.zcount(p + "delayed", f"({now!r}", "+inf")
        pipe.zcard(p + "leases")
        pipe.zcard(p + "dead")
        pipe.zcard(p + "done:succeeded")
        pipe.zcard(p + "done:cancelled")
        replies = pipe.execute()
        ready = sum(replies[: len(skillsets)])
        due, delayed, leased, dead, succeeded, cancelled = replies[len(skillsets) :]
        return {
            State.QUEUED.value: ready + due,
            "delayed": delayed,
            State.LEASED.value: leased,
            State.DEAD.value: dead,
            State.SUCCEEDED.value: succeeded,
            State.CANCELLED.value: cancelled,
        }

    def next_due(self, *, now: float) -> float | None:
        head = self.client.zrangebyscore(
            self.prefix + "delayed", f"({now!r}", "+inf", start=0, num=1, withscores=True
        )
        return float(head[0][1]) if head else None

    def purge(self, *, now: float) -> int:
        return int(self._run("PURGE", repr(now)))

    def close(self) -> None:
        self.client.close()
