"""Nova's alert receiver over real HTTP on loopback, writing a real audit log;
and the file list the alertmanager role installs it with."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from nova.audit.log import AuditLog
from nova.audit.verify import verify
from nova.core.errors import InputError
from nova.core.paths import project_root
from nova.monitor.receiver import RECEIVER_MODULES, Receiver, read_token, start_receiver

TOKEN = "s3cret-token-for-tests-0123456789"
NOTIFICATION = {
    "version": "4",
    "status": "firing",
    "receiver": "nova",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "NovaHostDown", "instance": "spark-02", "severity": "critical"},
            "annotations": {"summary": "spark-02: node exporter unreachable"},
            "startsAt": "2026-12-04T14:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": "abc123",
        },
        {
            "status": "resolved",
            "labels": {"alertname": "NovaBackupTooOld", "instance": "spark-01"},
            "annotations": {},
        },
    ],
}


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[Receiver, AuditLog]]:
    log = AuditLog(tmp_path / "audit.db")
    running = start_receiver(log, TOKEN, "127.0.0.1", 0)
    yield running, log
    running.close()


def post(port: int, body: bytes, token: str | None = TOKEN, path: str = "/alerts") -> int:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_each_alert_becomes_an_audit_entry(receiver: tuple[Receiver, AuditLog]) -> None:
    running, log = receiver
    assert post(running.port, json.dumps(NOTIFICATION).encode()) == 200
    entries = list(log.entries())
    assert [(e.action, e.subject) for e in entries] == [
        ("alerts.receive", f"127.0.0.1:{running.port}"),
        ("alert.firing", "NovaHostDown spark-02"),
        ("alert.resolved", "NovaBackupTooOld spark-01"),
    ]
    assert entries[1].actor == "alertmanager"
    assert entries[1].payload["labels"]["severity"] == "critical"
    assert verify(log).ok


@pytest.mark.parametrize("token", [None, "wrong", TOKEN + "x"])
def test_a_missing_or_wrong_token_is_refused(
    receiver: tuple[Receiver, AuditLog], token: str | None
) -> None:
    running, log = receiver
    assert post(running.port, json.dumps(NOTIFICATION).encode(), token) == 401
    assert [e.action for e in log.entries()] == ["alerts.receive"]


@pytest.mark.parametrize(
    "body", [b"{not json", b"[]", b'{"alerts": "x"}', b'{"alerts": [1]}']
)  # fmt: skip
def test_malformed_notifications_are_refused(
    receiver: tuple[Receiver, AuditLog], body: bytes
) -> None:
    running, log = receiver
    assert post(running.port, body) == 400
    assert [e.action for e in log.entries()] == ["alerts.receive"]


def test_other_paths_are_not_found(receiver: tuple[Receiver, AuditLog]) -> None:
    running, _ = receiver
    assert post(running.port, b"{}", path="/other") == 404


def test_off_loopback_without_tls_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--tls-cert"):
        start_receiver(AuditLog(tmp_path / "audit.db"), TOKEN, "0.0.0.0", 0)


def test_token_files_must_be_closed_to_others(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    path.chmod(0o640)
    assert read_token(path) == TOKEN
    path.chmod(0o644)
    with pytest.raises(InputError, match="readable by others"):
        read_token(path)
    path.chmod(0o600)
    path.write_text("short")
    with pytest.raises(InputError, match="shorter"):
        read_token(path)


def test_the_role_installs_the_receivers_modules() -> None:
    role_vars = project_root() / "roles" / "alertmanager" / "vars" / "main.yml"
    listed = yaml.safe_load(role_vars.read_text(encoding="utf-8"))["alertmanager_receiver_modules"]
    assert tuple(listed) == RECEIVER_MODULES


def pack_script() -> str:
    tasks = project_root() / "roles" / "alertmanager" / "tasks" / "receiver.yml"
    for task in yaml.safe_load(tasks.read_text(encoding="utf-8")):
        script = (task.get("vars") or {}).get("alertmanager_pack_script")
        if script:
            return str(script)
    raise AssertionError("the role has no packing script")


def test_the_roles_archive_alone_runs_the_receiver(tmp_path: Path) -> None:
    """What a monitoring host gets: the role's zip of the listed files, and no other Nova module."""
    archive = tmp_path / "nova-alert-receiver.zip"
    subprocess.run(
        [sys.executable, "-c", pack_script(), str(archive), *RECEIVER_MODULES],
        check=True, cwd=project_root(),
    )  # fmt: skip
    first = archive.read_bytes()
    subprocess.run(
        [sys.executable, "-c", pack_script(), str(archive), *RECEIVER_MODULES],
        check=True, cwd=project_root(),
    )  # fmt: skip
    assert archive.read_bytes() == first  # same files, same bytes: a second run copies nothing
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import nova.monitor.receiver as r\n"
        "assert r.__file__.startswith(sys.argv[1]), r.__file__\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('nova'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(archive)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for module in done.stdout.split():
        path = module.replace(".", "/")
        assert f"{path}.py" in RECEIVER_MODULES or f"{path}/__init__.py" in RECEIVER_MODULES
