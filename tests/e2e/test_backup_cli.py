"""`nova backup` against the 2-node sandbox, through ansible-runner over SSH.

The backup role is applied first with ansible-playbook (node1 backs up over
SFTP to node2, node2 to a local folder); then the commands run the role's
jobs and must report what restic really did on the hosts.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FULL_ID = re.compile(r"^[0-9a-f]{64}$")

CONVERGE = """\
- name: Apply the backup role to the sandbox
  hosts: all
  become: true
  gather_facts: false
  vars:
    backup_repository_type: "{{ 'sftp' if inventory_hostname == 'node1' else 'local' }}"
    backup_sftp_host: node2
    backup_paths: [/srv/data]
  roles:
    - role: backup
"""


def backup_cli(env: dict[str, str], *args: str, timeout: float = 900) -> tuple[int, Any, str]:
    """`nova backup ...` as a child process: exit code, parsed JSON output (if any), stderr."""
    full_env = {**os.environ, **env}
    full_env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + full_env["PATH"]
    proc = subprocess.run(
        [sys.executable, "-m", "nova", "backup", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    data = json.loads(proc.stdout) if proc.stdout.startswith(("{", "[")) else None
    return proc.returncode, data, proc.stderr


def on_node(env: dict[str, str], node: str, script: str) -> str:
    proc = subprocess.run(
        ["docker", "exec", f"{env['NOVA_SANDBOX']}-{node}", "bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return proc.stdout


@pytest.fixture(scope="module")
def backed_env(
    sandbox_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """The sandbox with the backup role applied and data on node1."""
    from nova.sandbox import nodes

    nodes.up(2)  # a node an earlier test stopped is started again
    playbook = tmp_path_factory.mktemp("backup-converge") / "converge.yml"
    playbook.write_text(CONVERGE)
    env = {**os.environ, **sandbox_env}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    env["ANSIBLE_ROLES_PATH"] = str(ROOT / "roles")
    converge = subprocess.run(
        ["ansible-playbook", "-i", "inventories/sandbox", str(playbook)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,  # Ansible will not start on a non-blocking one
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert converge.returncode == 0, converge.stdout[-3000:]
    on_node(
        sandbox_env,
        "node1",
        "set -euo pipefail; mkdir -p /srv/data; head -c 100000 /dev/urandom > /srv/data/blob.bin;"
        " echo precious > /srv/data/note.txt; cd /srv/data && sha256sum blob.bin note.txt"
        " > /root/expected.sha256",
    )
    yield sandbox_env


def test_plan_covers_the_sandbox_and_says_it_is_a_plan(
    sandbox_env: dict[str, str], tmp_path: Path
) -> None:
    export = tmp_path / "plan.md"
    rc, plan, _ = backup_cli(
        sandbox_env, "--plan", "default", "-i", "sandbox", "--export", str(export), "-o", "json"
    )
    assert rc == 0
    assert [h["host"] for h in plan["hosts"]] == ["node1", "node2"]
    assert "plan" in plan["note"]
    text = export.read_text()
    assert text.startswith("# Backup plan `default` for inventory `sandbox`")
    assert "nothing has been run" in text


def test_run_reports_real_snapshot_ids(backed_env: dict[str, str]) -> None:
    rc, run, stderr = backup_cli(backed_env, "run", "-i", "sandbox", "-o", "json")
    assert rc == 0, (run, stderr)
    assert run["status"] == "successful"
    assert set(run["hosts"]) == {"node1", "node2"}
    for record in run["hosts"].values():
        assert record["status"] == "ok" and FULL_ID.match(record["snapshot"])
    node1 = run["hosts"]["node1"]
    assert node1["paths"] == ["/srv/data", "/var/lib/nova-backup/canary"]
    # what the host itself recorded is what was reported
    recorded = json.loads(on_node(backed_env, "node1", "cat /var/lib/nova-backup/last-run.json"))
    assert recorded["snapshot"] == node1["snapshot"]
    # node1's repository is on node2, reached over SFTP
    assert on_node(backed_env, "node2", "test -f /var/backups/restic/node1/config && echo yes")
    on_node(backed_env, "node1", f"echo {node1['snapshot']} > /root/snapshot.id")


def test_snapshots_lists_what_run_made(backed_env: dict[str, str]) -> None:
    made = on_node(backed_env, "node1", "cat /root/snapshot.id").strip()
    rc, listing, stderr = backup_cli(backed_env, "snapshots", "-i", "sandbox", "-o", "json")
    assert rc == 0, stderr
    ids = [s["id"] for s in listing["hosts"]["node1"]["snapshots"]]
    assert made in ids
    assert listing["hosts"]["node2"]["snapshots"]


def test_verify_restores_the_latest_and_records_a_fact(backed_env: dict[str, str]) -> None:
    made = on_node(backed_env, "node1", "cat /root/snapshot.id").strip()
    rc, verify, stderr = backup_cli(
        backed_env, "verify", "-i", "sandbox", "--limit", "node1", "-o", "json"
    )
    assert rc == 0, stderr
    assert set(verify["hosts"]) == {"node1"}
    record = verify["hosts"]["node1"]
    assert record["result"] == "pass" and record["snapshot"] == made and record["checked"] == 2
    fact = json.loads(on_node(backed_env, "node1", "cat /etc/ansible/facts.d/nova_backup.fact"))
    assert fact == record


def test_restore_brings_deleted_data_back(backed_env: dict[str, str]) -> None:
    made = on_node(backed_env, "node1", "cat /root/snapshot.id").strip()
    on_node(backed_env, "node1", "rm -rf /srv/data /srv/restore")
    rc, restored, stderr = backup_cli(
        backed_env,
        "restore",
        "-i",
        "sandbox",
        "--host",
        "node1",
        "--snapshot",
        made,
        "--target",
        "/srv/restore",
        "-o",
        "json",
    )
    assert rc == 0, stderr
    assert set(restored["hosts"]) == {"node1"}
    assert restored["hosts"]["node1"]["snapshot"] == made
    check = on_node(
        backed_env, "node1", "cd /srv/restore/srv/data && sha256sum --check /root/expected.sha256"
    )
    assert check.count(": OK") == 2


def test_bad_restore_requests_are_refused_before_anything_runs(
    backed_env: dict[str, str],
) -> None:
    base = ["restore", "-i", "sandbox", "--target", "/srv/x"]
    rc, _, stderr = backup_cli(backed_env, *base, "--host", "node1", "--snapshot", "zz; rm -rf /")
    assert rc == 2 and "--snapshot: must be a snapshot id" in stderr
    rc, _, stderr = backup_cli(backed_env, *base, "--host", "node9", "--snapshot", "latest")
    assert rc == 2 and "--host: 'node9' is not in the inventory" in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_a_failing_backup_names_the_host_and_the_reason(backed_env: dict[str, str]) -> None:
    on_node(backed_env, "node2", "mv /etc/nova-backup/password /root/password.saved")
    try:
        on_node(backed_env, "node2", "echo wrong > /etc/nova-backup/password")
        rc, run, _ = backup_cli(backed_env, "run", "-i", "sandbox", "-o", "json")
    finally:
        on_node(backed_env, "node2", "mv -f /root/password.saved /etc/nova-backup/password")
    assert rc == 1
    assert run["status"] == "failed"
    assert run["hosts"]["node1"]["status"] == "ok"
    assert run["hosts"]["node2"]["status"] == "failed"
    assert "wrong password" in run["hosts"]["node2"]["error"]


def test_jobs_are_in_the_audit_log(backed_env: dict[str, str]) -> None:
    from nova.audit.log import AuditLog

    log = AuditLog(Path(backed_env["NOVA_HOME"]) / "audit.db")
    actions = [e.action for e in log.entries()]
    for job in ("run", "snapshots", "verify", "restore"):
        assert f"backup.{job}" in actions
