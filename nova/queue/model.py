"""The task as storage and the server see it, independent of the wire format."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field


class State(enum.StrEnum):
    QUEUED = "queued"  # waiting; due once now >= not_before
    LEASED = "leased"
    SUCCEEDED = "succeeded"
    DEAD = "dead"
    CANCELLED = "cancelled"


TERMINAL = frozenset({State.SUCCEEDED, State.DEAD, State.CANCELLED})


class Settle(enum.Enum):
    """How a request that presents an attempt id was received."""

    OK = "ok"
    STALE = "stale"  # the attempt no longer holds the lease
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class NewTask:
    """A validated task on its way into storage."""

    type: str
    payload: bytes = b""
    metadata: dict[str, str] = field(default_factory=dict)
    priority: int = 0
    not_before: float = 0.0
    skills: tuple[str, ...] = ()
    idempotency_key: str = ""
    max_attempts: int = 5


@dataclass(frozen=True)
class Task:
    id: str
    type: str
    payload: bytes
    metadata: dict[str, str]
    priority: int
    not_before: float
    skills: tuple[str, ...]
    state: State
    attempts: int
    max_attempts: int
    attempt_id: str
    worker_id: str
    lease_until: float
    created_at: float
    updated_at: float
    error: str
    result: bytes
    idempotency_key: str


@dataclass(frozen=True)
class Enqueued:
    task_id: str
    duplicate: bool


@dataclass(frozen=True)
class Claim:
    """A task handed to a worker under a lease, with the attempt that holds it."""

    task: Task
    attempt_id: str
    lease_until: float


@dataclass(frozen=True)
class Cancelled:
    """What a cancel found: the task's prior state and, if leased, who held it."""

    previous: State
    worker_id: str
    attempt_id: str


def skillset_key(skills: tuple[str, ...] | frozenset[str] | list[str]) -> str:
    """One canonical key per set of required skills, so claims match whole groups."""
    return ",".join(sorted(set(skills)))


def skillset_of(key: str) -> frozenset[str]:
    return frozenset(key.split(",")) if key else frozenset()


def attempt_prefix() -> str:
    """Fresh random hex for one claim; its attempts are the prefix plus their index.

    One random draw per claim, not per task: the dispatcher offers a stream
    all its free slots (often hundreds) while a claim usually finds a few.
    """
    return os.urandom(14).hex()


def attempt_id(prefix: str, index: int) -> str:
    """The id of the `index`th (0-based) task of a claim; the Redis script builds the same."""
    return f"{prefix}{index:04x}"
