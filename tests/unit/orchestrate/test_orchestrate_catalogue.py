"""The task catalogue: the shipped one, validation errors, and run order."""

from __future__ import annotations

from pathlib import Path

import pytest
from orchestrate_catalogues import WriteCatalogue, task

from nova.core.errors import InputError
from nova.orchestrate.catalogue import load_catalogue

SPECIALIST_TASKS = {
    "nova": [
        "infrastructure-audit",
        "container-platform",
        "secure-remote-access",
        "security-audit",
        "backup-recovery",
    ],
    "orion": ["nemo-install", "llm-selection", "fine-tuning", "langchain"],
    "lumina": ["relational-databases", "vector-knowledge-base"],
    "echo": ["ace-toolkit", "avatar-pipeline", "teams-integration"],
    "chronos": ["n8n", "continuous-delivery", "agent-pipelines", "data-flywheel"],
    "aura": ["grafana", "lux-dashboard", "efficiency-optimisation", "feedback-visualisation"],
}
SKILLS = {
    "infrastructure-audit": "infra.audit",
    "container-platform": "containers.platform",
    "secure-remote-access": "network.vpn",
    "security-audit": "security.audit",
    "backup-recovery": "backup.recovery",
    "nemo-install": "nvidia.nemo",
    "llm-selection": "models.select",
    "fine-tuning": "models.finetune",
    "langchain": "python.langchain",
    "relational-databases": "data.relational",
    "vector-knowledge-base": "data.vector",
    "ace-toolkit": "nvidia.ace",
    "avatar-pipeline": "nvidia.avatar",
    "teams-integration": "integrations.teams",
    "n8n": "automation.n8n",
    "continuous-delivery": "delivery.cd",
    "agent-pipelines": "agents.pipeline",
    "data-flywheel": "data.flywheel",
    "grafana": "observability.grafana",
    "lux-dashboard": "observability.lux",
    "efficiency-optimisation": "observability.efficiency",
    "feedback-visualisation": "observability.feedback",
}


def test_the_shipped_catalogue_holds_the_22_specialist_tasks() -> None:
    catalogue = load_catalogue()
    assert len(catalogue.tasks) == 22
    for agent, ids in SPECIALIST_TASKS.items():
        assert sorted(t.id for t in catalogue.tasks if t.agent == agent) == sorted(ids)
    assert {t.id: t.skill for t in catalogue.tasks} == SKILLS
    owners = {p.name: set(p.agents) for p in catalogue.plan.phases}
    assert all(t.agent in owners[t.phase] for t in catalogue.tasks)


def test_every_catalogue_skill_is_in_the_registry_with_the_same_owner() -> None:
    from nova.agents.skills.registry import SKILLS as REGISTRY

    for t in load_catalogue().tasks:
        assert REGISTRY[t.skill].owner == t.agent, t.id


def test_shipped_order_follows_the_plan_and_every_dependency() -> None:
    catalogue = load_catalogue()
    phases = [p.name for p in catalogue.plan.phases]
    position = {t.id: i for i, t in enumerate(catalogue.tasks)}
    assert [t.phase for t in catalogue.tasks] == sorted(
        (t.phase for t in catalogue.tasks), key=phases.index
    )
    for t in catalogue.tasks:
        assert all(position[d] < position[t.id] for d in t.depends_on), t.id


def test_ready_tasks_keep_declaration_order(write_catalogue: WriteCatalogue) -> None:
    catalogue = load_catalogue(
        write_catalogue(
            [
                task("late", phase="observability", agent="aura"),
                task("b", depends_on=["a"]),
                task("a"),
                task("c"),
            ]
        )
    )
    assert [t.id for t in catalogue.tasks] == ["a", "b", "c", "late"]


@pytest.mark.parametrize(
    ("tasks", "field", "reason"),
    [
        ([task("a", colour="red")], "tasks[0].colour", "unknown key"),
        ([{**task("a"), "title": ""}], "tasks[0].title", "is required"),
        ([task("A b")], "tasks[0].id", "lower-case name"),
        ([task("a"), task("a")], "tasks[1].id", "duplicate task 'a'"),
        ([task("a", phase="moon")], "tasks[0].phase", "unknown phase 'moon'"),
        ([task("a", agent="aura")], "tasks[0].agent", "'aura' does not own phase 'foundation'"),
        ([task("a", depends_on=["ghost"])], "tasks[0].depends_on", "unknown task 'ghost'"),
        ([task("a", depends_on=["a"])], "tasks[0].depends_on", "cannot depend on itself"),
        ([{**task("a"), "skill": "Bad Skill"}], "tasks[0].skill", "skill id"),
        ([task("a"), {**task("b"), "skill": "s.a"}], "tasks[1].skill", "already used by 'a'"),
        (
            [task("a", depends_on=["w"]), task("w", agent="aura", phase="observability")],
            "tasks[0].depends_on",
            "'w' is in phase 'observability', which phase 'foundation' does not follow",
        ),
        (
            [task("a", depends_on=["b"]), task("b", depends_on=["a"])],
            "depends_on",
            "dependency cycle among: a -> b",
        ),
    ],
)
def test_invalid_catalogues_are_refused_naming_file_field_and_reason(
    write_catalogue: WriteCatalogue,
    tasks: list[dict[str, object]],
    field: str,
    reason: str,
) -> None:
    path = write_catalogue(tasks)
    with pytest.raises(InputError) as caught:
        load_catalogue(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {field}: "), message
    assert reason in message
    assert "\n" not in message


def test_a_document_that_is_not_a_catalogue_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.yml"
    path.write_text("apiVersion: nova/v2\ntasks: []\n")
    with pytest.raises(InputError, match="apiVersion: must be 'nova/v1'"):
        load_catalogue(path)
    path.write_text("tasks: [unclosed\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_catalogue(path)
    with pytest.raises(InputError, match="catalogue file not found"):
        load_catalogue(tmp_path / "missing.yml")


def test_unknown_agents_and_phases_are_named() -> None:
    catalogue = load_catalogue()
    with pytest.raises(InputError, match="unknown agent 'zeus'"):
        catalogue.check_agents(["nova", "zeus"])
    with pytest.raises(InputError, match="unknown phase 'moon'"):
        catalogue.check_phases(["moon"])
