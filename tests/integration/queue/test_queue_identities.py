"""Who may claim what, known by token or by certificate, against the real queue policy.

Real servers on loopback, real Rego, certificates from a throwaway CA: a
worker takes only the task types its identity may handle, a task that
requires no skill goes only to an identity that may take any, a verified
client certificate names its holder, and a flood from one identity is
refused while another goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from pki import TestCa

from nova.queue.auth import TokenAuth
from nova.queue.client import QueueClient, Spec
from nova.queue.config import ServerConfig
from nova.queue.policy import Agent, RoleBook, policy_authorizer
from nova.queue.server import QueueServer, TlsFiles
from nova.queue.storage.sqlite import SqliteStorage

TOKENS = {
    "ops": "ops-token-0123456789abcdef",
    "agent-planner": "planner-token-0123456789",
    "agent-coder": "coder-token-0123456789ab",
}
BOOK = RoleBook(
    {"ops": "admin"},
    {"planner": Agent("agent", ("plan.read",)), "coder": Agent("agent", ("code.write",))},
)


def serve(tmp_path: Path, config: ServerConfig, **kwargs: object) -> QueueServer:
    server = QueueServer(
        SqliteStorage(tmp_path / "q.db"),
        config,
        authorize=policy_authorizer(BOOK),
        authorize_claim=policy_authorizer(BOOK, action="claim"),
        **kwargs,  # type: ignore[arg-type]
    )
    server.start()
    return server


@pytest.fixture
def token_server(nova_home: Path, tmp_path: Path) -> Iterator[str]:
    server = serve(tmp_path, ServerConfig(port=0), auth=TokenAuth(TOKENS))
    yield f"127.0.0.1:{server.port}"
    server.stop(grace=0)


def test_a_worker_claims_only_what_its_identity_may_handle(token_server: str) -> None:
    with QueueClient(token_server, token=TOKENS["ops"]) as ops:
        ops.enqueue(Spec("plan.read", skills=["plan.read"]))
        ops.enqueue(Spec("code.write", skills=["code.write"]))
        ops.enqueue(Spec("provision"))  # requires no skill: any type could hide here
    with QueueClient(token_server, token=TOKENS["agent-planner"]) as planner:
        with pytest.raises(grpc.RpcError) as stolen:
            planner.dequeue("w1", skills=["plan.read", "code.write"], max_tasks=10)
        assert stolen.value.code() is grpc.StatusCode.PERMISSION_DENIED
        assert "agent-planner may not claim code.write" in str(stolen.value.details())
        claims = planner.dequeue("w1", skills=["plan.read"], max_tasks=10)
        assert [c.task.type for c in claims] == ["plan.read"]  # not the skill-less task
    with QueueClient(token_server, token=TOKENS["ops"]) as ops:
        states = {t.type: t.state.value for t in ops.list_tasks()}
    assert states == {"plan.read": "leased", "code.write": "queued", "provision": "queued"}


def test_a_worker_stream_is_refused_a_skill_it_may_not_claim(token_server: str) -> None:
    with QueueClient(token_server, token=TOKENS["agent-coder"]) as coder:
        stream = coder.dispatch("w2", ["plan.read"], 1)
        with pytest.raises(grpc.RpcError) as refused:
            next(iter(stream))
        assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED


def test_a_verified_client_certificate_names_the_caller(nova_home: Path, tmp_path: Path) -> None:
    ca = TestCa(tmp_path)
    server_pair = ca.issue("localhost", server=True)
    planner = ca.issue("agent-planner@node1", server=False)
    stranger = ca.issue("someone-else", server=False)
    tls = TlsFiles(server_pair.cert, server_pair.key, client_ca=ca.pair.cert)
    server = serve(tmp_path, ServerConfig(port=0), tls=tls)
    target = f"localhost:{server.port}"

    def client(pair: object) -> QueueClient:
        return QueueClient(
            target,
            tls_ca=ca.pair.cert,
            tls_cert=pair.cert,  # type: ignore[attr-defined]
            tls_key=pair.key,  # type: ignore[attr-defined]
        )

    try:
        with client(planner) as worker:
            assert worker.enqueue(Spec("plan.read", skills=["plan.read"])).task_id
            with pytest.raises(grpc.RpcError) as denied:
                worker.enqueue(Spec("provision"))
            assert "agent-planner@node1 may not enqueue provision" in str(denied.value.details())
        with client(stranger) as other:
            with pytest.raises(grpc.RpcError) as unknown:
                other.enqueue(Spec("plan.read"))
            assert unknown.value.code() is grpc.StatusCode.PERMISSION_DENIED
        with QueueClient(target, tls_ca=ca.pair.cert, timeout=5) as anonymous:
            with pytest.raises(grpc.RpcError) as no_cert:
                anonymous.stats()
            assert no_cert.value.code() is grpc.StatusCode.UNAVAILABLE  # the handshake fails
    finally:
        server.stop(grace=0)


def test_one_identity_flooding_is_refused_while_another_goes_on(
    nova_home: Path, tmp_path: Path
) -> None:
    config = ServerConfig(port=0, enqueue_rate=1.0, enqueue_burst=5)
    server = serve(tmp_path, config, auth=TokenAuth(TOKENS))
    target = f"127.0.0.1:{server.port}"
    try:
        with QueueClient(target, token=TOKENS["agent-planner"]) as flood:
            flood.enqueue_many([Spec("plan.read", skills=["plan.read"])] * 5)
            with pytest.raises(grpc.RpcError) as slowed:
                flood.enqueue(Spec("plan.read", skills=["plan.read"]))
            assert slowed.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "retry in" in str(slowed.value.details())
        with QueueClient(target, token=TOKENS["ops"]) as ops:
            with pytest.raises(grpc.RpcError) as too_big:
                ops.enqueue_many([Spec("provision")] * 6)  # more than the burst, ever
            assert too_big.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "split the batch" in str(too_big.value.details())
            assert ops.enqueue(Spec("provision")).task_id
            assert ops.stats().depth == 6  # the refused task was not stored
    finally:
        server.stop(grace=0)


def test_the_library_holds_the_bind_rule_too(nova_home: Path, tmp_path: Path) -> None:
    from nova.core.errors import InputError
    from nova.kpi.exporter import start_http_exporter

    with pytest.raises(
        InputError, match=r"the queue on 0\.0\.0\.0 \(not loopback\) needs TLS and authentication"
    ):
        QueueServer(SqliteStorage(tmp_path / "q.db"), ServerConfig(host="0.0.0.0", port=0))
    with pytest.raises(
        InputError, match=r"the metrics server on 0\.0\.0\.0 \(not loopback\) needs TLS"
    ):
        start_http_exporter(0, bind="0.0.0.0")
    open_server = QueueServer(
        SqliteStorage(tmp_path / "open.db"), ServerConfig(host="0.0.0.0", port=0), insecure=True
    )
    open_server.start()
    assert open_server.exposure.insecure and open_server.port > 0
    open_server.stop(grace=0)


def test_a_caller_cancels_and_replays_only_what_it_may_enqueue(token_server: str) -> None:
    with QueueClient(token_server, token=TOKENS["ops"]) as ops:
        theirs = ops.enqueue(Spec("code.write", skills=["code.write"])).task_id
    with QueueClient(token_server, token=TOKENS["agent-planner"]) as planner:
        own = planner.enqueue(Spec("plan.read", skills=["plan.read"])).task_id
        with pytest.raises(grpc.RpcError) as refused:
            planner.cancel(theirs)
        assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
        assert "agent-planner may not cancel code.write tasks" in str(refused.value.details())
        assert planner.cancel(own)[0]
        with pytest.raises(grpc.RpcError) as every_dead:
            planner.replay(all_dead=True)
        assert every_dead.value.code() is grpc.StatusCode.PERMISSION_DENIED
    with QueueClient(token_server, token=TOKENS["ops"]) as ops:
        assert ops.get(theirs).state.value == "queued"  # untouched by the refused cancel
        assert ops.cancel(theirs)[0]
        assert ops.replay(all_dead=True) == []
