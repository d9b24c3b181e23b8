"""An end-to-end orchestration of the foundation on the 2-node sandbox.

The nova agent's real worker (`nova worker --blueprint nova`, a child process)
runs the foundation skills over SSH against the sandbox containers; then
the status commands, reading only the state store, must agree with what the
workers reported. Each task has a timeout, so the test stays bounded on a
slow machine: a task that runs out of time is recorded as failed, never as
done.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nova.cli import status as commands
from nova.orchestrate.run import OrchestrateRequest, orchestrate

FOUNDATION = {
    "infrastructure-audit",
    "container-platform",
    "secure-remote-access",
    "security-audit",
    "backup-recovery",
}


def status_json(command: object, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(command, [*args, "-o", "json"], catch_exceptions=False)  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.output)
    return data


def test_foundation_through_real_workers_and_progress_reflects_it(
    sandbox_env: dict[str, str], sandbox_home: Path
) -> None:
    before = status_json(commands.progress, "--agent", "nova")
    request = OrchestrateRequest(
        agents=("nova",),
        mode="parallel",
        concurrency=4,
        inventory="sandbox",
        limit="node1",
        # infrastructure-audit gates the rest; while Molecule scenarios boot
        # their containers beside it, it has taken more than 45 s here.
        task_timeout=150,
    )
    run = orchestrate(request)

    records = {t.task: t for t in run.tasks}
    assert set(records) == FOUNDATION
    assert all(t.finished_at is not None for t in records.values())
    audit = records["infrastructure-audit"]
    assert audit.status.value == "done", audit.error
    result = json.loads(audit.result or "{}")
    assert result["skill"] == "infra.audit" and result["status"] == "successful"
    assert set(result["hosts"]) == {"node1"}  # --limit reached the role run
    for record in records.values():
        if record.status.value == "done":  # only what a worker acknowledged
            assert json.loads(record.result or "{}")["skill"]
        else:
            assert record.error, record.task

    progress = status_json(commands.progress, "--agent", "nova", "--limit", "20")
    (nova,) = progress["agents"]  # type: ignore[misc]
    done = sum(r.status.value == "done" for r in records.values())
    assert nova["done"] == done >= 1
    assert before["agents"][0]["done"] == 0  # type: ignore[index]
    recent = {(r["task"], r["status"]) for r in progress["recent"] if r["run"] == run.id}  # type: ignore[union-attr,index]
    assert recent == {(t, r.status.value) for t, r in records.items()}
    tasks = status_json(commands.tasks, "--agent", "nova")["tasks"]
    assert {t["id"]: t["status"] for t in tasks} == {  # type: ignore[union-attr,index]
        t: r.status.value for t, r in records.items()
    }
    report = Path(run.report_path or "").read_text()
    assert "worker nova" in report and "| agent-start | orchestrator | * | agent nova |" in report
    assert f"# Nova orchestration {run.id}" in report
