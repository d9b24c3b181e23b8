"""The skill registry: every skill id, what it is, and the code that runs it.

Task type on the queue == skill id. A handler takes the task's JSON payload
(see `nova.agents.skills.request`) and returns JSON bytes describing what it did.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nova.agents.skills import NotRunnable
from nova.agents.skills.callables import python_call
from nova.agents.skills.kinds import (
    BlueprintLoader,
    CommandRun,
    HandlerSpec,
    PhaseRun,
    RoleRun,
    SkillContext,
    Unavailable,
)
from nova.agents.skills.request import parse
from nova.core.errors import NovaError

if TYPE_CHECKING:
    from nova.queue.worker import Handler, Job

log = logging.getLogger(__name__)

NEEDS_GPU = "needs an NVIDIA GPU with its driver and NVIDIA's registry, neither of which is here"


@dataclass(frozen=True)
class Skill:
    id: str
    title: str
    owner: str  # the specialist agent the task belongs to, or "generic"
    handler: HandlerSpec


def _skills(*items: Skill) -> dict[str, Skill]:
    return {s.id: s for s in items}


SKILLS: dict[str, Skill] = _skills(
    # nova: the foundation
    Skill("infra.audit", "Infrastructure audit", "nova", RoleRun("system_check")),
    Skill("containers.platform", "Container platform", "nova", RoleRun("container_runtime")),
    Skill("network.vpn", "Secure remote access", "nova", RoleRun("wireguard")),
    Skill("security.audit", "Security audit", "nova", python_call("security_audit")),
    Skill("backup.recovery", "Backup and recovery", "nova", python_call("backup_recovery")),
    # orion: models
    Skill("nvidia.nemo", "NeMo install", "orion", Unavailable(f"NeMo {NEEDS_GPU}")),
    Skill("models.select", "LLM selection", "orion", python_call("models_select")),
    Skill("models.finetune", "Fine-tuning", "orion", Unavailable(f"fine-tuning {NEEDS_GPU}")),
    Skill("python.langchain", "LangChain", "orion", RoleRun("langchain")),
    # lumina: data
    Skill("data.relational", "Relational databases", "lumina", RoleRun("postgresql")),
    Skill("data.vector", "Vector knowledge base", "lumina", RoleRun("vector_store")),
    # echo: experience
    Skill("nvidia.ace", "ACE toolkit", "echo", Unavailable(f"NVIDIA ACE {NEEDS_GPU}")),
    Skill(
        "nvidia.avatar",
        "Avatar pipeline",
        "echo",
        Unavailable(f"the avatar pipeline (NVIDIA ACE) {NEEDS_GPU}"),
    ),
    Skill(
        "integrations.teams",
        "Teams integration",
        "echo",
        Unavailable(
            "Microsoft Teams needs a tenant, app credentials and Microsoft's "
            "network, none of which can be reached from here"
        ),
    ),
    # chronos: automation and delivery
    Skill("automation.n8n", "n8n", "chronos", RoleRun("n8n")),
    Skill(
        "delivery.cd",
        "Continuous delivery",
        "chronos",
        CommandRun(
            ("ansible-playbook", "--syntax-check", "-i", "localhost,", "playbooks/{playbook}"),
            defaults=(("playbook", "site.yml"),),
        ),
    ),
    Skill("agents.pipeline", "Agent pipelines", "chronos", python_call("agents_pipeline")),
    Skill("data.flywheel", "Data flywheel", "chronos", RoleRun("data_flywheel")),
    # aura: observability
    Skill("observability.grafana", "Grafana", "aura", RoleRun("grafana")),
    Skill("observability.lux", "LUX dashboard", "aura", RoleRun("lux_dashboard")),
    Skill(
        "observability.efficiency",
        "Efficiency optimisation",
        "aura",
        python_call("host_efficiency"),
    ),
    Skill(
        "observability.feedback", "Feedback visualisation", "aura", RoleRun("feedback_dashboard")
    ),
    # generic skills for the generic blueprints
    Skill("plan.order", "Phase plan in run order", "generic", python_call("plan_order")),
    Skill("ops.provision", "Provision one phase", "generic", PhaseRun()),
    Skill(
        "code.syntax",
        "Playbook syntax check",
        "generic",
        CommandRun(
            ("ansible-playbook", "--syntax-check", "-i", "localhost,", "playbooks/{playbook}"),
            defaults=(("playbook", "site.yml"),),
        ),
    ),
    Skill(
        "test.molecule",
        "Molecule scenario",
        "generic",
        CommandRun(("molecule", "test", "-s", "{scenario}")),
    ),
    Skill("review.audit", "Audit chain verification", "generic", python_call("audit_verify")),
    Skill("security.policy", "Policy unit tests", "generic", python_call("policy_tests")),
)

SPECIALISTS: dict[str, tuple[str, ...]] = {}
for _skill in SKILLS.values():
    if _skill.owner != "generic":
        SPECIALISTS.setdefault(_skill.owner, ())
        SPECIALISTS[_skill.owner] += (_skill.id,)


def handler_for(skill_id: str, blueprints: BlueprintLoader | None = None) -> Handler:
    """The queue handler for a skill; KeyError for an id not in the registry."""
    return make_handler(skill_id, SKILLS[skill_id].handler, blueprints)


def make_handler(
    skill_id: str, spec: HandlerSpec, blueprints: BlueprintLoader | None = None
) -> Handler:
    """Wrap a handler spec as a queue handler.

    Outcomes map onto the queue's: bad payload, a failed run and work that
    cannot run here are final (non-retryable); a run given up on cancellation
    and anything unexpected may be retried.
    """
    from nova.queue.worker import Fatal, Retry

    def handle(job: Job) -> bytes:
        started = time.monotonic()
        try:
            request = parse(job.task.payload, f"task {job.task.id} payload")
            ctx = SkillContext(skill_id, request, job.cancelled, blueprints)
            outcome = spec.run(ctx)
        except NotRunnable as exc:
            raise Fatal(str(exc)) from None
        except NovaError as exc:
            if job.cancelled.is_set():  # given up, not failed: another attempt may finish it
                raise Retry(str(exc)) from None
            raise Fatal(str(exc)) from None  # bad input or a failed run: retrying will not help
        result = {
            "skill": skill_id,
            "handler": spec.describe(),
            "request": request.to_dict(),
            "seconds": round(time.monotonic() - started, 3),
            **outcome,
        }
        log.info("skill %s finished task %s", skill_id, job.task.id)
        return json.dumps(result, sort_keys=True, default=str).encode()

    handle.__name__ = f"skill_{skill_id.replace('.', '_')}"
    return handle
