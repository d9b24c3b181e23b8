"""The program the `backup` role installs on hosts, run here against real restic.

It is the same file the role copies to /usr/local/sbin/nova-backup; here it
backs up into a local repository in a temporary folder. Systemd and
PostgreSQL are absent on this machine, so the dump hook is off ("never"):
the Molecule scenario covers it on a real PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nova.core.paths import project_root

PROGRAM = project_root() / "roles" / "backup" / "files" / "nova-backup.py"


class Host:
    """A folder laid out like a host the role configured."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "srv" / "data"
        self.canary = root / "var" / "lib" / "nova-backup" / "canary"
        self.state = root / "var" / "lib" / "nova-backup"
        self.password = root / "etc" / "nova-backup" / "password"
        self.fact = root / "etc" / "ansible" / "facts.d" / "nova_backup.fact"
        self.repository = root / "repo"
        self.config = root / "etc" / "nova-backup" / "backup.json"
        for folder in (self.data, self.canary, self.password.parent):
            folder.mkdir(parents=True)
        (self.canary / "canary-small.bin").write_bytes(os.urandom(4096))
        (self.canary / "canary-large.bin").write_bytes(os.urandom(200_000))
        self.password.write_text("correct horse battery staple\n")
        self.password.chmod(0o600)
        self.settings: dict[str, Any] = {
            "host": "node1",
            "repository": str(self.repository),
            "restic_options": [],
            "password_file": str(self.password),
            "env_file": "",
            "cache_dir": str(root / "cache"),
            "paths": [str(self.data), str(root / "not-here")],
            "excludes": ["*.tmp"],
            "pre_hooks": [],
            "post_hooks": [],
            "postgresql_dump": "never",
            "postgresql_dump_dir": str(root / "pg"),
            "retention": {"daily": 7, "weekly": 4, "monthly": 6},
            "check_read_data_subset": "10%",
            "canary_dir": str(self.canary),
            "scratch_dir": str(root / "scratch"),
            "state_dir": str(self.state),
            "fact_file": str(self.fact),
        }
        self.save()

    def save(self) -> None:
        self.config.write_text(json.dumps(self.settings))

    def job(self, *args: str) -> tuple[int, dict[str, Any], str]:
        proc = subprocess.run(
            [sys.executable, str(PROGRAM), "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return proc.returncode, json.loads(proc.stdout), proc.stderr


@pytest.fixture
def host(tmp_path: Path, restic: str) -> Host:
    return Host(tmp_path)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_init_creates_once_then_opens(host: Host) -> None:
    rc, probe, _ = host.job("probe")
    assert rc == 10 and probe["state"] == "missing"
    rc, first, _ = host.job("init")
    assert rc == 0 and first["created"] is True
    rc, second, _ = host.job("init")
    assert rc == 0 and second["created"] is False
    assert (host.repository / "config").is_file()


def test_backup_restore_and_verify_round_trip(host: Host, tmp_path: Path) -> None:
    (host.data / "report.txt").write_text("quarterly numbers\n")
    (host.data / "scratch.tmp").write_text("not wanted")
    expected = digest(host.data / "report.txt")
    host.job("init")
    rc, run, _ = host.job("run")
    assert rc == 0, run
    assert run["status"] == "ok" and len(run["snapshot"]) == 64
    assert run["missing_paths"] == [str(tmp_path / "not-here")]
    assert run["canaries"] == 2
    assert json.loads((host.state / "last-run.json").read_text()) == run

    rc, listing, _ = host.job("snapshots")
    assert [s["id"] for s in listing["snapshots"]] == [run["snapshot"]]

    rc, verify, _ = host.job("verify")
    assert rc == 0, verify
    assert verify["result"] == "pass" and verify["snapshot"] == run["snapshot"]
    assert verify["checked"] == 2
    assert json.loads(host.fact.read_text()) == verify
    assert not (tmp_path / "scratch").exists()

    (host.data / "report.txt").unlink()
    target = tmp_path / "restored"
    rc, restored, _ = host.job("restore", run["snapshot"], str(target))
    assert rc == 0, restored
    copy = target / str(host.data).lstrip("/") / "report.txt"
    assert digest(copy) == expected
    assert not (target / str(host.data).lstrip("/") / "scratch.tmp").exists()


def test_check_reads_data_back(host: Host) -> None:
    host.job("init")
    host.job("run")
    rc, check, _ = host.job("check")
    assert rc == 0 and check == {**check, "status": "ok", "read_data_subset": "10%"}


def test_snapshot_whose_canaries_disagree_with_its_manifest_fails(host: Host) -> None:
    host.job("init")
    host.job("run")
    # A later snapshot, taken behind the job's back, whose manifest lies about
    # one canary: what a silently damaged copy looks like after restore.
    manifest = host.canary / "MANIFEST.sha256"
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join(["0" * 64 + lines[0][64:], *lines[1:]]) + "\n")
    subprocess.run(
        ["restic", "backup", "--host", "node1", "--tag", "nova", str(host.canary)],
        env={
            **os.environ,
            "RESTIC_REPOSITORY": str(host.repository),
            "RESTIC_PASSWORD_FILE": str(host.password),
        },
        capture_output=True,
        check=True,
        timeout=60,
    )
    rc, verify, stderr = host.job("verify")
    assert rc == 1
    assert verify["result"] == "fail"
    assert verify["mismatched"] == [lines[0][66:]]
    assert json.loads(host.fact.read_text())["result"] == "fail"
    assert "differ from the checksums" in stderr


def test_damaged_repository_fails_verification(host: Host) -> None:
    host.job("init")
    _, run, _ = host.job("run")
    for pack in (host.repository / "data").rglob("*"):
        if pack.is_file():
            pack.chmod(0o600)
            blob = bytearray(pack.read_bytes())
            blob[len(blob) // 2] ^= 0xFF
            pack.write_bytes(bytes(blob))
    rc, verify, _ = host.job("verify")
    assert rc == 1
    assert verify["result"] == "fail"
    assert verify["snapshot"] == run["snapshot"]
    assert verify["error"].startswith("restic restore failed")
    assert json.loads(host.fact.read_text())["result"] == "fail"


def test_wrong_password_is_refused_and_no_repository_is_made(host: Host) -> None:
    host.job("init")
    keys = sorted((host.repository / "keys").iterdir())
    host.password.write_text("not the password\n")
    rc, result, stderr = host.job("init")
    assert rc == 12
    assert "does not open it" in result["error"]
    assert "never created" in stderr
    assert sorted((host.repository / "keys").iterdir()) == keys
    rc, run, _ = host.job("run")
    assert rc == 1 and run["snapshot"] is None and "wrong password" in run["error"]


def test_failing_pre_hook_stops_the_backup_and_post_hooks_still_run(
    host: Host, tmp_path: Path
) -> None:
    marker = tmp_path / "post-hook-ran"
    host.settings["pre_hooks"] = ["exit 3"]
    host.settings["post_hooks"] = [f"touch {marker}"]
    host.save()
    host.job("init")
    rc, run, _ = host.job("run")
    assert rc == 1
    assert run["error"] == "pre hook failed (exit 3): exit 3"
    assert marker.exists()
    _, listing, _ = host.job("snapshots")
    assert listing["snapshots"] == []


def test_verify_without_snapshots_fails_and_records_it(host: Host) -> None:
    host.job("init")
    rc, verify, _ = host.job("verify")
    assert rc == 1
    assert verify["result"] == "fail" and verify["error"] == "no snapshot to verify yet"
    assert json.loads(host.fact.read_text())["result"] == "fail"
