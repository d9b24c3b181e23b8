from __future__ import annotations

from pathlib import Path

from nova.policy.cache import DecisionCache
from nova.policy.decision import Decision
from nova.policy.engine import PolicyEngine
from nova.policy.regopy_backend import RegopyBackend


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _decision(allow: bool = True) -> Decision:
    return Decision(allow=allow, policy="p")


def test_lru_evicts_least_recently_used() -> None:
    cache = DecisionCache(max_entries=2)
    cache.put(("r", "p", "a"), _decision())
    cache.put(("r", "p", "b"), _decision())
    assert cache.get(("r", "p", "a")) is not None
    cache.put(("r", "p", "c"), _decision())
    assert cache.get(("r", "p", "b")) is None
    assert cache.get(("r", "p", "a")) is not None
    assert len(cache) == 2


def test_entries_expire_after_ttl() -> None:
    clock = Clock()
    cache = DecisionCache(ttl_seconds=5, clock=clock)
    cache.put(("r", "p", "a"), _decision())
    clock.now = 4.9
    assert cache.get(("r", "p", "a")) is not None
    clock.now = 5.1
    assert cache.get(("r", "p", "a")) is None


def test_new_revision_empties_cache() -> None:
    cache = DecisionCache()
    cache.put(("r1", "p", "a"), _decision())
    assert cache.get(("r2", "p", "a")) is None
    assert cache.get(("r1", "p", "a")) is None


def test_engine_serves_hits_and_invalidates_on_policy_change(policy_copy: Path) -> None:
    engine = PolicyEngine(RegopyBackend(policy_copy), DecisionCache())
    document = {"identity": "w1", "role": "agent", "task_type": "code"}
    first = engine.decide("nova/queue", document)
    second = engine.decide("nova/queue", dict(reversed(list(document.items()))))
    assert (first.cached, second.cached) == (False, True)
    assert second.decision_id != first.decision_id
    queue = policy_copy / "queue.rego"
    queue.write_text(queue.read_text().replace('"agent": {"code"', '"agent": {"coding"'))
    third = engine.decide("nova/queue", document)
    assert third.cached is False
    assert third.allow is False
    assert third.revision != first.revision
