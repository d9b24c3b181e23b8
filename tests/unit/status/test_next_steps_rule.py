"""One rule for what may run next: every dependency done, and runnable here.

`nova next-steps`, `progress` and `summary` read a real state store under a
temporary NOVA_HOME, the project's own task catalogue and the agents' real
blueprints and skill registry: what they call runnable is what a worker would run.
"""

from __future__ import annotations

import json
from pathlib import Path

import psutil
import yaml
from click.testing import CliRunner

from nova.agents.blueprints.catalogue import BUILTIN_DIR
from nova.cli import status as commands
from nova.orchestrate.catalogue import load_catalogue
from nova.orchestrate.states import TaskState
from nova.orchestrate.status.runnable import not_runnable_here
from nova.orchestrate.store import OrchestrationStore, TaskRecord

ME = psutil.Process()


def run(command: object, *args: str) -> str:
    result = CliRunner().invoke(command, list(args), catch_exceptions=False)  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    return result.output


def record(home: Path, run_id: str, outcomes: dict[str, TaskState], *, check: bool = False,
           errors: dict[str, str] | None = None) -> None:  # fmt: skip
    """A finished orchestration that recorded `outcomes` for catalogue tasks."""
    catalogue = load_catalogue()
    store = OrchestrationStore(home / "state.db")
    store.start(
        run_id,
        mode="sequential",
        concurrency=1,
        inventory="local",
        agents=sorted({catalogue.by_id[t].agent for t in outcomes}),
        check_mode=check,
        queue="embedded",
        pid=ME.pid,
        pid_started=ME.create_time(),
    )
    for i, (task_id, state) in enumerate(outcomes.items()):
        task = catalogue.by_id[task_id]
        store.save_task(
            TaskRecord(
                run_id,
                task.id,
                task.agent,
                task.phase,
                task.skill,
                state,
                queued_at=1.0 + i,
                started_at=2.0 + i,
                finished_at=3.0 + i,
                error=(errors or {}).get(task_id),
            )
        )
    store.finish(run_id, "succeeded" if not check else "incomplete")


def next_steps(*args: str) -> dict[str, object]:
    return json.loads(run(commands.next_steps, "--limit", "30", "-o", "json", *args))


def blocked(view: dict[str, object]) -> dict[str, str]:
    return {b["id"]: b["reason"] for b in view["blocked"]}  # type: ignore[attr-defined]


def suggested(view: dict[str, object]) -> list[str]:
    return [s["id"] for s in view["next"]]  # type: ignore[attr-defined]


def test_a_dependent_task_is_suggested_only_once_its_dependency_is_done(nova_home: Path) -> None:
    fresh = next_steps()
    assert "infrastructure-audit" in suggested(fresh)
    assert "container-platform" not in suggested(fresh)
    assert blocked(fresh)["container-platform"] == "waits for 'infrastructure-audit' (pending)"

    # A success in check mode changed nothing: the dependency is still not done.
    record(nova_home, "r1", {"infrastructure-audit": TaskState.CHECKED}, check=True)
    checked = next_steps()
    assert "container-platform" not in suggested(checked)
    assert blocked(checked)["container-platform"] == "waits for 'infrastructure-audit' (checked)"
    assert suggested(checked)[0] == "infrastructure-audit"

    record(nova_home, "r2", {"infrastructure-audit": TaskState.DONE})
    done = next_steps()
    assert "infrastructure-audit" not in suggested(done) + list(blocked(done))
    assert {"container-platform", "secure-remote-access", "backup-recovery"} <= set(suggested(done))
    assert blocked(done)["security-audit"] == (
        "waits for 'container-platform' (pending), 'secure-remote-access' (pending)"
    )

    record(nova_home, "r3", {"container-platform": TaskState.DONE,
                             "secure-remote-access": TaskState.FAILED})  # fmt: skip
    later = next_steps("--phase", "foundation")
    assert "security-audit" not in suggested(later)
    assert blocked(later)["security-audit"] == "waits for 'secure-remote-access' (failed)"
    assert {s["id"]: s["why"] for s in later["next"]}["secure-remote-access"] == (  # type: ignore[index]
        "failed last time"
    )


def test_tasks_that_cannot_run_here_are_never_suggested_and_say_why(nova_home: Path) -> None:
    fresh = next_steps()
    reasons = blocked(fresh)
    # NeMo has no dependency at all: only the host keeps it from running.
    assert "nemo-install" not in suggested(fresh)
    assert reasons["nemo-install"].startswith("not runnable here: NeMo needs an NVIDIA GPU")
    # Behind a task that cannot run here, a task waits for ever, and says so.
    assert "waits for 'nemo-install' (not runnable here)" in reasons["fine-tuning"]
    text = run(commands.next_steps, "--limit", "30")
    assert "NeMo install (orion, model-operations): not runnable here: NeMo needs" in text

    # A recorded outcome counts too: the worker found llm-selection cannot run here.
    error = "not runnable here: no memory figure for this host"
    record(nova_home, "r1", {"llm-selection": TaskState.NOT_RUNNABLE},
           errors={"llm-selection": error})  # fmt: skip
    after = next_steps()
    assert "llm-selection" not in suggested(after)
    assert blocked(after)["llm-selection"] == ("not runnable here: no memory figure for this host")


def test_a_skill_the_agents_blueprint_does_not_offer_is_not_runnable(nova_home: Path) -> None:
    """A blueprint in NOVA_HOME takes the built-in's place, as it does for the worker."""
    document = yaml.safe_load((BUILTIN_DIR / "nova.yaml").read_text())
    document["skills"].remove("backup.recovery")
    (nova_home / "blueprints").mkdir(parents=True)
    (nova_home / "blueprints" / "nova.yaml").write_text(yaml.safe_dump(document))
    reasons = not_runnable_here(load_catalogue())
    assert reasons["backup-recovery"] == "blueprint 'nova' does not offer skill 'backup.recovery'"
    assert "infrastructure-audit" not in reasons  # its role is in this checkout

    record(nova_home, "r1", {"infrastructure-audit": TaskState.DONE})
    view = next_steps()
    assert "backup-recovery" not in suggested(view)
    assert "container-platform" in suggested(view)


def test_a_blueprint_that_does_not_load_blocks_its_agents_tasks(nova_home: Path) -> None:
    (nova_home / "blueprints").mkdir(parents=True)
    (nova_home / "blueprints" / "aura.yaml").write_text("apiVersion: nova/v1\nkind: Blueprint\n")
    reasons = not_runnable_here(load_catalogue())
    aura = [t.id for t in load_catalogue().tasks if t.agent == "aura"]
    assert aura and all(reasons[t].startswith("blueprint 'aura' cannot be loaded: ") for t in aura)
    assert all("\n" not in reasons[t] for t in aura)


def test_progress_lists_each_agents_next_steps_by_the_same_rule(nova_home: Path) -> None:
    record(nova_home, "r1", {"infrastructure-audit": TaskState.DONE,
                             "container-platform": TaskState.DONE,
                             "secure-remote-access": TaskState.FAILED},
           errors={"secure-remote-access": "wg: no tun"})  # fmt: skip
    view = json.loads(run(commands.progress, "-o", "json"))
    agents = {a["agent"]: a for a in view["agents"]}
    nova = agents["nova"]
    assert [s["id"] for s in nova["next"]] == ["secure-remote-access", "backup-recovery"]
    assert nova["next"][0]["reason"] == "failed last time (wg: no tun)"
    assert {s["id"]: s["reason"] for s in nova["blocked"]} == {
        "security-audit": "waits for 'secure-remote-access' (failed)"
    }
    orion = agents["orion"]
    assert [s["id"] for s in orion["next"]] == ["llm-selection"]
    assert {s["id"] for s in orion["blocked"]} == {"nemo-install", "fine-tuning", "langchain"}

    text = run(commands.progress, "--agent", "nova")
    assert "Next steps per agent" in text
    assert "nova: Secure remote access (failed last time (wg: no tun)); Backup and" in text
    assert "blocked: Security audit: waits for 'secure-remote-access' (failed)" in text


def test_summary_lists_each_agents_next_steps(nova_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    run(commands.summary, "--export", str(target))
    text = target.read_text()
    assert "## Next steps per agent" in text
    assert "- **nova**: Infrastructure audit (not run yet); 4 blocked" in text
    view = json.loads(run(commands.summary, "-o", "json"))
    nova = next(a for a in view["agents"] if a["agent"] == "nova")
    assert [s["id"] for s in nova["next"]] == ["infrastructure-audit"]
    assert len(nova["blocked"]) == 4

    record(nova_home, "r1", {t: TaskState.DONE for t in (
        "infrastructure-audit", "container-platform", "secure-remote-access",
        "security-audit", "backup-recovery")})  # fmt: skip
    view = json.loads(run(commands.summary, "-o", "json"))
    nova = next(a for a in view["agents"] if a["agent"] == "nova")
    assert (nova["next"], nova["blocked"], nova["ready"]) == ([], [], 0)
    run(commands.summary, "--export", str(target))
    assert "- **nova**: nothing left to do" in target.read_text()
