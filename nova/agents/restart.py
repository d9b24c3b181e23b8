"""When a stopped worker starts again: restart policy, backoff and start limit.

Pure arithmetic on timestamps from whatever clock the caller uses, so the
schedule can be checked on a fake clock.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

POLICIES = ("no", "on-failure", "always")


@dataclass(frozen=True)
class Backoff:
    initial: float = 1.0
    factor: float = 2.0
    max: float = 60.0
    jitter: float = 0.1  # a fraction: 0.1 spreads each delay by up to ±10 %

    def delay(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before the start that follows `failures` failures in a row."""
        if failures <= 0:
            return 0.0
        base = min(self.max, self.initial * self.factor ** (failures - 1))
        spread = base * self.jitter * (2.0 * rand() - 1.0)
        return max(0.0, min(self.max, base + spread))


@dataclass(frozen=True)
class StartLimit:
    """More than `burst` starts within `interval` seconds is fatal."""

    burst: int = 5
    interval: float = 60.0


@dataclass(frozen=True)
class RestartPolicy:
    policy: str = "on-failure"
    backoff: Backoff = field(default_factory=Backoff)
    start_limit: StartLimit = field(default_factory=StartLimit)
    reset_after: float = 120.0  # a run this long clears the failure count
    stop_grace: float = 10.0  # seconds between TERM and KILL

    def wants_restart(self, failed: bool) -> bool:
        return self.policy == "always" or (self.policy == "on-failure" and failed)


class StartHistory:
    """Recent start times, to enforce the start limit."""

    def __init__(self, limit: StartLimit) -> None:
        self.limit = limit
        self.starts: deque[float] = deque()

    def allows(self, now: float) -> bool:
        while self.starts and now - self.starts[0] >= self.limit.interval:
            self.starts.popleft()
        return len(self.starts) < self.limit.burst

    def record(self, now: float) -> None:
        self.starts.append(now)
