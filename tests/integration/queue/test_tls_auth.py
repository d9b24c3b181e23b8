"""TLS and bearer tokens on a real server; certificates are made here with `cryptography`."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nova.queue.auth import TokenAuth
from nova.queue.client import QueueClient, Spec
from nova.queue.config import ServerConfig
from nova.queue.policy import RoleBook, policy_authorizer
from nova.queue.server import QueueServer, TlsFiles
from nova.queue.storage.sqlite import SqliteStorage
from nova.queue.tokens import create_token, revoke_tokens

TOKEN = "alice-token-0123456789"
ALICE_ADMIN = RoleBook({"alice": "admin"})


def make_cert(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nova-queue")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def secure_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    cert, key = make_cert(tmp_path)
    server = QueueServer(
        SqliteStorage(tmp_path / "q.db"),
        ServerConfig(port=0),
        auth=TokenAuth({"alice": TOKEN}),
        authorize=policy_authorizer(ALICE_ADMIN),
        tls=TlsFiles(cert, key),
    )
    server.start()
    yield server.port, cert
    server.stop(grace=0)


def test_tls_with_token_works_and_identity_is_required(secure_server: Any) -> None:
    port, ca = secure_server
    with QueueClient(f"127.0.0.1:{port}", token=TOKEN, tls_ca=ca) as client:
        assert client.enqueue(Spec("t")).task_id
    with QueueClient(f"127.0.0.1:{port}", token="wrong-token-0123456789", tls_ca=ca) as client:
        with pytest.raises(grpc.RpcError) as info:
            client.stats()
        assert info.value.code() is grpc.StatusCode.UNAUTHENTICATED
    with QueueClient(f"127.0.0.1:{port}", token=TOKEN, timeout=2) as plaintext:
        with pytest.raises(grpc.RpcError) as info:
            plaintext.stats()
        assert info.value.code() is grpc.StatusCode.UNAVAILABLE


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueueClient]:
    folder = tmp_path_factory.mktemp("hyp")
    server = QueueServer(SqliteStorage(folder / "q.db"), ServerConfig(port=0))
    server.start()
    client = QueueClient(f"127.0.0.1:{server.port}")
    yield client
    client.close()
    server.stop(grace=0)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    task_type=st.text(max_size=140),
    key=st.text(max_size=70),
    value=st.text(max_size=600),
    priority=st.integers(0, 40),
)
def test_any_request_is_stored_or_refused_naming_a_field(
    plain_server: QueueClient, task_type: str, key: str, value: str, priority: int
) -> None:
    spec = Spec(task_type, metadata={key: value}, priority=priority)
    try:
        result = plain_server.enqueue(spec)
    except grpc.RpcError as exc:
        assert exc.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert exc.details().split(": ")[0] in {
            "tasks[0].type", "tasks[0].priority", f"tasks[0].metadata[{key!r}]",
        }  # fmt: skip
    else:
        assert plain_server.get(result.task_id).metadata == {key: value}
    assert plain_server.stats().max_depth > 0  # still serving


def test_a_managed_token_authenticates_until_it_is_revoked(tmp_path: Path) -> None:
    tokens = tmp_path / "queue-tokens.yml"
    new = create_token(tokens, "alice", 3600)
    cert, key = make_cert(tmp_path)

    def serve() -> QueueServer:
        server = QueueServer(
            SqliteStorage(tmp_path / "q.db"),
            ServerConfig(port=0),
            auth=TokenAuth.load(tokens),  # the server reads the file when it starts
            authorize=policy_authorizer(ALICE_ADMIN),
            tls=TlsFiles(cert, key),
        )
        server.start()
        return server

    server = serve()
    try:
        with QueueClient(f"127.0.0.1:{server.port}", token=new.secret, tls_ca=cert) as client:
            assert client.enqueue(Spec("t")).task_id
    finally:
        server.stop(grace=0)
    revoke_tokens(tokens, "alice", new.entry.id)
    server = serve()
    try:
        with QueueClient(f"127.0.0.1:{server.port}", token=new.secret, tls_ca=cert) as client:
            with pytest.raises(grpc.RpcError) as info:
                client.stats()
            assert info.value.code() is grpc.StatusCode.UNAUTHENTICATED
    finally:
        server.stop(grace=0)
