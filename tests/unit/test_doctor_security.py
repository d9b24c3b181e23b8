"""`nova doctor security` on a real NOVA_HOME: each finding from a real file or audit entry."""

from __future__ import annotations

import json
from pathlib import Path

from cli_harness import run_main

from nova.audit.log import AuditLog
from nova.core.paths import ensure_home
from nova.queue.tokens import create_token, default_tokens_file


def doctor() -> tuple[int, dict[str, object]]:
    result = run_main("doctor", "security", "-o", "json")
    return result.code, json.loads(result.stdout)


def statuses(report: dict[str, object]) -> dict[tuple[str, str], str]:
    return {(c["check"], c["target"]): c["status"] for c in report["checks"]}  # type: ignore[attr-defined,index]


def test_a_fresh_host_has_nothing_to_find_and_says_what_is_absent(nova_home: Path) -> None:
    code, report = doctor()
    assert code == 0 and report["findings"] == 0
    assert statuses(report)[("NOVA_HOME", str(nova_home))] == "absent"
    assert statuses(report)[("audit log", str(nova_home / "audit.db"))] == "absent"


def test_each_unsafe_thing_is_a_finding_until_it_is_fixed(nova_home: Path) -> None:
    home = ensure_home()
    audit = AuditLog()
    audit.append("ops", "queue.serve.insecure", "0.0.0.0:50071", payload={"insecure": True})
    audit.checkpoint_now()  # creates the signing key, mode 0600
    key = home / "audit_signing.key"
    key.chmod(0o644)
    tokens = default_tokens_file()
    create_token(tokens, "alice", 3600)
    create_token(tokens, "forever", None)

    code, report = doctor()
    found = {k for k, v in statuses(report).items() if v == "finding"}
    assert code == 1
    assert ("audit signing key", str(key)) in found
    assert ("insecure service", "0.0.0.0:50071") in found
    assert any(check == "queue token" and target.startswith("forever ") for check, target in found)
    assert not any(target.startswith("alice ") for _, target in found)
    detail = next(c["detail"] for c in report["checks"] if c["target"] == str(key))  # type: ignore[attr-defined]
    assert "mode 0644" in detail and f"chmod 600 {key}" in detail

    home.chmod(0o755)
    _, report = doctor()
    assert statuses(report)[("NOVA_HOME", str(home))] == "finding"

    home.chmod(0o700)
    key.chmod(0o600)
    run_main("queue", "token", "revoke", "forever")
    _, report = doctor()
    left = {k for k, v in statuses(report).items() if v == "finding"}
    assert left == {("insecure service", "0.0.0.0:50071")}  # the record stays: it happened


def test_the_audit_signing_key_is_refused_when_others_can_read_it(nova_home: Path) -> None:
    audit = AuditLog()
    audit.append("ops", "x", "y")
    audit.checkpoint_now()
    (ensure_home() / "audit_signing.key").chmod(0o640)
    result = run_main("audit", "verify")
    assert result.code == 2
    assert "checkpoint signing key must not be readable by group or others (mode 0640)" in (
        result.stderr
    )
