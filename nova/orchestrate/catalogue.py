"""The agents' task catalogue: each specialist's tasks, their skills and dependencies.

The catalogue is read from YAML and checked against the phase plan: every task
names a phase of the plan and an agent that owns that phase, and it may only
depend on tasks of its own phase or of a phase it follows. Tasks are put in
run order: phases in plan order, and within a phase a deterministic
topological order (among tasks ready together, the one declared first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nova.core.errors import InputError
from nova.core.graph import dependency_order
from nova.core.yamlfile import load_yaml
from nova.provisioning.plan import Plan, load_plan

API_VERSION = "nova/v1"
ID_RE = re.compile(r"^[a-z][a-z0-9-]{0,63}\Z")
# The queue's charset for task types and skills.
SKILL_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}\Z")
TASK_KEYS = {"id", "title", "agent", "phase", "skill", "description", "depends_on"}
REQUIRED = ("id", "title", "agent", "phase", "skill")


@dataclass(frozen=True)
class CatalogueTask:
    id: str
    title: str
    agent: str
    phase: str
    skill: str
    description: str = ""
    depends_on: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "agent": self.agent,
            "phase": self.phase,
            "skill": self.skill,
            "description": self.description,
            "depends_on": list(self.depends_on),
        }


@dataclass(frozen=True)
class Catalogue:
    source: Path
    plan: Plan
    tasks: tuple[CatalogueTask, ...]  # in run order
    by_id: dict[str, CatalogueTask] = field(default_factory=dict, compare=False)

    @property
    def agents(self) -> list[str]:
        """Agents in the order their first task runs."""
        return list(dict.fromkeys(t.agent for t in self.tasks))

    def for_phase(self, phase: str) -> list[CatalogueTask]:
        return [t for t in self.tasks if t.phase == phase]

    def for_agents(self, agents: list[str] | tuple[str, ...]) -> list[CatalogueTask]:
        wanted = set(agents)
        return [t for t in self.tasks if t.agent in wanted]

    def check_agents(self, agents: list[str] | tuple[str, ...]) -> None:
        known = self.agents
        for agent in agents:
            if agent not in known:
                raise InputError(
                    "--agents", None, f"unknown agent '{agent}' (known: {', '.join(known)})"
                )

    def check_phases(self, phases: list[str] | tuple[str, ...]) -> None:
        self.plan.select(phases)  # raises naming the unknown phase


def default_catalogue_path() -> Path:
    return Path(__file__).with_name("catalogue.yml")


def load_catalogue(path: Path | None = None, plan: Plan | None = None) -> Catalogue:
    source = path or default_catalogue_path()
    plan = plan or load_plan()
    document = load_yaml(source, missing="catalogue file not found")
    tasks = _parse(source, document, plan)
    ordered = _order(source, tasks, plan)
    return Catalogue(source, plan, tuple(ordered), {t.id: t for t in ordered})


def _parse(source: Path, document: Any, plan: Plan) -> list[CatalogueTask]:
    if not isinstance(document, dict):
        raise InputError(
            source, None, "the catalogue must be a mapping with 'apiVersion' and 'tasks'"
        )
    if document.get("apiVersion") != API_VERSION:
        raise InputError(source, "apiVersion", f"must be '{API_VERSION}'")
    for key in sorted(set(document) - {"apiVersion", "tasks"}):
        raise InputError(source, key, "unknown key")
    raw_tasks = document.get("tasks")
    if not isinstance(raw_tasks, list) or not raw_tasks:
        raise InputError(source, "tasks", "must be a non-empty list")

    tasks: list[CatalogueTask] = []
    skills: dict[str, str] = {}
    for index, raw in enumerate(raw_tasks):
        task = _parse_task(source, f"tasks[{index}]", raw, plan)
        if any(t.id == task.id for t in tasks):
            raise InputError(source, f"tasks[{index}].id", f"duplicate task '{task.id}'")
        if task.skill in skills:
            raise InputError(
                source,
                f"tasks[{index}].skill",
                f"skill '{task.skill}' is already used by '{skills[task.skill]}'",
            )
        skills[task.skill] = task.id
        tasks.append(task)

    by_id = {t.id: t for t in tasks}
    for index, task in enumerate(tasks):
        where = f"tasks[{index}].depends_on"
        for dep in task.depends_on:
            if dep == task.id:
                raise InputError(source, where, "a task cannot depend on itself")
            other = by_id.get(dep)
            if other is None:
                raise InputError(source, where, f"unknown task '{dep}'")
            if other.phase != task.phase and other.phase not in _ancestors(plan, task.phase):
                raise InputError(
                    source,
                    where,
                    f"'{dep}' is in phase '{other.phase}',"
                    f" which phase '{task.phase}' does not follow",
                )
    return tasks


def _parse_task(source: Path, where: str, raw: Any, plan: Plan) -> CatalogueTask:
    if not isinstance(raw, dict):
        raise InputError(source, where, "each task must be a mapping")
    for key in sorted(set(raw) - TASK_KEYS):
        raise InputError(source, f"{where}.{key}", "unknown key")
    for key in REQUIRED:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InputError(source, f"{where}.{key}", "is required and must be a non-empty string")
    if not ID_RE.match(raw["id"]):
        raise InputError(source, f"{where}.id", "must be a lower-case name like 'security-audit'")
    if not SKILL_RE.match(raw["skill"]):
        raise InputError(source, f"{where}.skill", "must be a skill id like 'infra.audit'")
    phase = plan.by_name.get(raw["phase"])
    if phase is None:
        known = ", ".join(p.name for p in plan.phases)
        raise InputError(
            source, f"{where}.phase", f"unknown phase '{raw['phase']}' (known: {known})"
        )
    if raw["agent"] not in phase.agents:
        owners = ", ".join(phase.agents)
        raise InputError(
            source,
            f"{where}.agent",
            f"'{raw['agent']}' does not own phase '{phase.name}' (owners: {owners})",
        )
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise InputError(source, f"{where}.description", "must be a string")
    depends_on = raw.get("depends_on", [])
    if not isinstance(depends_on, list) or not all(isinstance(d, str) and d for d in depends_on):
        raise InputError(source, f"{where}.depends_on", "must be a list of task ids")
    if len(set(depends_on)) != len(depends_on):
        raise InputError(source, f"{where}.depends_on", "names a task twice")
    return CatalogueTask(
        id=raw["id"],
        title=raw["title"].strip(),
        agent=raw["agent"],
        phase=phase.name,
        skill=raw["skill"],
        description=description.strip(),
        depends_on=tuple(depends_on),
    )


def _ancestors(plan: Plan, phase: str) -> set[str]:
    seen: set[str] = set()
    stack = list(plan.by_name[phase].depends_on)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(plan.by_name[name].depends_on)
    return seen


def _order(source: Path, tasks: list[CatalogueTask], plan: Plan) -> list[CatalogueTask]:
    ordered: list[CatalogueTask] = []
    for phase in plan.phases:
        ordered.extend(topological([t for t in tasks if t.phase == phase.name], source))
    return ordered


def topological(
    tasks: list[CatalogueTask], source: Path | str = "catalogue"
) -> list[CatalogueTask]:
    """Tasks in dependency order; dependencies outside `tasks` count as met."""
    return dependency_order(tasks, lambda t: t.id, lambda t: t.depends_on, source)
