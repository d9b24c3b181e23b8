"""`nova orchestrate` with real worker processes on a real queue.

The workers are `nova worker` child processes whose handlers (timed_handlers.py)
sleep and record when they ran, so overlap is measured from the tasks
themselves rather than from what the orchestrator believes.
"""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest
from orchestrate_runs import MakeCatalogue, max_overlap, read_times, task, workers

from nova.audit.log import AuditLog
from nova.kpi.store import KpiStore
from nova.orchestrate.hub.store import Hub
from nova.orchestrate.run import OrchestrateRequest, orchestrate
from nova.orchestrate.store import OrchestrationStore

# Six independent tasks over two agents, each with its own worker process.
WIDE = [
    *(task(f"orion-{i}", agent="orion", phase="model-operations") for i in range(3)),
    *(task(f"chronos-{i}", agent="chronos", phase="model-operations") for i in range(3)),
]


def no_orphans() -> bool:
    """No `nova worker` process is left behind.

    Only workers count: other children of the test process (the Molecule
    scenarios the integration session runs in the background) are not ours.
    """
    left = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and "worker" in proc.cmdline():
                left.append(proc)
        except psutil.NoSuchProcess:
            continue
    return not left


@pytest.mark.parametrize(
    ("mode", "concurrency"), [("parallel", 2), ("parallel", 3), ("sequential", 4)]
)
def test_a_phase_never_runs_more_tasks_at_once_than_allowed(
    orchestrate_env: Path, make_catalogue: MakeCatalogue, mode: str, concurrency: int
) -> None:
    catalogue = make_catalogue(WIDE)
    request = OrchestrateRequest(mode=mode, concurrency=concurrency, inventory="local")
    run = orchestrate(request, catalogue=catalogue, worker_command=workers(catalogue))

    assert run.status == "succeeded", run.to_dict()
    times = read_times(orchestrate_env)
    assert sorted(t["task"] for t in times) == sorted(t["id"] for t in WIDE)
    bound = 1 if mode == "sequential" else concurrency
    assert max_overlap(times) <= bound
    # the bound is reached, so the run was really parallel (or really one at a time)
    assert max_overlap(times) == bound
    assert len({t["pid"] for t in times}) == 2  # each agent's tasks ran in its own worker
    assert no_orphans()


def test_dependencies_order_the_tasks_and_a_failed_phase_stops_the_run(
    orchestrate_env: Path, make_catalogue: MakeCatalogue
) -> None:
    catalogue = make_catalogue(
        [
            task("base"),
            task("left", depends_on=["base"]),
            task("right", depends_on=["base"]),
            task("top", depends_on=["left", "right"]),
            task("model", agent="orion", phase="model-operations", depends_on=["top"]),
            task("broken", agent="lumina", phase="data-services"),
            task("after-broken", agent="lumina", phase="data-services", depends_on=["broken"]),
            task("watch", agent="aura", phase="observability"),
        ]
    )
    request = OrchestrateRequest(mode="parallel", concurrency=4, inventory="local")
    run = orchestrate(
        request, catalogue=catalogue, worker_command=workers(catalogue, {"broken": "broken"})
    )

    assert run.status == "failed"
    times = {t["task"]: t for t in read_times(orchestrate_env)}
    assert times["left"]["start"] >= times["base"]["end"]
    assert times["right"]["start"] >= times["base"]["end"]
    assert times["top"]["start"] >= max(times["left"]["end"], times["right"]["end"])
    assert times["model"]["start"] >= times["top"]["end"]
    states = {t.task: t.status.value for t in run.tasks}
    assert states["broken"] == "failed" and states["after-broken"] == "blocked"
    assert "watch" not in states and "watch" not in times  # never started: stays pending
    phases = {p.name: p.status for p in run.phases}
    assert phases == {
        "foundation": "succeeded",
        "model-operations": "succeeded",
        "data-services": "failed",
        "observability": "not-started",
    }
    broken = next(t for t in run.tasks if t.task == "broken")
    assert broken.error == "the disk is full"


def test_not_runnable_is_never_success_and_blocks_only_what_depends_on_it(
    orchestrate_env: Path, make_catalogue: MakeCatalogue
) -> None:
    catalogue = make_catalogue(
        [
            task("gpu", agent="orion", phase="model-operations"),
            task("db", agent="lumina", phase="data-services"),
            task("face", agent="echo", phase="experience"),
            task("watch", agent="aura", phase="observability"),
        ]
    )
    request = OrchestrateRequest(inventory="local")
    run = orchestrate(
        request, catalogue=catalogue, worker_command=workers(catalogue, {"gpu": "unavailable"})
    )

    assert run.status == "incomplete"
    states = {t.task: t.status.value for t in run.tasks}
    assert states == {"gpu": "not-runnable", "db": "done", "watch": "done"}
    phases = {p.name: (p.status, p.note) for p in run.phases}
    assert phases["model-operations"][0] == "incomplete"
    assert phases["experience"] == ("blocked", "depends on 'model-operations', which incomplete")


def test_the_hub_and_the_report_record_the_run(
    orchestrate_env: Path, make_catalogue: MakeCatalogue, nova_home: Path
) -> None:
    catalogue = make_catalogue(
        [task("base"), task("model", agent="orion", phase="model-operations", depends_on=["base"])]
    )
    started = time.time()
    run = orchestrate(
        OrchestrateRequest(inventory="local"),
        catalogue=catalogue,
        worker_command=workers(catalogue),
    )
    messages = Hub().read(run.id)
    kinds = [m.kind for m in messages]
    assert kinds == [
        "run-start",
        "phase-start",
        "agent-start",
        "task-result",
        "phase-end",
        "phase-start",
        "agent-start",
        "task-result",
        "phase-end",
        "run-end",
    ]
    agent_start = messages[6]
    assert agent_start.body["agent"] == "orion"
    assert agent_start.body["phase_depends_on"] == ["foundation"]
    assert agent_start.body["depends_on_agents"] == ["nova"]
    assert agent_start.body["tasks"] == [
        {"id": "model", "skill": "t.model", "depends_on": ["base"]}
    ]
    assert all(m.at >= started for m in messages)

    stored = OrchestrationStore().get_run(run.id)
    assert stored is not None and stored.memory is not None
    assert stored.memory.total > 10 * 1024 * 1024
    assert set(stored.memory.by_process) == {"orchestrator", "worker nova", "worker orion"}
    report = Path(run.report_path or "").read_text()
    assert run.report_path == str(nova_home / "reports" / f"orchestrate-{run.id}.md")
    for heading in (
        "## Execution plan",
        "## Phases",
        "## Agents",
        "## Communication log",
        "## Peak memory",
    ):
        assert heading in report
    assert "| 2 | model-operations | orion | model | `t.model` | 1 |" in report
    assert "agent-start | orchestrator | * | agent orion" in report

    # The same recorder as provisioning: the audit chain and the KPIs hold the run.
    entries = [e for e in AuditLog().entries() if e.subject == run.id]
    assert [e.action for e in entries] == [
        "orchestrate.run.start",
        "orchestrate.phase",
        "orchestrate.phase",
        "orchestrate.run.finish",
    ]
    assert entries[-1].payload["report"] == run.report_path
    assert entries[-1].payload["status"] == "succeeded"
    kpis = KpiStore(nova_home / "kpi.db")
    assert [(s.labels, s.count) for s in kpis.read("orchestrate_runs_total")] == [
        ({"status": "succeeded"}, 1)
    ]
    tasks = {
        s.labels["agent"]: s.count for s in kpis.read("orchestrate_agent_task_duration_seconds")
    }
    assert tasks == {"nova": 1, "orion": 1}
