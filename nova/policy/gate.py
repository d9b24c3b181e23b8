"""The questions Nova asks before acting, each answered and recorded.

Callers proceed only when `decision.allow` is true. Every decision is written
to the audit log with its id, so a run can be traced to what allowed it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nova.audit.log import AuditLog
from nova.kpi import record_policy_decision
from nova.policy.decision import Decision
from nova.policy.engine import PolicyEngine
from nova.policy.factory import shared_engine

PROVISION = "nova/provision"
QUEUE = "nova/queue"
AGENT = "nova/agent"


def check_provision(
    launcher: str,
    inventory: str,
    phases: list[str],
    check_mode: bool,
    hosts: list[str],
    limit: str | None,
    phase: str | None = None,
    *,
    engine: PolicyEngine | None = None,
    audit: AuditLog | None = None,
) -> Decision:
    """Ask before a provisioning phase (`phase`), or before the run when None."""
    document = {
        "launcher": launcher,
        "inventory": inventory,
        "phases": list(phases),
        "phase": phase,
        "check_mode": check_mode,
        "hosts": sorted(hosts),
        "limit": limit,
    }
    return decide(PROVISION, document, actor=launcher, engine=engine, audit=audit)


def check_enqueue(
    identity: str,
    role: str,
    task_type: str,
    *,
    action: str = "enqueue",
    grants: Sequence[str] = (),
    engine: PolicyEngine | None = None,
    audit: AuditLog | None = None,
) -> Decision:
    """Ask before the queue takes a task (`enqueue`) or hands one to a worker (`claim`).

    Identity and role come from the caller's token or certificate; `grants`
    are the task types its agent blueprint names as skills.
    """
    document = {
        "identity": identity,
        "role": role,
        "task_type": task_type,
        "action": action,
        "grants": sorted(grants),
    }
    return decide(QUEUE, document, actor=identity, engine=engine, audit=audit)


def check_agent_launch(
    blueprint: str,
    role: str,
    skills: list[str],
    *,
    actor: str = "nova",
    engine: PolicyEngine | None = None,
    audit: AuditLog | None = None,
) -> Decision:
    document = {"blueprint": blueprint, "role": role, "skills": list(skills)}
    return decide(AGENT, document, actor=actor, engine=engine, audit=audit)


def decide(
    policy: str,
    document: Mapping[str, Any],
    *,
    actor: str,
    engine: PolicyEngine | None = None,
    audit: AuditLog | None = None,
) -> Decision:
    decision = (engine or shared_engine()).decide(policy, document)
    record_policy_decision(policy.removeprefix("nova/"), decision.allow, decision.latency_ms / 1000)
    (audit or AuditLog()).append(
        actor=actor or "unknown",
        action="policy.decision",
        subject=policy,
        decision_id=decision.decision_id,
        payload={
            "allow": decision.allow,
            "violations": list(decision.violations),
            "reason": decision.reason,
            "revision": decision.revision,
            "input_hash": decision.input_hash,
            "engine": decision.engine,
            "cached": decision.cached,
            "input": dict(document),
        },
    )
    return decision
