"""Python callables a skill may run, registered by name.

Blueprints and payloads can only name an entry of `CALLABLES`; nothing is
imported from a name they give. Each callable does its work on the control
node and returns a dict of what it found or did.
"""

from __future__ import annotations

from typing import Any

from nova.agents.skills.kinds import Callee, PythonCall, RoleRun, SkillContext, SkillFailed
from nova.core.errors import InputError


def security_audit(ctx: SkillContext) -> dict[str, Any]:
    """Verify the audit chain, then map the inventory's evidence to ISO 27001 controls."""
    from nova.ansible import inventory as inventories
    from nova.audit.log import AuditLog
    from nova.audit.verify import verify
    from nova.compliance.report import build_report
    from nova.core.paths import state_db

    log = AuditLog()
    chain = verify(log)
    outcome: dict[str, Any] = {"audit_chain": chain.to_dict()}
    if ctx.request.inventory:
        hosts = list(inventories.list_hosts(inventories.resolve(ctx.request.inventory)))
        controls = build_report(ctx.request.inventory, hosts, log, state_db())
        counts: dict[str, int] = {}
        for control in controls:
            counts[control.status] = counts.get(control.status, 0) + 1
        outcome["controls"] = counts
        outcome["failing_controls"] = [c.number for c in controls if c.status == "fail"]
    if not chain.ok:
        raise SkillFailed(f"audit chain broken at seq {chain.failed_seq}: {chain.reason}")
    return outcome


def backup_recovery(ctx: SkillContext) -> dict[str, Any]:
    """Set backups up with the backup role, take one now, and verify a restore of it."""
    from nova.backup.jobs import run_job

    setup = RoleRun("backup").run(ctx)
    outcome: dict[str, Any] = {"setup": setup}
    if ctx.request.check:
        outcome["jobs"] = "not run in check mode"
        return outcome
    inventory = ctx.request.inventory or ""
    for job in ("run", "verify"):
        result = run_job(job, inventory, ctx.request.limit)
        outcome[job] = {"run_id": result.run_id, "status": result.status, "hosts": result.hosts}
        if not result.succeeded:
            raise SkillFailed(f"backup {job} failed (run {result.run_id})")
    return outcome


# Open-weight models a team can pick from, with the memory their weights need
# at 4-bit quantisation (GiB, rounded up) and the licence they ship under.
MODELS: tuple[tuple[str, float, str], ...] = (
    ("meta-llama/Llama-3.1-70B-Instruct", 40.0, "llama3.1"),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", 26.0, "apache-2.0"),
    ("Qwen/Qwen2.5-14B-Instruct", 9.0, "apache-2.0"),
    ("meta-llama/Llama-3.1-8B-Instruct", 5.0, "llama3.1"),
    ("microsoft/Phi-3.5-mini-instruct", 2.5, "mit"),
    ("Qwen/Qwen2.5-0.5B-Instruct", 0.5, "apache-2.0"),
)


def models_select(ctx: SkillContext) -> dict[str, Any]:
    """Pick the largest listed model whose weights fit this host's accelerator or memory.

    Nothing is downloaded: the result is the choice and the figures it was made from.
    """
    import psutil

    from nova.controller.checks import nvidia_gpus

    gpus = nvidia_gpus()
    if gpus:
        budget = sum(float(g["memory_mb"]) for g in gpus) / 1024 * 0.8
        device = f"{len(gpus)} GPU(s): {gpus[0]['model']}"
    else:
        budget = psutil.virtual_memory().available / 2**30 * 0.5
        device = "CPU only (no NVIDIA GPU found)"
    fitting = [m for m in MODELS if m[1] <= budget]
    if not fitting:
        raise SkillFailed(f"no listed model fits in {budget:.1f} GiB on {device}")
    name, need, licence = fitting[0]
    return {
        "selected": name,
        "weights_gib_4bit": need,
        "licence": licence,
        "budget_gib": round(budget, 1),
        "device": device,
        "considered": [m[0] for m in MODELS],
    }


def agents_pipeline(ctx: SkillContext) -> dict[str, Any]:
    """Check the agent pipeline: every catalogue blueprint loads and says what can run here."""
    if ctx.blueprints is None:
        raise SkillFailed(
            f"{ctx.skill} needs the blueprint catalogue; run it from a blueprint worker"
        )
    runnable: dict[str, list[str]] = {}
    blocked: dict[str, str] = {}
    blueprints = ctx.blueprints()
    for blueprint in blueprints:
        for skill in blueprint.skills:
            reason = blueprint.handler(skill).available()
            if reason:
                blocked[skill] = reason
            else:
                runnable.setdefault(blueprint.name, []).append(skill)
    return {
        "blueprints": len(blueprints),
        "runnable": runnable,
        "not_runnable": dict(sorted(blocked.items())),
    }


def host_efficiency(ctx: SkillContext) -> dict[str, Any]:
    """One second of CPU, memory, disk and load figures from the control node."""
    import os

    import psutil

    cpu = psutil.cpu_percent(interval=1.0)
    memory = psutil.virtual_memory()
    disk = psutil.disk_usage("/")
    load = os.getloadavg()
    cores = psutil.cpu_count() or 1
    return {
        "cpu_percent": cpu,
        "cores": cores,
        "load_per_core": round(load[0] / cores, 2),
        "memory_used_percent": memory.percent,
        "memory_available_gib": round(memory.available / 2**30, 2),
        "disk_used_percent": disk.percent,
        "idle_capacity_percent": round(max(0.0, 100.0 - cpu), 1),
    }


def plan_order(ctx: SkillContext) -> dict[str, Any]:
    """The phase plan in run order, with owners and dependencies."""
    from nova.provisioning.plan import load_plan

    plan = load_plan()
    return {
        "phases": [
            {"name": p.name, "agents": list(p.agents), "depends_on": list(p.depends_on)}
            for p in plan.phases
        ]
    }


def audit_verify(ctx: SkillContext) -> dict[str, Any]:
    """Verify the hash chain and signed checkpoints of the audit log."""
    from nova.audit.log import AuditLog
    from nova.audit.verify import verify

    result = verify(AuditLog())
    if not result.ok:
        raise SkillFailed(f"audit chain broken at seq {result.failed_seq}: {result.reason}")
    return result.to_dict()


def policy_tests(ctx: SkillContext) -> dict[str, Any]:
    """Run the Rego unit tests of the policies in force, through the engine in force."""
    from nova.policy.factory import engine_name
    from nova.policy.source import load, policy_dir
    from nova.policy.testing import run_tests

    engine = engine_name()
    results = run_tests(load(policy_dir()), engine=engine)
    failed = [f"{r.file}:{r.name}" for r in results if not r.passed]
    if not results:
        raise InputError(policy_dir(), None, "no policy tests found")
    if failed:
        raise SkillFailed(f"{len(failed)} policy test(s) failed: {', '.join(failed[:5])}")
    return {"tests": len(results), "passed": len(results), "engine": engine}


CALLABLES: dict[str, Callee] = {
    "security_audit": security_audit,
    "backup_recovery": backup_recovery,
    "models_select": models_select,
    "agents_pipeline": agents_pipeline,
    "host_efficiency": host_efficiency,
    "plan_order": plan_order,
    "audit_verify": audit_verify,
    "policy_tests": policy_tests,
}


def python_call(name: str) -> PythonCall:
    """The handler for a registered callable; InputError naming it when there is none."""
    try:
        return PythonCall(name, CALLABLES[name])
    except KeyError:
        known = ", ".join(CALLABLES)
        raise InputError("callable", name, f"not a registered callable (known: {known})") from None
