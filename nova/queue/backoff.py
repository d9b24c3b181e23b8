"""When a nacked task runs again: exponential backoff with jitter, capped."""

from __future__ import annotations

import random
from dataclasses import dataclass

_RNG = random.Random()


@dataclass(frozen=True)
class Backoff:
    base: float = 1.0
    cap: float = 300.0

    def delay(
        self, attempts: int, requested: float = 0.0, rng: random.Random | None = None
    ) -> float:
        """Delay before the next attempt, after `attempts` have been made.

        A delay the worker asked for wins over the computed one, but both are
        capped. Equal jitter keeps at least half the computed delay, so
        retries spread out without collapsing to zero.
        """
        if requested > 0:
            return min(requested, self.cap)
        exp = min(self.cap, self.base * 2.0 ** max(attempts - 1, 0))
        jitter = (rng or _RNG).uniform(0, exp / 2)
        return exp / 2 + jitter
