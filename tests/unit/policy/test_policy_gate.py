from __future__ import annotations

from pathlib import Path

from nova.audit.log import AuditLog
from nova.policy import gate
from nova.policy.engine import PolicyEngine
from nova.policy.regopy_backend import RegopyBackend


def test_every_decision_is_audited_with_its_id(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    engine = PolicyEngine(RegopyBackend())
    allowed = gate.check_provision(
        "alice", "sandbox", ["base"], True, ["n1"], None, phase="base", engine=engine, audit=log
    )
    denied = gate.check_enqueue("w1", "viewer", "report", engine=engine, audit=log)
    launched = gate.check_agent_launch("coder", "coder", ["code.syntax"], engine=engine, audit=log)
    assert (allowed.allow, denied.allow, launched.allow) == (True, False, True)
    entries = list(log.entries())
    assert [e.decision_id for e in entries] == [
        allowed.decision_id,
        denied.decision_id,
        launched.decision_id,
    ]
    assert entries[1].payload["allow"] is False
    assert entries[1].payload["violations"] == ["role viewer may not enqueue report tasks"]
    assert entries[0].subject == "nova/provision"
    assert entries[0].payload["input"]["phase"] == "base"


def test_shared_engine_follows_environment(
    tmp_path: Path, monkeypatch: object, policy_copy: Path
) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    from nova.policy.factory import reset_shared_engine

    monkeypatch.setenv("NOVA_POLICY_DIR", str(policy_copy))
    (policy_copy / "queue.rego").write_text("package nova.queue\n\nallow := false\n")
    reset_shared_engine()
    try:
        decision = gate.check_enqueue("root", "admin", "x", audit=AuditLog(tmp_path / "a.db"))
    finally:
        reset_shared_engine()
    assert decision.allow is False
