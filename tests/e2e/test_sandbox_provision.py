"""Provisioning real hosts: a 2-node sandbox reached over SSH through ansible-runner.

The tests run in order on one sandbox, as an operator would meet them: the
first run finds node2 stopped (the phase fails, node1 completes), the run is
resumed once node2 is back (both hosts provisioned), a second run changes
nothing, a failing minimum is named, and plain ansible-playbook works from the
clone. Every foundation run costs minutes on two cores, so each one here
carries a check of its own.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

# A first run installs Docker and the base packages on both nodes while
# the Molecule scenarios share the machine's two cores: about 10 minutes then.
PROVISION_TIMEOUT = 1500


def provision(
    nova: Callable[..., Any], env: dict[str, str], *args: str
) -> tuple[int, dict[str, Any]]:
    result = nova(
        "provision",
        "--inventory",
        "sandbox",
        "--phase",
        "foundation",
        "-o",
        "json",
        *args,
        env=env,
        timeout=PROVISION_TIMEOUT,
    )
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def test_sandbox_status_lists_both_nodes(
    nova: Callable[..., Any], sandbox_env: dict[str, str]
) -> None:
    result = nova("sandbox", "status", "-o", "json", env=sandbox_env)
    nodes = json.loads(result.stdout)
    assert [n["name"] for n in nodes] == ["node1", "node2"]
    assert all(n["state"] == "running" and n["ssh_port"] for n in nodes)


def test_first_run_with_a_stopped_node_fails_the_phase_and_the_other_completes(
    nova: Callable[..., Any], sandbox_env: dict[str, str], sandbox_home: Path
) -> None:
    subprocess.run(
        ["docker", "stop", f"{sandbox_env['NOVA_SANDBOX']}-node2"], check=True, capture_output=True
    )
    rc, run = provision(nova, sandbox_env)
    assert rc == 1
    assert run["status"] == "failed"
    phase = run["results"][0]
    assert phase["status"] == "failed"
    assert phase["hosts"]["node2"]["unreachable"] == 1
    assert phase["hosts"]["node1"]["failed"] == 0 and phase["hosts"]["node1"]["ok"] > 5
    report = Path(run["report"]).read_text()
    assert "| node2 | unreachable |" in report
    assert "| node1 | changed |" in report  # its first run: provisioned now
    assert "**unreachable** in task" in report and "on 1 host(s): node2." in report
    assert (sandbox_home / "runs" / run["id"] / "01-foundation").is_dir()


def test_resume_after_the_node_is_back_provisions_both_hosts(
    nova: Callable[..., Any], sandbox_env: dict[str, str]
) -> None:
    failed = json.loads(nova("runs", "list", "-o", "json", env=sandbox_env).stdout)[0]
    assert failed["status"] == "failed"
    # Started again outside Nova, node2 listens on a new port: the run is refused in one line.
    container = f"{sandbox_env['NOVA_SANDBOX']}-node2"
    subprocess.run(["docker", "start", container], check=True, capture_output=True)
    published = subprocess.run(["docker", "port", container, "22/tcp"], check=True,
                               capture_output=True, text=True).stdout  # fmt: skip
    inventory = Path(sandbox_env["NOVA_HOME"]) / "inventories" / "sandbox" / "hosts.json"
    written = json.loads(inventory.read_text())["hostvars"]["node2"]["ansible_port"]
    # (Docker may hand the old port back; then nothing is out of date.)
    if not published.strip().endswith(f":{written}"):
        stale = nova("provision", "--resume", failed["id"], "-o", "json", env=sandbox_env)
        assert stale.returncode == 2
        assert re.fullmatch(
            rf"nova: sandbox: --inventory: out of date: node2 listens on 127\.0\.0\.1:\d+, "
            rf"not {written}; run `nova sandbox up` to refresh it",
            stale.stderr.strip(),
        ), stale.stderr
    up = nova("sandbox", "up", "--nodes", "2", env=sandbox_env)  # rewrites the inventory
    assert up.returncode == 0, up.stderr
    result = nova(
        "provision", "--resume", failed["id"], "-o", "json", env=sandbox_env,
        timeout=PROVISION_TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    run = json.loads(result.stdout)
    assert run["phases"] == ["foundation"]
    assert run["status"] == "successful"
    hosts = run["results"][0]["hosts"]
    assert set(hosts) == {"node1", "node2"}
    assert all(h["failed"] == 0 and h["unreachable"] == 0 for h in hosts.values())
    assert hosts["node2"]["changed"] > 0  # node2 was provisioned now, not before
    report = Path(run["report"]).read_text()
    assert "| node2 | changed |" in report
    # node1 may change too: node2 joins the mesh it belongs to.
    assert re.search(r"^\| node1 \| (ok|changed) \|", report, re.MULTILINE)
    assert "2 host(s):" in report
    # the role left its fact on the host, as seen from inside the container
    fact = subprocess.run(
        [
            "docker",
            "exec",
            f"{sandbox_env['NOVA_SANDBOX']}-node2",
            "cat",
            "/etc/ansible/facts.d/nova.fact",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(fact.stdout)["virtualization"]["type"] == "docker"


def test_second_run_changes_nothing(nova: Callable[..., Any], sandbox_env: dict[str, str]) -> None:
    rc, run = provision(nova, sandbox_env)
    assert rc == 0
    hosts = run["results"][0]["hosts"]
    assert set(hosts) == {"node1", "node2"}
    assert {h: s["changed"] for h, s in hosts.items()} == {"node1": 0, "node2": 0}
    report = Path(run["report"]).read_text()
    assert "node1" in report and "node2" in report
    # Recording evidence changes nothing on the hosts, and it is in the report.
    assert "### Evidence" in report


HOST_EVIDENCE = {"sshd_config", "firewall_ruleset", "sudo_users", "security_updates"}


def test_the_roles_record_evidence_for_both_nodes(
    nova: Callable[..., Any], sandbox_env: dict[str, str], sandbox_home: Path
) -> None:
    """The foundation run above left, per node, data in the store and its hash in the audit log."""
    import sqlite3

    from nova.core.canonical import canonical_json, sha256_hex

    run = json.loads(nova("runs", "list", "-o", "json", env=sandbox_env).stdout)[0]
    assert run["status"] == "successful"
    shown = json.loads(nova("runs", "show", run["id"], "-o", "json", env=sandbox_env).stdout)
    evidence = shown["results"][0]["evidence"]
    assert {(e["host"], e["check"]) for e in evidence} >= {
        (host, check) for host in ("node1", "node2") for check in HOST_EVIDENCE
    }
    by_key = {(e["host"], e["check"]): e for e in evidence}
    for host in ("node1", "node2"):
        # The sandbox gets ssh_hardening's and firewall's defaults: both as intended.
        assert by_key[(host, "sshd_config")]["ok"] is True, host
        assert by_key[(host, "firewall_ruleset")]["ok"] is True, host
    with sqlite3.connect(sandbox_home / "state.db") as db:
        rows = db.execute(
            "SELECT host, check_name, sha256, data, audit_seq FROM host_evidence WHERE run_id = ?",
            (run["id"],),
        ).fetchall()
    with sqlite3.connect(sandbox_home / "audit.db") as db:
        entries = {
            seq: (action, subject, json.loads(payload))
            for seq, action, subject, payload in db.execute(
                "SELECT seq, action, subject, payload FROM entries WHERE action LIKE 'evidence.%'"
            )
        }
    assert len(rows) == len(evidence)
    for host, check, sha256, data, seq in rows:
        action, subject, payload = entries[seq]
        assert (action, subject) == (f"evidence.{check}", host)
        assert payload["sha256"] == sha256 == sha256_hex(canonical_json(json.loads(data)))
        assert set(payload) == {"ok", "sha256", "run_id", "phase", "check_mode"}
        if check == "sshd_config":
            effective = json.loads(data)["effective"]
            assert "permitrootlogin no" in effective and "passwordauthentication no" in effective
        if check == "firewall_ruleset":
            assert "policy drop;" in json.loads(data)["ruleset"]

    result = nova("compliance", "report", "--inventory", "sandbox", "--output", "json",
                  env=sandbox_env)  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    controls = {c["control"]: c for c in document["controls"]}
    # Each control rests on several checks; the os_hardening role's evidence
    # (brute_force, kernel_sysctl) comes from the hosts it runs on. Here the
    # findings of the foundation's own checks must pass and name their entries.
    for number, check in (("5.15", "sshd_config"), ("8.20", "firewall_ruleset")):
        assert controls[number]["status"] in ("pass", "incomplete"), controls[number]
        findings = {f["host"]: f for f in controls[number]["findings"] if f["check"] == check}
        assert set(findings) == {"node1", "node2"}
        for host, found in findings.items():
            assert found["status"] == "pass"
            assert found["seq"] == by_key[(host, check)]["audit_seq"]


def test_unmet_minimum_fails_and_names_it(
    nova: Callable[..., Any], sandbox_env: dict[str, str]
) -> None:
    rc, run = provision(nova, sandbox_env, "-e", "system_check_min_cpu_cores=4096")
    assert rc == 1
    failures = run["results"][0]["failures"]
    assert {f["host"] for f in failures} == {"node1", "node2"}
    assert all("CPU cores" in f["message"] and "< 4096" in f["message"] for f in failures)


def test_runs_list_and_show_read_back(
    nova: Callable[..., Any], sandbox_env: dict[str, str]
) -> None:
    listed = json.loads(nova("runs", "list", "-o", "json", env=sandbox_env).stdout)
    assert len(listed) >= 3
    shown = nova("runs", "show", listed[0]["id"], env=sandbox_env)
    assert shown.returncode == 0
    assert f"# Nova run {listed[0]['id']}" in shown.stdout


def test_plain_ansible_playbook_works_from_the_clone(sandbox_env: dict[str, str]) -> None:
    import os
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, **sandbox_env}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    # The clone's own settings must find the inventory, the roles and the
    # collections, and reach a host over SSH with become. The host check alone
    # shows that: both hosts went through the whole playbook in the runs above,
    # and a third converge of it would add minutes and nothing else.
    command = ["ansible-playbook", "-i", "inventories/sandbox", "playbooks/site.yml"]
    result = subprocess.run(
        [*command, "--limit", "node2", "--tags", "system_check"],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,  # Ansible will not start on a non-blocking one
        capture_output=True,
        text=True,
        check=False,
        timeout=PROVISION_TIMEOUT,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    recap = result.stdout[result.stdout.rindex("PLAY RECAP") :]
    assert "node2" in recap and "node1" not in recap
    assert re.search(r"node2 +: ok=\d+ +changed=0 +unreachable=0 +failed=0", recap), recap
    # Every role still validates its arguments (Ansible tags that `always`). The
    # playbooks apply the roles by their collection names.
    label = r"^TASK \[nova\.spark\.(\w+) : (?!Validating arguments)"
    worked = set(re.findall(label, result.stdout, re.M))
    assert worked == {"system_check"}, worked
