"""Real parts for the queue tests: redis-server processes and storage backends."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nova.queue.storage.base import Storage


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RedisServer:
    """A redis-server from Debian's package, on loopback, with its own data folder.

    Started with AOF (appendfsync everysec) and noeviction: the settings the
    queue documents for production.
    """

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install -y redis-server)")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                binary, "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", str(self.data_dir), "--save", "", "--appendonly", "yes",
                "--appendfsync", "everysec", "--maxmemory-policy", "noeviction",
                "--daemonize", "no", "--protected-mode", "yes", "--logfile", "redis.log",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "redis"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """Each backend in turn; Redis ones get a fresh key prefix on the shared server."""
    store: Storage
    if request.param == "sqlite":
        from nova.queue.storage.sqlite import SqliteStorage

        store = SqliteStorage(tmp_path / "queue.db")
    else:
        from nova.queue.storage.redis import RedisStorage

        server: RedisServer = request.getfixturevalue("redis_server")
        store = RedisStorage.connect(server.url, prefix=f"test:{uuid.uuid4().hex[:8]}:")
    yield store
    store.close()


FAST = dict(
    lease_seconds=1.0,
    heartbeat_interval=0.2,
    heartbeat_timeout=0.6,
    reap_interval=0.05,
    port=0,
)


@pytest.fixture
def make_server(storage: Storage) -> Iterator[Any]:
    """Start a real gRPC queue server on loopback over `storage`; returns (server, client)."""
    from nova.queue.client import QueueClient
    from nova.queue.config import ServerConfig
    from nova.queue.server import QueueServer

    started: list[tuple[Any, Any]] = []

    def start(**overrides: Any) -> tuple[Any, Any]:
        authorize = overrides.pop("authorize", None)
        config = ServerConfig(**{**FAST, **overrides})
        server = QueueServer(storage, config, authorize=authorize)
        server.start()
        client = QueueClient(f"127.0.0.1:{server.port}", timeout=5.0)
        started.append((server, client))
        return server, client

    yield start
    for server, client in started:
        client.close()
        server.dispatcher.stop()
        server._server.stop(0).wait()
        if server.kpi_buffer is not None:
            server.kpi_buffer.close()


def wait_for(predicate: Any, timeout: float = 5.0, step: float = 0.02) -> Any:
    """Poll until predicate() is truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"condition not met within {timeout}s")
