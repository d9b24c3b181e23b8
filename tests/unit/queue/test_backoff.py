"""Retry delays: exponential with equal jitter, capped, worker's request honoured."""

from __future__ import annotations

import random

from nova.queue.backoff import Backoff


def test_delay_doubles_per_attempt_within_jitter_bounds() -> None:
    backoff = Backoff(base=1.0, cap=300.0)
    rng = random.Random(7)
    for attempts, exp in [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0)]:
        delays = [backoff.delay(attempts, rng=rng) for _ in range(200)]
        assert all(exp / 2 <= d <= exp for d in delays)
        assert max(delays) - min(delays) > exp / 4  # jitter actually spreads them


def test_delay_is_capped() -> None:
    backoff = Backoff(base=1.0, cap=10.0)
    assert all(backoff.delay(30) <= 10.0 for _ in range(100))


def test_requested_delay_wins_but_is_capped() -> None:
    backoff = Backoff(base=1.0, cap=60.0)
    assert backoff.delay(1, requested=42.0) == 42.0
    assert backoff.delay(1, requested=600.0) == 60.0
