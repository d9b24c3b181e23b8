"""Ingress limits and the checks that enforce them on each task spec.

Every refusal names the offending field (`tasks[3].metadata["Key"]`) so a
producer can fix the request; the server turns it into INVALID_ARGUMENT.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from nova.queue.model import NewTask

TYPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}\Z")
SKILL_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}\Z")
METADATA_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}\Z")
# Printable text without control characters: metadata ends up in logs and tables.
PRINTABLE_RE = re.compile(r"^[^\x00-\x1f\x7f]*\Z")


@dataclass(frozen=True)
class Limits:
    max_payload_bytes: int = 1024 * 1024
    max_metadata_entries: int = 32
    max_metadata_value_chars: int = 512
    max_skills: int = 16
    max_idempotency_key_chars: int = 200
    max_batch: int = 1000
    max_attempts_cap: int = 100
    max_delay_seconds: float = 366 * 24 * 3600.0


class InvalidRequest(ValueError):
    """A request field broke a limit; `field` is a path into the request."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


def check_skills(skills: Sequence[str], where: str, limits: Limits) -> tuple[str, ...]:
    if len(skills) > limits.max_skills:
        raise InvalidRequest(where, f"at most {limits.max_skills} skills")
    for i, skill in enumerate(skills):
        if not SKILL_RE.match(skill):
            raise InvalidRequest(f"{where}[{i}]", "must match [a-z0-9][a-z0-9_.-]{0,63}")
    return tuple(sorted(set(skills)))


def check_metadata(metadata: Mapping[str, str], where: str, limits: Limits) -> dict[str, str]:
    if len(metadata) > limits.max_metadata_entries:
        raise InvalidRequest(where, f"at most {limits.max_metadata_entries} entries")
    for key, value in metadata.items():
        if not METADATA_KEY_RE.match(key):
            raise InvalidRequest(f"{where}[{key!r}]", "key must match [a-z0-9][a-z0-9_.-]{0,63}")
        if len(value) > limits.max_metadata_value_chars:
            raise InvalidRequest(
                f"{where}[{key!r}]", f"value longer than {limits.max_metadata_value_chars} chars"
            )
        if not PRINTABLE_RE.match(value):
            raise InvalidRequest(f"{where}[{key!r}]", "value has control characters")
    return dict(metadata)


@dataclass(frozen=True)
class SpecFields:
    """A task spec as it arrives, before any check: the wire and the CLI both fill it."""

    type: str
    payload: bytes
    metadata: Mapping[str, str]
    priority: int
    not_before: float
    skills: Sequence[str]
    idempotency_key: str
    max_attempts: int


def check_spec(
    spec: SpecFields, where: str, limits: Limits, now: float, default_attempts: int
) -> NewTask:
    if not TYPE_RE.match(spec.type):
        raise InvalidRequest(f"{where}.type", "must match [A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}")
    if len(spec.payload) > limits.max_payload_bytes:
        raise InvalidRequest(f"{where}.payload", f"larger than {limits.max_payload_bytes} bytes")
    if not 0 <= spec.priority <= 9:
        raise InvalidRequest(f"{where}.priority", "must be 0 to 9")
    if not 0 <= spec.not_before <= now + limits.max_delay_seconds:  # NaN too
        raise InvalidRequest(f"{where}.not_before", "must be within a year from now")
    key = spec.idempotency_key
    if len(key) > limits.max_idempotency_key_chars or not PRINTABLE_RE.match(key):
        raise InvalidRequest(
            f"{where}.idempotency_key",
            f"must be printable and at most {limits.max_idempotency_key_chars} chars",
        )
    if spec.max_attempts > limits.max_attempts_cap:
        raise InvalidRequest(f"{where}.max_attempts", f"at most {limits.max_attempts_cap}")
    return NewTask(
        type=spec.type,
        payload=spec.payload,
        metadata=check_metadata(spec.metadata, f"{where}.metadata", limits),
        priority=spec.priority,
        not_before=spec.not_before,
        skills=check_skills(spec.skills, f"{where}.skills", limits),
        idempotency_key=key,
        max_attempts=spec.max_attempts or default_attempts,
    )


def check_batch(
    specs: Sequence[SpecFields], limits: Limits, now: float, default_attempts: int
) -> list[NewTask]:
    if not specs:
        raise InvalidRequest("tasks", "at least one task")
    if len(specs) > limits.max_batch:
        raise InvalidRequest("tasks", f"at most {limits.max_batch} tasks per request")
    return [
        check_spec(spec, f"tasks[{i}]", limits, now, default_attempts)
        for i, spec in enumerate(specs)
    ]


class RateLimiter:
    """Tasks each identity may enqueue: `rate` a second on average, `burst` at once.

    One token bucket per identity, so a flood from one caller is refused
    (RESOURCE_EXHAUSTED) while the others go on.
    """

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # identity -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, identity: str, count: int) -> float:
        """0.0 when `count` tasks may go now; otherwise the seconds until they may."""
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(identity, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if count > tokens:
                self._buckets[identity] = (tokens, now)
                return (count - tokens) / self.rate if count <= self.burst else float("inf")
            self._buckets[identity] = (tokens - count, now)
            return 0.0
