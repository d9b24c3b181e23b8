"""Real parts for the agent tests: a policy folder, NOVA_HOME and a queue server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nova.policy.factory import reset_shared_engine


@pytest.fixture
def nova_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh NOVA_HOME, with the shipped policies deciding every launch."""
    home = tmp_path / "home"
    monkeypatch.setenv("NOVA_HOME", str(home))
    monkeypatch.delenv("NOVA_POLICY_DIR", raising=False)
    reset_shared_engine()
    yield home
    reset_shared_engine()


@pytest.fixture
def queue_server(tmp_path: Path) -> Iterator[Any]:
    """A real gRPC queue server over SQLite on a free loopback port."""
    from nova.queue.config import ServerConfig
    from nova.queue.server import QueueServer
    from nova.queue.storage.sqlite import SqliteStorage

    storage = SqliteStorage(tmp_path / "queue.db")
    server = QueueServer(storage, ServerConfig(port=0, heartbeat_interval=0.5, reap_interval=0.1))
    server.start()
    yield server
    server.stop(0)  # closes the storage too
