"""The status commands read the state store; a fresh store shows every task pending."""

from __future__ import annotations

import json
from pathlib import Path

import psutil
from click.testing import CliRunner

from nova.cli import status as commands
from nova.core.errors import InputError
from nova.orchestrate.states import TaskState
from nova.orchestrate.store import OrchestrationStore, TaskRecord


def run(command: object, *args: str) -> str:
    result = CliRunner().invoke(command, list(args), catch_exceptions=False)  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    return result.output


def record_foundation(home: Path) -> None:
    me = psutil.Process()
    store = OrchestrationStore(home / "state.db")
    store.start(
        "r1",
        mode="parallel",
        concurrency=2,
        inventory="sandbox",
        agents=["nova"],
        check_mode=False,
        queue="embedded",
        pid=me.pid,
        pid_started=me.create_time(),
    )
    for i, task in enumerate(["infrastructure-audit", "container-platform"]):
        store.save_task(
            TaskRecord(
                "r1",
                task,
                "nova",
                "foundation",
                "s",
                TaskState.DONE,
                queued_at=1.0 + i,
                started_at=2.0 + i,
                finished_at=3.0 + i,
            )
        )
    store.save_task(
        TaskRecord(
            "r1",
            "secure-remote-access",
            "nova",
            "foundation",
            "s",
            TaskState.FAILED,
            finished_at=9.0,
            error="wg: no tun",
        )
    )
    store.finish("r1", "failed")


def test_a_fresh_home_shows_every_task_pending(nova_home: Path) -> None:
    tasks = json.loads(run(commands.tasks, "-o", "json"))
    assert len(tasks["tasks"]) == 22
    assert tasks["counts"] == {"pending": 22}
    summary = json.loads(run(commands.summary, "-o", "json"))
    assert (summary["done"], summary["total"], summary["runs"]) == (0, 22, [])


def test_views_follow_the_recorded_runs(nova_home: Path) -> None:
    record_foundation(nova_home)
    progress = json.loads(run(commands.progress, "--agent", "nova", "--limit", "2", "-o", "json"))
    (nova,) = progress["agents"]
    assert (nova["done"], nova["total"], nova["status"]) == (2, 5, "failed")
    assert [r["task"] for r in progress["recent"]] == ["secure-remote-access", "container-platform"]
    roadmap = json.loads(run(commands.roadmap, "--phase", "foundation", "-o", "json"))
    assert [p["phase"] for p in roadmap["phases"]] == ["foundation"]
    nxt = json.loads(run(commands.next_steps, "--limit", "10", "-o", "json"))
    ids = [s["id"] for s in nxt["next"]]
    assert ids[0] == "secure-remote-access" and "backup-recovery" in ids
    assert "security-audit" not in ids  # it waits for secure remote access
    steps = json.loads(run(commands.step_plan, "--phase", "foundation", "-o", "json"))["steps"]
    assert [s["after_steps"] for s in steps] == [[], [1], [1], [2, 3], [1]]


def test_checklist_ticks_only_done_tasks_and_export_writes_it(
    nova_home: Path, tmp_path: Path
) -> None:
    record_foundation(nova_home)
    target = tmp_path / "out" / "checklist.md"
    run(commands.tasks, "--agent", "nova", "--checklist", "--export", str(target))
    text = target.read_text()
    assert "- [x] Infrastructure audit (nova, foundation)" in text
    assert "- [ ] Secure remote access (nova, foundation): failed: wg: no tun" in text
    assert text.count("[x]") == 2 and text.count("[ ]") == 3
    as_json = tmp_path / "summary.json"
    run(commands.summary, "--export", str(as_json))
    assert json.loads(as_json.read_text())["runs"][0]["id"] == "r1"


def test_unknown_agent_or_phase_is_an_input_error(nova_home: Path) -> None:
    for command, args in (
        (commands.tasks, ["--agent", "zeus"]),
        (commands.step_plan, ["--phase", "moon"]),
    ):
        result = CliRunner().invoke(command, args)
        assert isinstance(result.exception, InputError)
