"""What a loaded blueprint is."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nova.agents.restart import RestartPolicy
from nova.agents.skills.kinds import HandlerSpec
from nova.agents.skills.registry import SKILLS


@dataclass(frozen=True)
class Resources:
    cpu: float = 1.0  # cores; 0.5 is half of one core
    memory: int = 512 * 2**20  # bytes
    gpu: int = 0

    @property
    def cpu_quota(self) -> str:
        """The systemd CPUQuota= value for these cores."""
        return f"{round(self.cpu * 100)}%"


@dataclass(frozen=True)
class Health:
    """A worker above its resources for `samples` samples in a row is restarted."""

    samples: int = 3
    interval: float = 5.0


@dataclass(frozen=True)
class Blueprint:
    api_version: str
    name: str
    role: str
    goal: str
    phase: str
    skills: tuple[str, ...]
    handlers: dict[str, HandlerSpec] = field(default_factory=dict)
    resources: Resources = field(default_factory=Resources)
    concurrency: int = 1
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    health: Health = field(default_factory=Health)
    source: Path | None = None

    def handler(self, skill: str) -> HandlerSpec:
        """The blueprint's own handler for a skill, else the registry's."""
        return self.handlers.get(skill) or SKILLS[skill].handler

    def to_dict(self) -> dict[str, Any]:
        restart = self.restart
        return {
            "apiVersion": self.api_version,
            "kind": "Blueprint",
            "name": self.name,
            "role": self.role,
            "phase": self.phase,
            "goal": self.goal,
            "skills": list(self.skills),
            "handlers": {s: self.handler(s).describe() for s in self.skills},
            "resources": {
                "cpu": self.resources.cpu,
                "memory": self.resources.memory,
                "gpu": self.resources.gpu,
                "cpu_quota": self.resources.cpu_quota,
            },
            "concurrency": self.concurrency,
            "restart": {
                "policy": restart.policy,
                "backoff": vars(restart.backoff),
                "start_limit": vars(restart.start_limit),
                "reset_after": restart.reset_after,
                "stop_grace": restart.stop_grace,
            },
            "health": vars(self.health),
            "source": str(self.source) if self.source else None,
        }
