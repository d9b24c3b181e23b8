"""The contract every storage backend keeps, run against SQLite and a real Redis."""

from __future__ import annotations

import pytest

from nova.queue.model import NewTask, Settle, State, attempt_prefix
from nova.queue.storage.base import QueueFull, Storage

NOW = 1_700_000_000.0
LEASE = 30.0
TTL = 3600.0


def put(store: Storage, *tasks: NewTask, now: float = NOW, max_depth: int = 10_000) -> list[str]:
    results = store.enqueue(list(tasks), now=now, dedup_window=60.0, max_depth=max_depth)
    return [r.task_id for r in results]


def take(store: Storage, n: int = 10, skills: frozenset[str] = frozenset(), **kw: float):  # type: ignore[no-untyped-def]
    now = kw.get("now", NOW)
    return store.claim(
        "w1", skills, n, now=now, lease_seconds=LEASE, attempt_prefix=attempt_prefix()
    )


def test_enqueue_then_get_round_trips_every_field(storage: Storage) -> None:
    spec = NewTask(
        type="build.image",
        payload=b"\x00\xffbinary",
        metadata={"owner": "ops", "run": "r-1"},
        priority=7,
        skills=("gpu", "arm64"),
        idempotency_key="k-1",
        max_attempts=3,
    )
    (task_id,) = put(storage, spec)
    task = storage.get(task_id)
    assert task is not None
    assert (task.type, task.payload, task.metadata) == (spec.type, spec.payload, spec.metadata)
    assert (task.priority, task.skills, task.max_attempts) == (7, ("arm64", "gpu"), 3)
    assert task.state is State.QUEUED and task.attempts == 0
    assert task.not_before == NOW and task.idempotency_key == "k-1"
    assert storage.get("missing") is None


def test_duplicate_idempotency_key_returns_existing_id_within_window(storage: Storage) -> None:
    first = storage.enqueue([NewTask("t", idempotency_key="same")], now=NOW, dedup_window=60,
                            max_depth=100)  # fmt: skip
    again = storage.enqueue(
        [NewTask("t", idempotency_key="same"), NewTask("t", idempotency_key="other")],
        now=NOW + 10, dedup_window=60, max_depth=100,
    )  # fmt: skip
    assert again[0].task_id == first[0].task_id and again[0].duplicate
    assert not again[1].duplicate
    assert storage.counts(now=NOW + 10)["queued"] == 2


def test_duplicate_inside_one_batch_is_stored_once(storage: Storage) -> None:
    got = storage.enqueue([NewTask("t", idempotency_key="k")] * 3, now=NOW, dedup_window=60,
                          max_depth=100)  # fmt: skip
    assert len({r.task_id for r in got}) == 1
    assert [r.duplicate for r in got] == [False, True, True]


def test_claim_orders_by_priority_then_arrival(storage: Storage) -> None:
    low, high1, mid, high2 = put(
        storage, NewTask("t", priority=1), NewTask("t", priority=9), NewTask("t", priority=5),
        NewTask("t", priority=9),
    )  # fmt: skip
    claimed = [c.task.id for c in take(storage, 10)]
    assert claimed == [high1, high2, mid, low]


def test_each_claimed_task_gets_its_own_attempt_id_from_the_prefix(storage: Storage) -> None:
    put(storage, *[NewTask("t", priority=p) for p in (1, 9, 5)])
    claims = storage.claim("w1", frozenset(), 10, now=NOW, lease_seconds=LEASE,
                           attempt_prefix="p" * 28)  # fmt: skip
    assert [c.attempt_id for c in claims] == ["p" * 28 + f"{i:04x}" for i in range(3)]
    for claim in claims:
        stored = storage.get(claim.task.id)
        assert stored is not None and stored.attempt_id == claim.attempt_id


def test_claim_only_hands_out_tasks_whose_skills_the_worker_has(storage: Storage) -> None:
    plain, gpu, both = put(
        storage, NewTask("t"), NewTask("t", skills=("gpu",)), NewTask("t", skills=("gpu", "arm"))
    )
    assert [c.task.id for c in take(storage, 10, frozenset({"arm"}))] == [plain]
    assert [c.task.id for c in take(storage, 10, frozenset({"gpu"}))] == [gpu]
    assert [c.task.id for c in take(storage, 10, frozenset({"gpu", "arm", "x"}))] == [both]


def test_delayed_task_is_not_claimed_before_it_is_due(storage: Storage) -> None:
    (task_id,) = put(storage, NewTask("t", not_before=NOW + 60))
    assert take(storage, 5) == []
    assert storage.counts(now=NOW)["delayed"] == 1
    assert storage.next_due(now=NOW) == NOW + 60
    claims = take(storage, 5, now=NOW + 61)
    assert [c.task.id for c in claims] == [task_id]
    assert take(storage, 5, now=NOW + 62) == []


def test_claim_respects_limit_and_never_hands_a_task_out_twice(storage: Storage) -> None:
    put(storage, *[NewTask("t") for _ in range(7)])
    first = take(storage, 4)
    second = take(storage, 10)
    assert len(first) == 4 and len(second) == 3
    assert not {c.task.id for c in first} & {c.task.id for c in second}
    assert all(c.task.state is State.LEASED and c.task.attempts == 1 for c in first)


def test_ack_with_current_attempt_succeeds_and_stale_attempt_is_rejected(
    storage: Storage,
) -> None:
    (task_id,) = put(storage, NewTask("t"))
    (claim,) = take(storage)
    assert storage.ack(task_id, "not-the-attempt", b"", now=NOW, result_ttl=TTL) is Settle.STALE
    assert storage.ack(task_id, claim.attempt_id, b"done", now=NOW, result_ttl=TTL) is Settle.OK
    assert storage.ack(task_id, claim.attempt_id, b"", now=NOW, result_ttl=TTL) is Settle.STALE
    assert storage.ack("nope", claim.attempt_id, b"", now=NOW, result_ttl=TTL) is Settle.NOT_FOUND
    task = storage.get(task_id)
    assert task is not None and task.state is State.SUCCEEDED and task.result == b"done"


def test_late_ack_after_lease_expiry_cannot_complete_the_redelivered_task(
    storage: Storage,
) -> None:
    (task_id,) = put(storage, NewTask("t"))
    (old,) = take(storage)
    assert storage.expire_leases(now=NOW + LEASE + 1) == [task_id]
    (new,) = take(storage, now=NOW + LEASE + 2)
    assert new.task.id == task_id and new.task.attempts == 2
    assert storage.ack(task_id, old.attempt_id, b"", now=NOW, result_ttl=TTL) is Settle.STALE
    assert storage.nack(task_id, old.attempt_id, "x", now=NOW, retry_at=None) is Settle.STALE
    assert storage.extend(task_id, old.attempt_id, lease_until=NOW + 999) is Settle.STALE
    task = storage.get(task_id)
    assert task is not None and task.state is State.LEASED and task.attempt_id == new.attempt_id


def test_heartbeat_extends_only_the_attempts_the_worker_names(storage: Storage) -> None:
    """A lease the worker does not know it holds (a lost delivery) runs out."""
    put(storage, NewTask("t"), NewTask("t"))
    first, second = take(storage)
    assert storage.heartbeat("w1", [first.attempt_id, "unknown"], lease_until=NOW + 100) == 1
    assert storage.heartbeat("w1", [], lease_until=NOW + 100) == 0
    assert storage.expire_leases(now=NOW + LEASE + 1) == [second.task.id]
    assert storage.expire_leases(now=NOW + 101) == [first.task.id]


def test_heartbeat_and_extend_push_the_lease_out(storage: Storage) -> None:
    a, b = put(storage, NewTask("t"), NewTask("t"))
    claims = take(storage)
    held = [c.attempt_id for c in claims]
    assert storage.heartbeat("w1", held, lease_until=NOW + 100) == 2
    assert storage.heartbeat("someone-else", held, lease_until=NOW + 100) == 0
    assert storage.extend(a, claims[0].attempt_id, lease_until=NOW + 200) is Settle.OK
    assert storage.expire_leases(now=NOW + 99) == []
    assert storage.expire_leases(now=NOW + 101) == [b]
    assert storage.expire_leases(now=NOW + 201) == [a]


def test_nack_retries_at_the_given_time_then_dead_when_retry_is_none(storage: Storage) -> None:
    (task_id,) = put(storage, NewTask("t", max_attempts=5))
    (c1,) = take(storage)
    assert storage.nack(task_id, c1.attempt_id, "boom", now=NOW, retry_at=NOW + 5) is Settle.OK
    assert take(storage, now=NOW + 4) == []
    (c2,) = take(storage, now=NOW + 5)
    assert c2.task.error == "boom" and c2.task.attempts == 2
    assert storage.nack(task_id, c2.attempt_id, "fatal", now=NOW + 6, retry_at=None) is Settle.OK
    task = storage.get(task_id)
    assert task is not None and task.state is State.DEAD and task.error == "fatal"
    assert [t.id for t in storage.list_tasks(State.DEAD, limit=10)] == [task_id]


def test_expired_lease_on_last_attempt_goes_dead_and_replay_revives_it(storage: Storage) -> None:
    (task_id,) = put(storage, NewTask("t", max_attempts=2))
    for round_ in range(2):
        now = NOW + round_ * 100
        assert len(take(storage, now=now)) == 1
        assert storage.expire_leases(now=now + LEASE + 1) == [task_id]
    task = storage.get(task_id)
    assert task is not None and task.state is State.DEAD and task.attempts == 2
    assert storage.replay(None, now=NOW + 500) == [task_id]
    assert storage.replay([task_id], now=NOW + 500) == []  # no longer dead
    (claim,) = take(storage, now=NOW + 501)
    assert claim.task.attempts == 1


def test_release_worker_returns_only_its_tasks(storage: Storage) -> None:
    mine, theirs = put(storage, NewTask("t"), NewTask("t"))
    for worker in ("w1", "w2"):
        storage.claim(worker, frozenset(), 1, now=NOW, lease_seconds=LEASE,
                      attempt_prefix=attempt_prefix())  # fmt: skip
    assert storage.release_worker("w1", now=NOW + 1) == [mine]
    assert storage.counts(now=NOW + 1)["leased"] == 1
    (again,) = storage.claim("w3", frozenset(), 5, now=NOW + 2, lease_seconds=LEASE,
                             attempt_prefix=attempt_prefix())  # fmt: skip
    assert again.task.id == mine
    assert theirs != mine


def test_cancel_queued_and_leased_tasks_and_leave_terminal_ones(storage: Storage) -> None:
    queued, leased = put(storage, NewTask("t", priority=0), NewTask("t", priority=9))
    (claim,) = take(storage, 1)
    assert claim.task.id == leased
    gone = storage.cancel(leased, now=NOW, result_ttl=TTL)
    assert gone is not None and gone.previous is State.LEASED
    assert (gone.worker_id, gone.attempt_id) == ("w1", claim.attempt_id)
    assert storage.ack(leased, claim.attempt_id, b"", now=NOW, result_ttl=TTL) is Settle.STALE
    first = storage.cancel(queued, now=NOW, result_ttl=TTL)
    assert first is not None and first.previous is State.QUEUED
    assert take(storage) == []
    again = storage.cancel(queued, now=NOW, result_ttl=TTL)
    assert again is not None and again.previous is State.CANCELLED
    assert storage.cancel("missing", now=NOW, result_ttl=TTL) is None
    assert storage.counts(now=NOW)["cancelled"] == 2


def test_queue_full_refuses_the_whole_batch(storage: Storage) -> None:
    put(storage, NewTask("t"), NewTask("t"), max_depth=3)
    with pytest.raises(QueueFull):
        put(storage, NewTask("t"), NewTask("t"), max_depth=3)
    assert sum(storage.counts(now=NOW).values()) == 2
    put(storage, NewTask("t"), max_depth=3)


def test_settled_results_are_purged_after_their_ttl(storage: Storage) -> None:
    (task_id,) = put(storage, NewTask("t"))
    (claim,) = take(storage)
    storage.ack(task_id, claim.attempt_id, b"r", now=NOW, result_ttl=10.0)
    storage.purge(now=NOW + 5)
    assert storage.counts(now=NOW + 5)["succeeded"] == 1
    storage.purge(now=NOW + 11)
    assert storage.counts(now=NOW + 11)["succeeded"] == 0


def test_ack_many_settles_each_item_on_its_own(storage: Storage) -> None:
    a, b = put(storage, NewTask("t"), NewTask("t"))
    ca, cb = take(storage)
    got = storage.ack_many(
        [(ca.task.id, ca.attempt_id, b""), (cb.task.id, "stale", b""), ("gone", "x", b"")],
        now=NOW, result_ttl=TTL,
    )  # fmt: skip
    assert got == [Settle.OK, Settle.STALE, Settle.NOT_FOUND]
    assert {a, b} == {ca.task.id, cb.task.id}


def test_list_by_state(storage: Storage) -> None:
    a, b = put(storage, NewTask("t"), NewTask("t", priority=9))
    take(storage, 1)
    assert [t.id for t in storage.list_tasks(State.LEASED, limit=10)] == [b]
    assert [t.id for t in storage.list_tasks(State.QUEUED, limit=10)] == [a]
    assert {t.id for t in storage.list_tasks(None, limit=10)} == {a, b}
