"""Enqueue asks the real Rego policy with the identity from the caller's token."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import grpc
import pytest

from nova.queue.auth import TokenAuth
from nova.queue.client import QueueClient, Spec
from nova.queue.config import ServerConfig
from nova.queue.policy import RoleBook, load_roles, policy_authorizer
from nova.queue.server import QueueServer
from nova.queue.storage.sqlite import SqliteStorage

TOKENS = {"ops": "ops-token-0123456789", "coder": "coder-token-0123456789",
          "stranger": "stranger-token-01234567"}  # fmt: skip


def test_roles_decide_what_each_identity_may_enqueue(nova_home: Path, tmp_path: Path) -> None:
    roles_file = tmp_path / "roles.yml"
    roles_file.write_text("ops: operator\ncoder: agent\n")
    server = QueueServer(
        SqliteStorage(tmp_path / "q.db"),
        ServerConfig(port=0),
        auth=TokenAuth(TOKENS),
        authorize=policy_authorizer(RoleBook(load_roles(roles_file))),
    )
    server.start()
    try:
        target = f"127.0.0.1:{server.port}"
        with QueueClient(target, token=TOKENS["ops"]) as ops:
            assert ops.enqueue(Spec(type="provision")).task_id
        with QueueClient(target, token=TOKENS["coder"]) as coder:
            assert coder.enqueue(Spec(type="code")).task_id
            with pytest.raises(grpc.RpcError) as denied:
                coder.enqueue(Spec(type="provision"))
            assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert "role agent may not enqueue provision tasks" in str(denied.value.details())
        with QueueClient(target, token=TOKENS["stranger"]) as stranger:
            with pytest.raises(grpc.RpcError) as unknown:
                stranger.enqueue(Spec(type="report"))
            assert unknown.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert "unknown role" in str(unknown.value.details())
            assert stranger.stats().depth == 2  # nothing the stranger sent was stored
    finally:
        server.stop()

    with sqlite3.connect(nova_home / "audit.db") as db:
        rows = db.execute(
            "SELECT actor, payload FROM entries WHERE action = 'policy.decision'"
        ).fetchall()
    verdicts = [(actor, json.loads(payload)["allow"]) for actor, payload in rows]
    assert verdicts == [("ops", True), ("coder", True), ("coder", False), ("stranger", False)]


def test_bad_roles_file_names_the_identity(tmp_path: Path) -> None:
    from nova.core.errors import InputError

    bad = tmp_path / "roles.yml"
    bad.write_text("ops: [operator]\n")
    with pytest.raises(InputError, match=r"roles\.yml: ops: role must be a non-empty string"):
        load_roles(bad)
