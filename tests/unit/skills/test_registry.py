"""The skill registry: the fixed ids, and handlers that never report false success."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from nova.agents.skills import NotRunnable
from nova.agents.skills.kinds import CommandRun, RoleRun, SkillContext
from nova.agents.skills.registry import SKILLS, SPECIALISTS, handler_for
from nova.agents.skills.request import SkillRequest
from nova.queue.model import State, Task
from nova.queue.worker import Fatal, Job, Retry

SPECIALIST_SKILLS = {
    "nova": (
        "infra.audit",
        "containers.platform",
        "network.vpn",
        "security.audit",
        "backup.recovery",
    ),
    "orion": ("nvidia.nemo", "models.select", "models.finetune", "python.langchain"),
    "lumina": ("data.relational", "data.vector"),
    "echo": ("nvidia.ace", "nvidia.avatar", "integrations.teams"),
    "chronos": ("automation.n8n", "delivery.cd", "agents.pipeline", "data.flywheel"),
    "aura": (
        "observability.grafana",
        "observability.lux",
        "observability.efficiency",
        "observability.feedback",
    ),
}


def job(skill: str, payload: dict[str, object] | bytes = b"") -> Job:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    now = time.time()
    task = Task(
        id="t1",
        type=skill,
        payload=data,
        metadata={},
        priority=0,
        not_before=0.0,
        skills=(skill,),
        state=State.LEASED,
        attempts=1,
        max_attempts=3,
        attempt_id="a1",
        worker_id="w",
        lease_until=now + 30,
        created_at=now,
        updated_at=now,
        error="",
        result=b"",
        idempotency_key="",
    )
    return Job(task, "a1")


def test_the_22_specialist_skills_are_registered_to_their_agents() -> None:
    assert SPECIALISTS == SPECIALIST_SKILLS
    assert sum(len(v) for v in SPECIALISTS.values()) == 22
    for skill_id in (s for group in SPECIALISTS.values() for s in group):
        assert SKILLS[skill_id].id == skill_id


@pytest.mark.parametrize(
    "skill", ["nvidia.nemo", "models.finetune", "nvidia.ace", "nvidia.avatar", "integrations.teams"]
)
def test_work_that_cannot_run_here_is_a_final_not_runnable_failure(skill: str) -> None:
    with pytest.raises(Fatal, match=r"^not runnable here: \S"):
        handler_for(skill)(job(skill, {"inventory": "sandbox"}))


def test_a_role_missing_from_the_checkout_is_not_runnable() -> None:
    # A role that no checkout has: the skill must refuse before any playbook runs.
    ctx = SkillContext("data.vector", SkillRequest(inventory="local"))
    with pytest.raises(NotRunnable, match="role nova_no_such_role is not in this checkout"):
        RoleRun("nova_no_such_role").run(ctx)


def test_role_skill_without_an_inventory_is_refused_before_running() -> None:
    with pytest.raises(Fatal, match=r"payload: inventory: skill infra\.audit needs an inventory"):
        handler_for("infra.audit")(job("infra.audit", {"check": True}))


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{not json", "not JSON"),
        (b"[1]", "must be a JSON object"),
        ({"inventory": "x", "shell": "rm"}, "shell: unknown key"),
        ({"args": {"scenario": "a b"}}, "args.scenario: must be a short word"),
    ],
)
def test_bad_payloads_are_final_with_the_field_named(payload: object, message: str) -> None:
    with pytest.raises(Fatal, match=message):
        handler_for("plan.order")(job("plan.order", payload))  # type: ignore[arg-type]


def test_a_callable_skill_returns_json_of_what_it_read() -> None:
    result = json.loads(handler_for("plan.order")(job("plan.order")))
    names = [p["name"] for p in result["phases"]]
    assert names[0] == "foundation"
    assert {"foundation", "observability"} <= set(names)
    assert result["skill"] == "plan.order"
    assert result["handler"] == {"kind": "callable", "callable": "plan_order"}


def test_model_selection_reports_the_figures_it_chose_by() -> None:
    result = json.loads(handler_for("models.select")(job("models.select")))
    assert result["budget_gib"] > 0
    assert result["selected"] in result["considered"]
    assert "nothing" not in result.get("selected", "")


def test_command_placeholders_are_validated_and_never_reach_a_shell() -> None:
    command = CommandRun(("molecule", "test", "-s", "{scenario}"))
    assert command.render({"scenario": "system_check"}) == [
        "molecule",
        "test",
        "-s",
        "system_check",
    ]
    from nova.core.errors import InputError

    with pytest.raises(InputError, match="no molecule scenario nope"):
        command.render({"scenario": "nope"})
    with pytest.raises(InputError, match=r"args\.scenario: required"):
        command.render({})


def test_a_command_skill_runs_and_reports_its_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVA_HOME", str(tmp_path))
    result = json.loads(
        handler_for("code.syntax")(job("code.syntax", {"args": {"playbook": "site.yml"}}))
    )
    assert result["rc"] == 0
    assert result["argv"][-1] == "playbooks/site.yml"
    assert Path(result["log"]).is_file()


def test_a_failing_command_is_a_final_failure_naming_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVA_HOME", str(tmp_path))
    monkeypatch.setenv("NOVA_PROJECT", str(tmp_path / "project"))
    (tmp_path / "project" / "playbooks").mkdir(parents=True)
    (tmp_path / "project" / "playbooks" / "broken.yml").write_text("- hosts: all\n  tasks: 3\n")
    with pytest.raises(Fatal, match=r"exited [1-9].*output\.log"):
        handler_for("code.syntax")(job("code.syntax", {"args": {"playbook": "broken.yml"}}))


def test_a_run_given_up_on_cancellation_is_retried_not_dead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker's cold stop cancels its jobs: the work was not done, so it may be again."""
    monkeypatch.setenv("NOVA_HOME", str(tmp_path))
    given_up = job("code.syntax", {"args": {"playbook": "site.yml"}})
    given_up.cancelled.set()
    with pytest.raises(Retry, match="cancelled"):
        handler_for("code.syntax")(given_up)


def test_the_pipeline_check_reads_the_catalogue_it_is_handed() -> None:
    from nova.agents.blueprints.catalogue import load_catalogue

    result = json.loads(handler_for("agents.pipeline", load_catalogue)(job("agents.pipeline")))
    assert result["blueprints"] == len(load_catalogue()) > 0
    assert "chronos" in result["runnable"]
    # Skills sit below blueprints: without a loader handed down, it says so.
    with pytest.raises(Fatal, match="needs the blueprint catalogue"):
        handler_for("agents.pipeline")(job("agents.pipeline"))


def test_the_policy_skill_runs_the_rego_tests_through_the_engine_in_force(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NOVA_POLICY_DIR", raising=False)
    monkeypatch.delenv("NOVA_POLICY_ENGINE", raising=False)
    result = json.loads(handler_for("security.policy")(job("security.policy")))
    assert result["engine"] == "regopy"
    assert result["tests"] == result["passed"] > 0
    monkeypatch.setenv("NOVA_POLICY_ENGINE", "opal")
    with pytest.raises(Fatal, match="NOVA_POLICY_ENGINE: unknown engine 'opal'"):
        handler_for("security.policy")(job("security.policy"))
