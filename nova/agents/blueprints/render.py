"""Blueprints written out: resolved YAML, systemd resource limits, and new files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nova.agents.blueprints.model import Blueprint
from nova.agents.blueprints.schema import parse
from nova.core.paths import project_root

TEMPLATE = "blueprint.yaml.j2"


def resolved_yaml(blueprint: Blueprint) -> str:
    """The blueprint with every default filled in and each skill's handler shown."""
    document: dict[str, Any] = blueprint.to_dict()
    document.pop("source", None)
    return "---\n" + yaml.safe_dump(document, sort_keys=False, width=88)


def systemd_limits(blueprint: Blueprint) -> str:
    """A `[Service]` drop-in holding the blueprint's resource limits."""
    return (
        f"# Resource limits of blueprint {blueprint.name}, from `nova blueprints render`.\n"
        "[Service]\n"
        f"MemoryMax={blueprint.resources.memory}\n"
        f"CPUQuota={blueprint.resources.cpu_quota}\n"
    )


@dataclass(frozen=True)
class NewBlueprint:
    name: str
    role: str
    phase: str
    goal: str
    skills: Sequence[str]
    cpu: float = 0.5
    memory: str = "512Mi"
    gpu: int = 0
    concurrency: int = 1
    policy: str = "on-failure"


def render_new(spec: NewBlueprint, phases: Sequence[str] | None = None) -> str:
    """The text of a new blueprint; it is parsed before it is returned, so it is valid."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(project_root() / "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # YAML, not HTML
    )
    text = env.get_template(TEMPLATE).render({**vars(spec), "skills": list(spec.skills)})
    parse(yaml.safe_load(text), Path(f"{spec.name}.yaml").name, phases)
    return text
