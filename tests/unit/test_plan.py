from __future__ import annotations

from pathlib import Path

import pytest

from nova.core.errors import InputError
from nova.provisioning.plan import load_plan


def write_plan(tmp_path: Path, body: str, playbooks: tuple[str, ...] = ("a", "b", "c")) -> Path:
    for name in playbooks:
        (tmp_path / f"{name}.yml").write_text("---\n[]\n")
    plan = tmp_path / "phases.yml"
    plan.write_text(body)
    return plan


def test_project_plan_has_five_phases_in_dependency_order() -> None:
    plan = load_plan()
    names = [p.name for p in plan.phases]
    assert names == [
        "foundation",
        "model-operations",
        "data-services",
        "experience",
        "observability",
    ]
    assert plan.by_name["model-operations"].agents == ("orion", "chronos")
    assert plan.by_name["foundation"].agents == ("nova",)
    assert plan.by_name["data-services"].agents == ("lumina",)
    assert plan.by_name["experience"].agents == ("echo",)
    assert plan.by_name["observability"].agents == ("aura",)
    for phase in plan.phases:
        assert phase.playbook.is_file()
        position = names.index(phase.name)
        assert all(names.index(dep) < position for dep in phase.depends_on)


def test_ties_follow_declaration_order(tmp_path: Path) -> None:
    plan = write_plan(
        tmp_path,
        """
apiVersion: nova/v1
phases:
  - {name: c, agents: [x], playbook: c.yml, depends_on: [a]}
  - {name: b, agents: [x], playbook: b.yml, depends_on: [a]}
  - {name: a, agents: [x], playbook: a.yml}
""",
    )
    assert [p.name for p in load_plan(plan).phases] == ["a", "c", "b"]
    # the same input always gives the same order
    assert [p.name for p in load_plan(plan).phases] == ["a", "c", "b"]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (
            "apiVersion: nova/v1\nphases:\n"
            "  - {name: a, agents: [x], playbook: a.yml, depends_on: [zz]}\n",
            "phases[0].depends_on",
            "unknown phase 'zz'",
        ),
        (
            "apiVersion: nova/v1\nphases:\n"
            "  - {name: a, agents: [x], playbook: a.yml, depends_on: [b]}\n"
            "  - {name: b, agents: [x], playbook: b.yml, depends_on: [a]}\n",
            "depends_on",
            "dependency cycle among: a -> b",
        ),
        (
            "apiVersion: nova/v1\nphases:\n  - {name: a, agents: [x], playbook: missing.yml}\n",
            "phases[0].playbook",
            "playbook not found",
        ),
        (
            "apiVersion: nova/v1\nphases:\n  - {name: a, agents: [], playbook: a.yml}\n",
            "phases[0].agents",
            "must name at least one",
        ),
        (
            "apiVersion: nova/v1\nphases:\n  - {name: a, agents: [x], playbook: a.yml, when: 1}\n",
            "phases[0].when",
            "unknown key",
        ),
        ("apiVersion: nova/v2\nphases: []\n", "apiVersion", "must be 'nova/v1'"),
        ("phases: [\n", "line 2", "not valid YAML"),
    ],
)
def test_bad_plans_name_file_field_and_reason(
    tmp_path: Path, body: str, field: str, reason: str
) -> None:
    plan = write_plan(tmp_path, body)
    with pytest.raises(InputError) as caught:
        load_plan(plan)
    message = str(caught.value)
    assert message.startswith(f"{plan}: {field}: ")
    assert reason in message
    assert "\n" not in message
    assert caught.value.exit_code == 2


def test_select_keeps_run_order_and_rejects_unknown_phases() -> None:
    plan = load_plan()
    chosen = plan.select(["observability", "foundation"])
    assert [p.name for p in chosen] == ["foundation", "observability"]
    with pytest.raises(InputError, match="unknown phase 'nope'"):
        plan.select(["nope"])
