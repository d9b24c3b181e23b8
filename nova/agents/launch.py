"""Turning a blueprint into a worker: ask the policy, then build its handlers.

A launch the agent policy refuses never starts; either way the decision is in
the audit log, and a started worker is recorded with the decision that let it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nova.agents.blueprints.catalogue import load, load_catalogue
from nova.agents.blueprints.model import Blueprint
from nova.agents.skills.registry import make_handler
from nova.audit.log import AuditLog
from nova.core.errors import NovaError
from nova.policy.gate import check_agent_launch

if TYPE_CHECKING:
    from nova.queue.worker import Handler


class LaunchDenied(NovaError):
    """The agent policy refused to launch this blueprint."""


@dataclass(frozen=True)
class WorkerPlan:
    blueprint: Blueprint
    handlers: dict[str, Handler]
    decision_id: str

    @property
    def skills(self) -> list[str]:
        return list(self.blueprint.skills)


def plan_worker(name: str, actor: str) -> WorkerPlan:
    """The skills, handlers and slots of a blueprint worker, once the policy allows it."""
    blueprint = load(name)
    decision = check_agent_launch(
        blueprint.name, blueprint.role, list(blueprint.skills), actor=actor
    )
    if not decision.allow:
        why = "; ".join(decision.violations) or decision.reason or "denied by policy"
        raise LaunchDenied(
            f"policy refused to launch blueprint {blueprint.name} "
            f"(decision {decision.decision_id}): {why}"
        )
    handlers = {s: make_handler(s, blueprint.handler(s), load_catalogue) for s in blueprint.skills}
    AuditLog().append(
        actor,
        "agent.worker.launch",
        blueprint.name,
        decision_id=decision.decision_id,
        payload={
            "role": blueprint.role,
            "skills": list(blueprint.skills),
            "concurrency": blueprint.concurrency,
        },
    )
    return WorkerPlan(blueprint, handlers, decision.decision_id)
