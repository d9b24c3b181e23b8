"""The phase plan: phases, their owner agents, playbooks and dependencies.

The plan is read from YAML, validated field by field, and ordered as a graph.
Ordering is deterministic: among phases that are ready at the same time, the
one declared first runs first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nova.core.errors import InputError
from nova.core.graph import dependency_order
from nova.core.paths import project_root
from nova.core.yamlfile import load_yaml

API_VERSION = "nova/v1"
NAME_RE = re.compile(r"^[a-z][a-z0-9-]*\Z")
PHASE_KEYS = {"name", "description", "agents", "playbook", "depends_on"}


@dataclass(frozen=True)
class Phase:
    name: str
    agents: tuple[str, ...]
    playbook: Path
    depends_on: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Plan:
    source: Path
    phases: tuple[Phase, ...]  # in run order
    by_name: dict[str, Phase] = field(default_factory=dict, compare=False)

    def select(self, names: list[str] | tuple[str, ...] = ()) -> list[Phase]:
        """The named phases in run order; every phase when none is named."""
        if not names:
            return list(self.phases)
        for name in names:
            if name not in self.by_name:
                known = ", ".join(p.name for p in self.phases)
                raise InputError("--phase", None, f"unknown phase '{name}' (known: {known})")
        wanted = set(names)
        return [p for p in self.phases if p.name in wanted]


def default_plan_path() -> Path:
    return project_root() / "phases.yml"


def load_plan(path: Path | None = None) -> Plan:
    source = path or default_plan_path()
    document = load_yaml(source, missing="plan file not found")
    phases = _parse(source, document)
    ordered = _order(source, phases)
    return Plan(source=source, phases=tuple(ordered), by_name={p.name: p for p in ordered})


def _parse(source: Path, document: Any) -> list[Phase]:
    if not isinstance(document, dict):
        raise InputError(source, None, "the plan must be a mapping with 'apiVersion' and 'phases'")
    if document.get("apiVersion") != API_VERSION:
        raise InputError(source, "apiVersion", f"must be '{API_VERSION}'")
    unknown = set(document) - {"apiVersion", "phases"}
    if unknown:
        raise InputError(source, str(sorted(unknown, key=str)[0]), "unknown key")
    raw_phases = document.get("phases")
    if not isinstance(raw_phases, list) or not raw_phases:
        raise InputError(source, "phases", "must be a non-empty list")

    phases: list[Phase] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_phases):
        where = f"phases[{index}]"
        if not isinstance(raw, dict):
            raise InputError(source, where, "each phase must be a mapping")
        for key in sorted(set(raw) - PHASE_KEYS, key=str):  # keys may be numbers or null
            raise InputError(source, f"{where}.{key}", "unknown key")
        name = raw.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise InputError(source, f"{where}.name", "must be a lower-case name like 'foundation'")
        if name in seen:
            raise InputError(source, f"{where}.name", f"duplicate phase '{name}'")
        seen.add(name)
        agents = _string_list(source, f"{where}.agents", raw.get("agents"), required=True)
        depends_on = _string_list(source, f"{where}.depends_on", raw.get("depends_on", []))
        playbook_name = raw.get("playbook")
        if not isinstance(playbook_name, str) or not playbook_name:
            raise InputError(source, f"{where}.playbook", "must name a playbook file")
        playbook = (source.parent / playbook_name).resolve()
        if not playbook.is_file():
            raise InputError(source, f"{where}.playbook", f"playbook not found: {playbook}")
        description = raw.get("description", "")
        if not isinstance(description, str):
            raise InputError(source, f"{where}.description", "must be a string")
        phases.append(Phase(name, tuple(agents), playbook, tuple(depends_on), description))

    for index, phase in enumerate(phases):
        for dep in phase.depends_on:
            if dep not in seen:
                field_name = f"phases[{index}].depends_on"
                raise InputError(source, field_name, f"unknown phase '{dep}'")
            if dep == phase.name:
                raise InputError(
                    source, f"phases[{index}].depends_on", "a phase cannot depend on itself"
                )
    return phases


def _string_list(source: Path, where: str, value: Any, required: bool = False) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InputError(source, where, "must be a list of names")
    if required and not value:
        raise InputError(source, where, "must name at least one")
    return list(value)


def _order(source: Path, phases: list[Phase]) -> list[Phase]:
    return dependency_order(phases, lambda p: p.name, lambda p: p.depends_on, source)
