"""Hostile input at the queue's wire: every answer is a clean status, nothing hangs or is stored.

A real QueueServer over SQLite on a loopback port, once open and once with
bearer tokens. Hypothesis sends each method of nova.queue.v1.TaskQueue raw
bytes (random, truncated and bit-flipped protobufs) and well-formed
requests with hostile values in every field (unicode in every string, NaN
and huge numbers); fixed cases send messages and headers beyond the limits.
After every example the server must answer health and Stats within
ALIVE_WITHIN, a refused request must have stored nothing, and the task
leased to another worker (the victim) must still be leased to it: no forged
ack, nack, extend or heartbeat may settle or touch it.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from queue_wire import (
    MAX_MESSAGE,
    UNDECODABLE,
    VICTIM_WORKER,
    Answer,
    LiveQueue,
    damaged,
    requests,
    start_queue,
    stop_queue,
)

from nova.queue import rpc
from nova.queue.proto import queue_pb2 as pb

Code = grpc.StatusCode


def hostile(examples: int) -> settings:
    """Modest example counts: the integration tier holds a time budget."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


METHOD_NAMES = sorted(rpc.METHODS)
# Enqueue is the one method that stores: it gets a larger share of the examples.
WEIGHTED_METHODS = st.sampled_from([*METHOD_NAMES, *["Enqueue"] * 4])

# What a well-formed request may be answered with, per method. Refusals of a
# field are INVALID_ARGUMENT; an unknown task or stream is NOT_FOUND; a full
# queue is RESOURCE_EXHAUSTED. Never UNKNOWN (a handler crashed), INTERNAL or
# DEADLINE_EXCEEDED (a hang).
ALLOWED: dict[str, set[Code]] = {
    "Enqueue": {Code.OK, Code.INVALID_ARGUMENT, Code.RESOURCE_EXHAUSTED},
    "Dispatch": {Code.OK, Code.INVALID_ARGUMENT},
    "SetSlots": {Code.NOT_FOUND, Code.INVALID_ARGUMENT},
    "Dequeue": {Code.OK, Code.INVALID_ARGUMENT},
    "Ack": {Code.OK, Code.INVALID_ARGUMENT},
    "Nack": {Code.OK, Code.INVALID_ARGUMENT},
    "Extend": {Code.OK, Code.INVALID_ARGUMENT},
    "Heartbeat": {Code.OK, Code.INVALID_ARGUMENT},
    "Cancel": {Code.NOT_FOUND, Code.INVALID_ARGUMENT},
    "GetTask": {Code.NOT_FOUND, Code.INVALID_ARGUMENT},
    "ListTasks": {Code.OK, Code.INVALID_ARGUMENT},
    "Replay": {Code.OK, Code.INVALID_ARGUMENT},
    "Stats": {Code.OK},
}
REFUSED_SETTLE = {pb.SETTLE_STALE, pb.SETTLE_NOT_FOUND}


@pytest.fixture(params=["open", "tokens"])
def live(request: pytest.FixtureRequest, tmp_path: Path, nova_home: Path) -> Iterator[LiveQueue]:
    queue = start_queue(tmp_path, tokens=request.param == "tokens")
    yield queue
    stop_queue(queue)


def check_answer(live: LiveQueue, method: str, body: bytes, answer: Answer, before: int) -> None:
    """The oracle: `answer` is one the method may give for `body`, and storage agrees."""
    request_type, response_type = rpc.METHODS[method][1], rpc.METHODS[method][2]
    after = live.total()
    try:
        request = request_type.FromString(body)
    except Exception:  # any decode failure: grpc refuses it before the handler runs
        assert (answer.code, answer.details) == (Code.INTERNAL, UNDECODABLE), answer
        assert after == before
        return
    assert answer.code in ALLOWED[method], (method, answer.code, answer.details, request)
    if answer.code is not Code.OK:
        assert answer.details, "a refusal says why"
        assert after == before, f"refused {method} stored {after - before} task(s)"
        return
    assert answer.body is not None
    reply = response_type.FromString(answer.body)
    if method == "Enqueue":
        fresh = {r.task_id for r in reply.results if not r.duplicate}
        assert after == before + len(fresh)
        return
    assert after == before, f"{method} stored {after - before} task(s)"
    if method == "Ack":
        assert len(reply.statuses) == len(request.items)
        assert set(reply.statuses) <= REFUSED_SETTLE  # nobody's attempt can be guessed
    elif method in ("Nack", "Extend"):
        assert reply.status in REFUSED_SETTLE
    elif method == "Heartbeat":
        assert reply.leases == 0
    elif method == "Dispatch":
        assert reply.HasField("welcome")


@hostile(300)
@given(data=st.data(), method=st.sampled_from(METHOD_NAMES))
def test_damaged_protobufs_get_a_clean_status(
    live: LiveQueue, data: st.DataObject, method: str
) -> None:
    body = data.draw(damaged(method), label="body")
    before = live.total()
    answer = live.raw(method, body)
    check_answer(live, method, body, answer, before)
    live.assert_alive()


@hostile(400)
@given(data=st.data(), method=WEIGHTED_METHODS)
def test_hostile_values_in_every_field_get_a_clean_status(
    live: LiveQueue, data: st.DataObject, method: str
) -> None:
    request = data.draw(requests(method), label="request")
    body = request.SerializeToString()
    before = live.total()
    answer = live.raw(method, body)
    check_answer(live, method, body, answer, before)
    live.assert_alive()


# The documented rules (docs/queue.md), written out here rather than imported.
TYPE_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}")
NAME_OK = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]*")


def broken_fields(spec: pb.TaskSpec) -> set[str]:
    """Every field of tasks[0] that breaks a documented rule."""
    broken = set()
    if not TYPE_OK.fullmatch(spec.type):
        broken.add("tasks[0].type")
    if len(spec.skills) > 16 or not all(NAME_OK.fullmatch(s) for s in spec.skills):
        broken.add("tasks[0].skills")
        broken |= {f"tasks[0].skills[{i}]" for i in range(len(spec.skills))}
    if len(spec.metadata) > 32:
        broken.add("tasks[0].metadata")
    for key, value in spec.metadata.items():
        if not NAME_OK.fullmatch(key) or len(value) > 512 or not PRINTABLE.fullmatch(value):
            broken.add(f"tasks[0].metadata[{key!r}]")
    key = spec.idempotency_key
    if len(key) > 200 or not PRINTABLE.fullmatch(key):
        broken.add("tasks[0].idempotency_key")
    if spec.priority > 9:
        broken.add("tasks[0].priority")
    if not 0 <= spec.not_before <= time.time() + 365 * 86400:  # NaN is not a time
        broken.add("tasks[0].not_before")
    if spec.max_attempts > 100:
        broken.add("tasks[0].max_attempts")
    return broken


UNICODE = st.text(max_size=80) | st.text(
    st.characters(min_codepoint=0x80, exclude_categories=("Cs",)), max_size=20
)
# Text without the control characters the queue refuses; any other code point but surrogates,
# which UTF-8 (and so protobuf) cannot carry.
PRINTABLE_CHARS = st.characters(
    min_codepoint=0x20, exclude_characters="\x7f", exclude_categories=("Cs",)
)
PLAIN = st.text(PRINTABLE_CHARS, max_size=40)
# Each field of a spec drawn valid, or hostile. An example breaks at most two
# fields, so the hostile value of one is not hidden behind the refusal of another.
VALID_SPEC: dict[str, st.SearchStrategy[object]] = {
    "type": st.from_regex(TYPE_OK, fullmatch=True),
    "skills": st.lists(st.from_regex(NAME_OK, fullmatch=True), max_size=3),
    "metadata": st.dictionaries(st.from_regex(NAME_OK, fullmatch=True), PLAIN, max_size=3),
    "idempotency_key": PLAIN,
    "payload": st.binary(max_size=64),
    "priority": st.integers(0, 9),
    "not_before": st.just(0.0) | st.floats(1.0, time.time() + 86400),
    "max_attempts": st.integers(0, 100),
}
HOSTILE_SPEC: dict[str, st.SearchStrategy[object]] = {
    "type": UNICODE,
    "skills": st.lists(UNICODE, min_size=1, max_size=3) | st.lists(st.just("s"), min_size=17),
    "metadata": st.dictionaries(UNICODE, UNICODE, min_size=1, max_size=3),
    "idempotency_key": UNICODE | st.text(min_size=201, max_size=240),
    "payload": st.binary(max_size=64),
    "priority": st.integers(10, 2**32 - 1),
    "not_before": st.floats() | st.sampled_from([float("nan"), float("inf"), -1e-9]),
    "max_attempts": st.integers(101, 2**32 - 1),
}


@hostile(150)
@given(
    hostile_fields=st.sets(st.sampled_from(sorted(VALID_SPEC)), max_size=2),
    data=st.data(),
)
def test_task_fields_are_stored_exactly_or_refused_naming_the_field(
    live: LiveQueue, hostile_fields: set[str], data: st.DataObject
) -> None:
    fields = {
        name: data.draw((HOSTILE_SPEC if name in hostile_fields else VALID_SPEC)[name], label=name)
        for name in sorted(VALID_SPEC)
    }
    if fields["idempotency_key"]:  # one example's key is not the next one's
        fields["idempotency_key"] = f"{uuid.uuid4().hex[:8]}{fields['idempotency_key']}"
    spec = pb.TaskSpec(**fields)  # type: ignore[arg-type]
    before = live.total()
    answer = live.call("Enqueue", pb.EnqueueRequest(tasks=[spec]))
    broken = broken_fields(spec)
    if answer.code is Code.INVALID_ARGUMENT:
        assert answer.details.split(": ")[0] in broken, (answer.details, broken)
        assert live.total() == before
    else:
        assert answer.code is Code.OK and not broken, (answer.code, answer.details, broken)
        assert answer.body is not None
        task_id = pb.EnqueueResponse.FromString(answer.body).results[0].task_id
        stored = live.reply("GetTask", pb.GetTaskRequest(task_id=task_id))
        sent = {name: getattr(spec, name) for name in ("type", "payload", "idempotency_key")}
        assert {name: getattr(stored, name) for name in sent} == sent
        assert dict(stored.metadata) == dict(spec.metadata)
        assert sorted(stored.skills) == sorted(set(spec.skills))
        assert (stored.priority, stored.max_attempts) == (spec.priority, spec.max_attempts or 5)
        assert live.total() == before + 1
    live.assert_alive()


def enqueue_request(**spec: object) -> pb.EnqueueRequest:
    return pb.EnqueueRequest(tasks=[pb.TaskSpec(type=str(spec.pop("type", "t")), **spec)])  # type: ignore[arg-type]


OVERSIZED: list[tuple[str, str, object, Code, str]] = [
    # (case, method, request, code, what the details start with)
    ("message past max_message_bytes", "Enqueue",
     enqueue_request(payload=b"x" * (MAX_MESSAGE + 1)), Code.RESOURCE_EXHAUSTED, ""),
    ("payload past 1 MiB", "Enqueue",
     enqueue_request(payload=b"x" * (1024 * 1024 + 1)), Code.INVALID_ARGUMENT, "tasks[0].payload"),
    ("1001 tasks in a batch", "Enqueue",
     pb.EnqueueRequest(tasks=[pb.TaskSpec(type="t")] * 1001), Code.INVALID_ARGUMENT, "tasks:"),
    ("empty batch", "Enqueue", pb.EnqueueRequest(), Code.INVALID_ARGUMENT, "tasks:"),
    ("33 metadata entries", "Enqueue",
     enqueue_request(metadata={f"k{i}": "v" for i in range(33)}),
     Code.INVALID_ARGUMENT, "tasks[0].metadata:"),
    ("metadata value of 513 chars", "Enqueue",
     enqueue_request(metadata={"k": "v" * 513}), Code.INVALID_ARGUMENT, "tasks[0].metadata['k']"),
    ("17 skills", "Enqueue",
     enqueue_request(skills=[f"s{i}" for i in range(17)]),
     Code.INVALID_ARGUMENT, "tasks[0].skills"),
    ("type of 129 chars", "Enqueue",
     enqueue_request(type="t" * 129), Code.INVALID_ARGUMENT, "tasks[0].type"),
    ("idempotency key of 201 chars", "Enqueue",
     enqueue_request(idempotency_key="k" * 201), Code.INVALID_ARGUMENT, "tasks[0].idempotency_key"),
    ("not_before NaN", "Enqueue",
     enqueue_request(not_before=float("nan")), Code.INVALID_ARGUMENT, "tasks[0].not_before"),
    ("not_before infinite", "Enqueue",
     enqueue_request(not_before=float("inf")), Code.INVALID_ARGUMENT, "tasks[0].not_before"),
    ("priority 2**32-1", "Enqueue",
     enqueue_request(priority=2**32 - 1), Code.INVALID_ARGUMENT, "tasks[0].priority"),
    ("max_attempts 2**32-1", "Enqueue",
     enqueue_request(max_attempts=2**32 - 1), Code.INVALID_ARGUMENT, "tasks[0].max_attempts"),
    ("1001 acks", "Ack",
     pb.AckRequest(items=[pb.AckItem(task_id="a", attempt_id="b")] * 1001),
     Code.INVALID_ARGUMENT, "items:"),
    ("ack result past 1 MiB", "Ack",
     pb.AckRequest(items=[pb.AckItem(task_id="a", attempt_id="b", result=b"r" * (2**20 + 1))]),
     Code.INVALID_ARGUMENT, "items[0].result"),
    ("1001 attempts in a heartbeat", "Heartbeat",
     pb.HeartbeatRequest(worker_id="w", attempt_ids=["a"] * 1001),
     Code.INVALID_ARGUMENT, "attempt_ids:"),
    ("nack error of 4097 chars", "Nack",
     pb.NackRequest(task_id="a", attempt_id="b", error="e" * 4097),
     Code.INVALID_ARGUMENT, "error:"),
    ("nack delay infinite", "Nack",
     pb.NackRequest(task_id="a", attempt_id="b", retry_delay=float("inf")),
     Code.INVALID_ARGUMENT, "retry_delay:"),
    ("worker id of 129 chars", "Dequeue",
     pb.DequeueRequest(worker_id="w" * 129, max_tasks=1), Code.INVALID_ARGUMENT, "worker_id:"),
    ("dequeue 2**32-1 tasks", "Dequeue",
     pb.DequeueRequest(worker_id="w", max_tasks=2**32 - 1), Code.INVALID_ARGUMENT, "max_tasks:"),
    ("dispatch 2**32-1 slots", "Dispatch",
     pb.DispatchRequest(worker_id="w", slots=2**32 - 1), Code.INVALID_ARGUMENT, "slots:"),
    ("replay of 50,000 unknown ids", "Replay",
     pb.ReplayRequest(task_ids=[uuid.uuid4().hex for _ in range(50_000)]), Code.OK, ""),
    ("list 2**32-1 tasks", "ListTasks", pb.ListTasksRequest(limit=2**32 - 1), Code.OK, ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "request_message", "code", "details"),
    [case[1:] for case in OVERSIZED],
    ids=[case[0] for case in OVERSIZED],
)
def test_oversized_requests_are_refused_whole(
    live: LiveQueue, method: str, request_message: object, code: Code, details: str
) -> None:
    before = live.total()
    answer = live.call(method, request_message, timeout=20.0)
    assert answer.code is code, (answer.code, answer.details)
    assert answer.details.startswith(details)
    assert live.total() == before
    live.assert_alive()


@pytest.mark.parametrize(
    ("headers", "codes"),
    [
        ([("x-big", "a" * 65536)], {Code.RESOURCE_EXHAUSTED}),
        ([(f"x-h{i}", "v" * 40) for i in range(2000)], {Code.RESOURCE_EXHAUSTED}),
        ([("authorization", "Bearer " + "t" * 65536)], {Code.RESOURCE_EXHAUSTED}),
        # Between the soft (8 KiB) and hard (16 KiB) limits grpc refuses at random.
        ([("x-mid", "m" * 12000)], {Code.OK, Code.RESOURCE_EXHAUSTED}),
        ([("x-data-bin", b"\x00\xff" * 100)], {Code.OK}),
    ],
    ids=["one 64 KiB header", "2000 headers", "64 KiB token", "12 KB header", "binary header"],
)
def test_oversized_metadata_is_refused_and_stores_nothing(
    live: LiveQueue, headers: list[tuple[str, Any]], codes: set[Code]
) -> None:
    before = live.total()
    request = enqueue_request(type="meta.check")
    token = [] if any(k == "authorization" for k, _ in headers) else live.auth
    answer = live.call("Enqueue", request, metadata=headers + token)
    if "authorization" in dict(headers) and live.tokens:
        codes = codes | {Code.UNAUTHENTICATED}
    assert answer.code in codes, (answer.code, answer.details)
    expected = before + (1 if answer.code is Code.OK else 0)
    assert live.total() == expected
    live.assert_alive()


BODIES = st.tuples(st.text(max_size=20).map(lambda t: f"t.{len(t)}"), st.binary(max_size=32))


@hostile(25)
@given(key=st.text(PRINTABLE_CHARS, min_size=1, max_size=190),
       first=BODIES, second=BODIES)  # fmt: skip
def test_an_idempotency_key_seen_before_returns_the_first_task_unchanged(
    live: LiveQueue, key: str, first: tuple[str, bytes], second: tuple[str, bytes]
) -> None:
    key = f"{uuid.uuid4().hex[:8]}{key}"
    before = live.total()
    one = live.reply(
        "Enqueue", enqueue_request(type=first[0], payload=first[1], idempotency_key=key)
    ).results[0]
    two = live.reply(
        "Enqueue", enqueue_request(type=second[0], payload=second[1], idempotency_key=key)
    ).results[0]
    assert (one.duplicate, two.duplicate, two.task_id) == (False, True, one.task_id)
    stored = live.reply("GetTask", pb.GetTaskRequest(task_id=one.task_id))
    assert (stored.type, stored.payload, stored.idempotency_key) == (first[0], first[1], key)
    assert live.total() == before + 1
    live.assert_alive()


def race(live: LiveQueue, key: str, producers: int = 8) -> list[Answer]:
    """`producers` threads enqueue different bodies under one key at the same moment."""
    answers: list[Answer] = []
    start = threading.Barrier(producers)

    def enqueue(n: int) -> None:
        start.wait()
        request = enqueue_request(type=f"race.{n}", payload=bytes([n]), idempotency_key=key)
        answers.append(live.call("Enqueue", request))

    threads = [threading.Thread(target=enqueue, args=(n,)) for n in range(producers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_concurrent_enqueues_with_one_key_store_exactly_one_task(live: LiveQueue) -> None:
    for round_ in range(3):
        before = live.total()
        answers = race(live, f"race-{round_}-{uuid.uuid4().hex}")
        assert [a.code for a in answers] == [Code.OK] * 8
        results = [pb.EnqueueResponse.FromString(a.body or b"").results[0] for a in answers]
        assert len({r.task_id for r in results}) == 1
        assert sum(not r.duplicate for r in results) == 1
        assert live.total() == before + 1
    live.assert_alive()


FORGED_IDS = st.one_of(
    st.text(max_size=70),
    st.from_regex(r"[0-9a-f]{32}", fullmatch=True),
    st.from_regex(r"[0-9a-f]{32}", fullmatch=True).map(lambda h: h + "0000"),
    st.just(""),
)


@hostile(60)
@given(
    forged_attempt=FORGED_IDS,
    forged_task=FORGED_IDS,
    worker=st.text(max_size=40) | st.just(VICTIM_WORKER),
)
def test_forged_attempts_and_task_ids_settle_nothing(
    live: LiveQueue, forged_attempt: str, forged_task: str, worker: str
) -> None:
    victim, real = live.victim_id, live.victim_attempt
    if forged_attempt == real:
        forged_attempt += "0"
    before = live.total()
    attempts = [
        ("Ack", pb.AckRequest(items=[pb.AckItem(task_id=victim, attempt_id=forged_attempt)])),
        ("Ack", pb.AckRequest(items=[pb.AckItem(task_id=forged_task, attempt_id=real)])),
        ("Nack", pb.NackRequest(task_id=victim, attempt_id=forged_attempt, non_retryable=True)),
        ("Nack", pb.NackRequest(task_id=forged_task, attempt_id=real)),
        ("Extend", pb.ExtendRequest(task_id=victim, attempt_id=forged_attempt)),
        ("Extend", pb.ExtendRequest(task_id=forged_task, attempt_id=real)),
        ("Heartbeat", pb.HeartbeatRequest(worker_id=worker, attempt_ids=[forged_attempt])),
    ]
    if worker != VICTIM_WORKER:
        attempts.append(("Heartbeat", pb.HeartbeatRequest(worker_id=worker, attempt_ids=[real])))
    for method, request in attempts:
        answer = live.call(method, request)
        # A malformed id is INVALID_ARGUMENT; a well-formed one is answered with a
        # refusal in the reply: STALE (the attempt does not hold the lease) or NOT_FOUND.
        assert answer.code in {Code.OK, Code.INVALID_ARGUMENT}, (method, answer)
        if answer.code is Code.OK:
            reply = rpc.METHODS[method][2].FromString(answer.body)
            if method == "Ack":
                assert list(reply.statuses) in ([pb.SETTLE_STALE], [pb.SETTLE_NOT_FOUND])
            elif method == "Heartbeat":
                assert reply.leases == 0
            else:
                assert reply.status in REFUSED_SETTLE
    assert live.total() == before
    live.assert_alive()  # still leased to its worker, first attempt


def test_the_real_attempt_still_settles_the_victim_after_forgeries(live: LiveQueue) -> None:
    for forged in ("", "0" * 60, live.victim_attempt[:-1] + "x", live.victim_attempt.upper()):
        item = pb.AckItem(task_id=live.victim_id, attempt_id=forged)
        assert list(live.reply("Ack", pb.AckRequest(items=[item])).statuses) == [pb.SETTLE_STALE]
    live.assert_alive()
    item = pb.AckItem(task_id=live.victim_id, attempt_id=live.victim_attempt, result=b"done")
    assert list(live.reply("Ack", pb.AckRequest(items=[item])).statuses) == [pb.SETTLE_OK]
    task = live.reply("GetTask", pb.GetTaskRequest(task_id=live.victim_id))
    assert (task.state, task.result) == ("succeeded", b"done")


PRINTABLE_ASCII = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300)


@hostile(40)
@given(
    value=st.one_of(
        PRINTABLE_ASCII,
        PRINTABLE_ASCII.map(lambda t: f"Bearer {t}"),
        st.sampled_from(["Bearer", "Bearer ", "bearer " + "x" * 30, "Basic YWxpY2U6eA=="]),
    ),
    method=st.sampled_from(METHOD_NAMES),
)
def test_without_a_valid_token_every_method_is_unauthenticated(
    token_queue: LiveQueue, value: str, method: str
) -> None:
    before = token_queue.total()
    request = rpc.METHODS[method][1]()
    if method == "Enqueue":
        request = enqueue_request(type="forged.enqueue")
    for headers in ([("authorization", value)], []):
        answer = token_queue.call(method, request, metadata=headers)
        assert answer.code is Code.UNAUTHENTICATED, (method, value, answer)
    assert token_queue.total() == before
    token_queue.assert_alive()


@pytest.fixture(scope="module")
def token_queue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveQueue]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NOVA_HOME", str(tmp_path_factory.mktemp("home")))
        queue = start_queue(tmp_path_factory.mktemp("tokens"), tokens=True)
        yield queue
        stop_queue(queue)
