"""Task status from the orchestration records: what counts as done, and what does not."""

from __future__ import annotations

import os
from pathlib import Path

import psutil

from nova.orchestrate.catalogue import Catalogue
from nova.orchestrate.states import TaskState
from nova.orchestrate.status.model import task_statuses
from nova.orchestrate.status.views import (
    next_steps_view,
    outlook,
    progress_view,
    roadmap_view,
    rollup,
    tasks_view,
)
from nova.orchestrate.store import OrchestrationStore, TaskRecord

ME = psutil.Process()


def start(
    store: OrchestrationStore,
    run_id: str,
    *,
    check: bool = False,
    pid: int = ME.pid,
    pid_started: float = ME.create_time(),
) -> None:
    store.start(
        run_id,
        mode="sequential",
        concurrency=1,
        inventory="sandbox",
        agents=["nova", "aura"],
        check_mode=check,
        queue="embedded",
        pid=pid,
        pid_started=pid_started,
    )


def record(
    store: OrchestrationStore,
    run_id: str,
    task: str,
    status: TaskState,
    finished: float | None = 100.0,
    error: str | None = None,
) -> None:
    agent, phase = ("aura", "observability") if task == "watch" else ("nova", "foundation")
    store.save_task(
        TaskRecord(
            run_id,
            task,
            agent,
            phase,
            f"s.{task}",
            status,
            queued_at=1.0,
            started_at=2.0,
            finished_at=finished,
            error=error,
        )
    )


def states(catalogue: Catalogue, store: OrchestrationStore) -> dict[str, str]:
    return {s.task.id: s.status.value for s in task_statuses(catalogue, store)}


def test_tasks_never_run_are_pending(small_catalogue: Catalogue, tmp_path: Path) -> None:
    store = OrchestrationStore(tmp_path / "state.db")
    assert states(small_catalogue, store) == {
        "first": "pending",
        "second": "pending",
        "watch": "pending",
    }


def test_only_a_real_success_is_done(small_catalogue: Catalogue, tmp_path: Path) -> None:
    store = OrchestrationStore(tmp_path / "state.db")
    start(store, "r1")
    record(store, "r1", "first", TaskState.DONE)
    record(store, "r1", "second", TaskState.NOT_RUNNABLE, error="not runnable here: no GPU")
    start(store, "r2", check=True)
    record(store, "r2", "watch", TaskState.CHECKED)
    store.finish("r1", "incomplete")
    store.finish("r2", "succeeded")
    assert states(small_catalogue, store) == {
        "first": "done",
        "second": "not-runnable",
        "watch": "checked",
    }
    view = tasks_view(task_statuses(small_catalogue, store), status="done")
    assert [t["id"] for t in view["tasks"]] == ["first"]


def test_a_dry_run_or_a_blocked_run_does_not_undo_real_work(
    small_catalogue: Catalogue, tmp_path: Path
) -> None:
    store = OrchestrationStore(tmp_path / "state.db")
    start(store, "r1")
    record(store, "r1", "first", TaskState.DONE, finished=10.0)
    start(store, "r2", check=True)
    record(store, "r2", "first", TaskState.FAILED, finished=20.0, error="check failed")
    start(store, "r3")
    record(store, "r3", "first", TaskState.BLOCKED, finished=30.0)
    for run in ("r1", "r2", "r3"):
        store.finish(run, "failed")
    assert states(small_catalogue, store)["first"] == "done"
    start(store, "r4")
    record(store, "r4", "first", TaskState.FAILED, finished=40.0, error="disk full")
    store.finish("r4", "failed")
    assert states(small_catalogue, store)["first"] == "failed"


def test_work_of_a_dead_orchestrator_is_interrupted_not_running(
    small_catalogue: Catalogue, tmp_path: Path
) -> None:
    store = OrchestrationStore(tmp_path / "state.db")
    start(store, "live")
    record(store, "live", "first", TaskState.RUNNING, finished=None)
    # same pid, another start time: the pid was reused, the orchestrator is gone
    start(store, "dead", pid=os.getpid(), pid_started=ME.create_time() - 1000)
    record(store, "dead", "watch", TaskState.QUEUED, finished=None)
    got = states(small_catalogue, store)
    assert got["first"] == "running"
    assert got["watch"] == "interrupted"


def test_rollups_and_next_steps(small_catalogue: Catalogue, tmp_path: Path) -> None:
    store = OrchestrationStore(tmp_path / "state.db")
    start(store, "r1")
    record(store, "r1", "first", TaskState.DONE)
    store.finish("r1", "succeeded")
    statuses = task_statuses(small_catalogue, store)
    phases = {p["phase"]: p for p in roadmap_view(small_catalogue, statuses)["phases"]}
    assert phases["foundation"]["status"] == "partly done"
    assert phases["foundation"]["done"] == 1 and phases["foundation"]["percent"] == 50.0
    assert phases["observability"]["status"] == "pending"
    nxt = next_steps_view(statuses, limit=1)
    assert [s["id"] for s in nxt["next"]] == ["second"]
    assert nxt["ready"] == 2 and nxt["blocked"] == []
    assert nxt["next"][0]["command"] == "nova orchestrate --agents nova --inventory sandbox"
    progress = progress_view(statuses, store.task_history(), ["nova"], limit=5)
    assert (progress["agents"][0]["done"], progress["agents"][0]["total"]) == (1, 2)
    assert [r["task"] for r in progress["recent"]] == ["first"]


def test_rollup_never_calls_a_partial_group_done() -> None:
    assert rollup([]) == "pending"
    assert rollup([TaskState.DONE, TaskState.DONE]) == "done"
    assert rollup([TaskState.DONE, TaskState.NOT_RUNNABLE]) == "not runnable here"
    assert rollup([TaskState.DONE, TaskState.CHECKED]) == "partly done"
    assert rollup([TaskState.DONE, TaskState.FAILED, TaskState.RUNNING]) == "failed"
    assert rollup([TaskState.PENDING, TaskState.RUNNING]) == "in progress"


def test_outlook_holds_tasks_behind_their_dependencies_and_what_cannot_run(
    small_catalogue: Catalogue, tmp_path: Path
) -> None:
    store = OrchestrationStore(tmp_path / "state.db")
    start(store, "live")
    record(store, "live", "first", TaskState.RUNNING, finished=None)
    statuses = task_statuses(small_catalogue, store)
    rows = {o.status.task.id: o for o in outlook(statuses, {"watch": "no Grafana here"})}
    assert (rows["first"].kind, rows["first"].reason) == ("in progress", "running")
    assert rows["second"].kind == "blocked" and rows["second"].waits_for == ("first",)
    assert rows["second"].reason == "waits for 'first' (running)"
    assert rows["watch"].not_runnable == "no Grafana here"
    assert rows["watch"].reason == "not runnable here: no Grafana here; waits for 'first' (running)"
    nxt = next_steps_view(statuses, not_runnable={"watch": "no Grafana here"})
    assert nxt["next"] == [] and nxt["ready"] == 0
    assert [t["id"] for t in nxt["in_progress"]] == ["first"]
    assert [t["id"] for t in nxt["blocked"]] == ["second", "watch"]
