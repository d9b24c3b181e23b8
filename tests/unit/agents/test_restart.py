"""Backoff schedule, cap, jitter bounds and the start limit window, as arithmetic."""

from __future__ import annotations

import pytest

from nova.agents.restart import Backoff, RestartPolicy, StartHistory, StartLimit


def test_backoff_doubles_then_stops_at_the_cap() -> None:
    backoff = Backoff(initial=1.0, factor=2.0, max=10.0, jitter=0.0)
    assert [backoff.delay(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert backoff.delay(0) == 0.0


@pytest.mark.parametrize(("rand", "expected"), [(0.0, 3.6), (0.5, 4.0), (1.0, 4.4)])
def test_jitter_spreads_each_delay_within_its_fraction(rand: float, expected: float) -> None:
    backoff = Backoff(initial=1.0, factor=2.0, max=60.0, jitter=0.1)
    assert backoff.delay(3, rand=lambda: rand) == pytest.approx(expected)


def test_jitter_never_passes_the_cap() -> None:
    backoff = Backoff(initial=1.0, factor=2.0, max=5.0, jitter=0.5)
    assert backoff.delay(10, rand=lambda: 1.0) == 5.0


def test_start_limit_counts_starts_inside_the_window_only() -> None:
    history = StartHistory(StartLimit(burst=3, interval=10.0))
    for t in (0.0, 1.0, 2.0):
        assert history.allows(t)
        history.record(t)
    assert not history.allows(5.0)
    assert history.allows(10.0)  # the start at 0.0 has left the window


@pytest.mark.parametrize(
    ("policy", "failed", "restart"),
    [
        ("no", True, False),
        ("on-failure", True, True),
        ("on-failure", False, False),
        ("always", False, True),
        ("always", True, True),
    ],
)
def test_restart_policies(policy: str, failed: bool, restart: bool) -> None:
    assert RestartPolicy(policy=policy).wants_restart(failed) is restart
