"""`nova agents up|status|down` and `nova worker --blueprint`, end to end.

A real queue server on loopback, the supervisor daemon as a detached process,
and a real blueprint worker under it that takes a task and settles it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psutil
import yaml
from agent_helpers import wait_for
from click.testing import CliRunner

from nova.agents.launch import LaunchDenied
from nova.audit.log import AuditLog
from nova.cli.agents import agents
from nova.cli.worker import worker
from nova.queue.client import QueueClient, Spec
from nova.queue.model import State


def run(args: list[str]) -> Any:
    result = CliRunner().invoke(agents, args, standalone_mode=False, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "json" in args else result.output


def test_supervised_blueprint_worker_takes_a_task_and_stops_cleanly(
    nova_env: Path, queue_server: Any
) -> None:
    address = f"127.0.0.1:{queue_server.port}"
    started = run(["up", "--blueprint", "planner", "--server", address, "--output", "json"])
    daemon = psutil.Process(started["pid"])
    try:
        status = wait_for(
            lambda: (
                (s := run(["status", "-o", "json"]))["programs"]
                and s["programs"][0]["state"] == "running"
                and s
            )
        )
        program = status["programs"][0]
        worker_proc = psutil.Process(program["pid"])
        assert abs(worker_proc.create_time() - program["create_time"]) < 0.01
        assert worker_proc.pid == __import__("os").getpgid(worker_proc.pid)  # own group
        assert "--blueprint" in worker_proc.cmdline() and "planner" in worker_proc.cmdline()

        with QueueClient(address, timeout=5.0) as client:
            task_id = client.enqueue(
                Spec(type="plan.order", skills=["plan.order"], payload=b'{"task": "plan"}')
            ).task_id
            task = wait_for(
                lambda: (t := client.get(task_id)).state == State.SUCCEEDED and t, timeout=30
            )
        result = json.loads(task.result)
        assert result["skill"] == "plan.order"
        assert result["phases"][0]["name"] == "foundation"
    finally:
        stopped = run(["down", "-o", "json"])
    assert stopped["was_running"] and not stopped["forced"]
    assert not daemon.is_running()
    assert not worker_proc.is_running()
    assert run(["status", "-o", "json"])["running"] is False

    moves = [
        (e.payload["from"], e.payload["to"])
        for e in AuditLog().entries()
        if e.action == "agent.state" and e.subject == "planner"
    ]
    assert moves == [("stopped", "running"), ("running", "stopping"), ("stopping", "stopped")]
    launches = [e for e in AuditLog().entries() if e.action == "agent.worker.launch"]
    assert launches and launches[0].decision_id


def test_up_refuses_twice_and_down_without_supervisor_says_so(
    nova_env: Path, queue_server: Any
) -> None:
    address = f"127.0.0.1:{queue_server.port}"
    run(["up", "--blueprint", "observer", "--server", address])
    try:
        again = CliRunner().invoke(agents, ["up", "--blueprint", "planner", "--server", address])
        assert "already running" in str(again.exception)
    finally:
        run(["down"])
    assert "was not running" in run(["down"])


def test_policy_refusal_stops_the_launch_before_any_process(nova_env: Path) -> None:
    folder = nova_env / "blueprints"
    folder.mkdir(parents=True)
    document = {
        "apiVersion": "nova/v1",
        "name": "sneaky",
        "role": "coder",
        "phase": "foundation",
        "goal": "Lint, and provision.",
        "skills": ["code.syntax", "ops.provision"],
    }
    (folder / "sneaky.yaml").write_text(yaml.safe_dump(document))
    refused = CliRunner().invoke(agents, ["up", "--blueprint", "sneaky"])
    assert isinstance(refused.exception, LaunchDenied)
    assert "role coder may not use skill ops.provision" in str(refused.exception)
    assert not (nova_env / "agents" / "supervisor.pid").exists()
    direct = CliRunner().invoke(worker, ["--blueprint", "sneaky", "--server", "127.0.0.1:1"])
    assert isinstance(direct.exception, LaunchDenied)
    denied = [
        e
        for e in AuditLog().entries()
        if e.action == "policy.decision" and e.subject == "nova/agent"
    ]
    assert denied and not denied[-1].payload["allow"]
