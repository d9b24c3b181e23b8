"""A live queue server for hostile-input tests, called by method name with raw bytes.

The server is the real `QueueServer` over SQLite on a free loopback port,
with or without bearer tokens. Every call carries a deadline, so a hang is a
DEADLINE_EXCEEDED the tests refuse rather than a stuck run. A "victim" task
is leased to another worker when the server starts: hostile requests must
never settle it, and only its real attempt may.

(Named queue_wire, not conftest: the integration folders each have a
conftest, and a second module importable as `conftest` would clash.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.descriptor import FieldDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import strategies as st

from nova.queue import rpc
from nova.queue.auth import TokenAuth
from nova.queue.config import ServerConfig
from nova.queue.policy import LOCAL_ROLES, RoleBook, policy_authorizer
from nova.queue.proto import queue_pb2 as pb
from nova.queue.server import QueueServer
from nova.queue.storage.sqlite import SqliteStorage

TOKEN = "wire-token-0123456789abcdef"
MAX_MESSAGE = 4 * 1024 * 1024
CALL_DEADLINE = 5.0
ALIVE_WITHIN = 2.0
VICTIM_WORKER = "victim-worker"
VICTIM_SKILL = "victim-only"
UNDECODABLE = "Exception deserializing request!"  # grpc's own answer, before any handler


@dataclass
class Answer:
    code: grpc.StatusCode
    details: str
    body: bytes | None  # the first response message, when the call succeeded


@dataclass
class LiveQueue:
    server: QueueServer
    channel: grpc.Channel
    tokens: bool
    victim_id: str = ""
    victim_attempt: str = field(default="", repr=False)

    @property
    def auth(self) -> list[tuple[str, str]]:
        """The metadata a legitimate caller sends."""
        return [("authorization", f"Bearer {TOKEN}")] if self.tokens else []

    def raw(
        self,
        method: str,
        body: bytes,
        metadata: list[tuple[str, str]] | None = None,
        timeout: float = CALL_DEADLINE,
    ) -> Answer:
        """`body` sent as it is to `method`; the status and first reply, never an exception."""
        streams = rpc.METHODS[method][0]
        path = f"/{rpc.SERVICE}/{method}"
        headers = self.auth if metadata is None else metadata
        try:
            if streams:
                call = self.channel.unary_stream(path)(body, timeout=timeout, metadata=headers)
                try:
                    first = next(call)
                finally:
                    call.cancel()
                return Answer(grpc.StatusCode.OK, "", first)
            reply = self.channel.unary_unary(path)(body, timeout=timeout, metadata=headers)
            return Answer(grpc.StatusCode.OK, "", reply)
        except grpc.RpcError as exc:
            return Answer(exc.code(), exc.details() or "", None)

    def call(self, method: str, request: Any, **kwargs: Any) -> Answer:
        return self.raw(method, request.SerializeToString(), **kwargs)

    def reply(self, method: str, request: Any) -> Any:
        """A call that must succeed, parsed."""
        answer = self.call(method, request)
        assert answer.code is grpc.StatusCode.OK, (method, answer.code, answer.details)
        assert answer.body is not None
        return rpc.METHODS[method][2].FromString(answer.body)

    def stats(self) -> pb.StatsResponse:
        started = time.monotonic()
        stats = self.reply("Stats", pb.StatsRequest())
        assert time.monotonic() - started < ALIVE_WITHIN, "Stats answered slowly"
        return stats

    def total(self) -> int:
        """Every task stored, in any state."""
        return sum(self.stats().states.values())

    def assert_alive(self) -> None:
        """The server answers health and Stats promptly, and the victim is untouched."""
        started = time.monotonic()
        health = health_pb2_grpc.HealthStub(self.channel)
        reply = health.Check(
            health_pb2.HealthCheckRequest(service=rpc.SERVICE), timeout=ALIVE_WITHIN
        )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        self.stats()
        assert time.monotonic() - started < ALIVE_WITHIN
        victim = self.reply("GetTask", pb.GetTaskRequest(task_id=self.victim_id))
        assert (victim.state, victim.worker_id, victim.attempts) == ("leased", VICTIM_WORKER, 1)


def start_queue(folder: Path, tokens: bool) -> LiveQueue:
    config = ServerConfig(
        port=0,
        lease_seconds=900.0,  # the victim keeps its lease for the whole test
        heartbeat_interval=300.0,
        heartbeat_timeout=900.0,
        max_message_bytes=MAX_MESSAGE,
        threads=8,
    )
    auth = TokenAuth({"alice": TOKEN}) if tokens else None
    # The token's holder is an admin: the hostile requests test the wire, not the roles.
    book = RoleBook({"alice": "admin"}) if tokens else LOCAL_ROLES
    server = QueueServer(
        SqliteStorage(folder / "queue.db"),
        config,
        auth=auth,
        authorize=policy_authorizer(book),
        authorize_claim=policy_authorizer(book, action="claim"),
    )
    server.start()
    channel = grpc.insecure_channel(
        f"127.0.0.1:{server.port}",
        options=[("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)],
    )
    live = LiveQueue(server, channel, tokens)
    spec = pb.TaskSpec(type="victim.task", payload=b"secret", skills=[VICTIM_SKILL], priority=9)
    live.victim_id = live.reply("Enqueue", pb.EnqueueRequest(tasks=[spec])).results[0].task_id
    claim = live.reply(
        "Dequeue", pb.DequeueRequest(worker_id=VICTIM_WORKER, skills=[VICTIM_SKILL], max_tasks=1)
    )
    assert [d.task.id for d in claim.deliveries] == [live.victim_id]
    live.victim_attempt = claim.deliveries[0].attempt_id
    return live


def stop_queue(live: LiveQueue) -> None:
    live.channel.close()
    live.server.stop(grace=0)


# Hostile values for every field of every request, from the proto's own descriptors.

EDGE_STRINGS = [
    "",
    " ",
    "a" * 129,
    "a" * 65,
    "0" * 64,
    "f" * 32,
    "\x00",
    "\x1b[31m",
    "line\nbreak",
    "\u202eevil",
    "é",
    "漢字",
    "😀",
    "../../etc/passwd",
    "tasks[0]",
    "' OR 1=1 --",
    "queued",
    "Bearer x",
]
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0x80, exclude_categories=("Cs",)), max_size=20),
    st.sampled_from(EDGE_STRINGS),
)
HOSTILE_BYTES = st.binary(max_size=64)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -1.0, 1e300])
HEX = st.from_regex(r"[0-9a-f]{32}", fullmatch=True)
NAME = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,8}", fullmatch=True)
# Values that pass a field's own check, so that the other fields' hostile
# values reach storage instead of stopping at the first refusal.
PLAUSIBLE: dict[str, st.SearchStrategy[str]] = {
    "type": st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,12}", fullmatch=True),
    "skills": NAME,
    "metadata": NAME,
    "worker_id": st.text(
        st.characters(min_codepoint=0x20, exclude_categories=("Cs",)), min_size=1, max_size=20
    ),
    "task_id": HEX,
    "task_ids": HEX,
    "attempt_id": HEX.map(lambda h: h + "0000"),
    "attempt_ids": HEX.map(lambda h: h + "0000"),
    "session_id": HEX,
    "state": st.sampled_from(["queued", "leased", "succeeded", "dead", "cancelled"]),
}


def _scalar(field: FieldDescriptor, name: str = "") -> st.SearchStrategy[Any]:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        plausible = PLAUSIBLE.get(name or field.name)
        return HOSTILE_TEXT if plausible is None else plausible | HOSTILE_TEXT
    if kind == FieldDescriptor.TYPE_BYTES:
        return HOSTILE_BYTES
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == FieldDescriptor.TYPE_DOUBLE:
        return FLOATS
    if kind == FieldDescriptor.TYPE_UINT32:
        return st.integers(0, 12) | st.integers(0, 2**32 - 1)
    if kind == FieldDescriptor.TYPE_UINT64:
        return st.integers(0, 2**64 - 1)
    if kind == FieldDescriptor.TYPE_ENUM:
        return st.integers(0, 5)  # open enums: unknown numbers travel too
    raise AssertionError(f"no strategy for {field.full_name}")


def messages(cls: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Any message of type `cls`, each field unset or hostile (unicode in every string)."""
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for fld in cls.DESCRIPTOR.fields:
        entry = fld.message_type
        if entry is not None and entry.GetOptions().map_entry:
            key, value = entry.fields_by_name["key"], entry.fields_by_name["value"]
            optional[fld.name] = st.dictionaries(
                _scalar(key, fld.name), _scalar(value, "value"), max_size=4
            )
        elif entry is not None:
            if depth > 2:
                continue
            sub = messages(getattr(pb, entry.name), depth + 1)
            repeated = fld.is_repeated
            optional[fld.name] = st.lists(sub, max_size=3) if repeated else sub
        elif fld.is_repeated:
            optional[fld.name] = st.lists(_scalar(fld), max_size=4)
        else:
            optional[fld.name] = _scalar(fld)
    return st.fixed_dictionaries({}, optional=optional).map(lambda values: _build(cls, values))


def _build(cls: Any, values: dict[str, Any]) -> Any:
    message = cls()
    for name, value in values.items():
        target = getattr(message, name)
        fld = cls.DESCRIPTOR.fields_by_name[name]
        if isinstance(value, dict):
            target.update(value)
        elif isinstance(value, list) and fld.message_type is not None:
            for item in value:
                target.add().CopyFrom(item)
        elif isinstance(value, list):
            target.extend(value)
        elif fld.message_type is not None:
            target.CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


def requests(method: str) -> st.SearchStrategy[Any]:
    return messages(rpc.METHODS[method][1])


@st.composite
def damaged(draw: st.DrawFn, method: str) -> bytes:
    """Bytes for `method`: random, a request cut short, or one with bytes flipped."""
    choice = draw(st.sampled_from(["random", "truncated", "flipped"]))
    if choice == "random":
        return draw(st.binary(max_size=256))
    body = draw(requests(method)).SerializeToString()
    if not body:
        return draw(st.binary(min_size=1, max_size=16))
    if choice == "truncated":
        return body[: draw(st.integers(0, len(body) - 1))]
    data = bytearray(body)
    for index in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=4)):
        data[index] ^= draw(st.integers(1, 255))
    return bytes(data)
