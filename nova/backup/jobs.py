"""Backup jobs on inventory hosts: run, list snapshots, verify a restore, restore.

Each job is one of the `backup` role's entry points, run by a small playbook
(playbooks/backup-<job>.yml) through the runner. The role hands each host's
result back with `set_stats`, so what is reported here is what restic said on
the host: real snapshot ids, verification records and restore results.
Every job is recorded in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nova.ansible import inventory as inventories
from nova.ansible.runner import PlaybookResult, TaskResult, run_playbook
from nova.audit.log import AuditLog, current_actor
from nova.backup.restic import SNAPSHOT_RE
from nova.core.errors import InputError
from nova.core.paths import ensure_home, project_root, runs_dir
from nova.runs.ids import new_run_id

JOBS = ("run", "snapshots", "verify", "restore")


@dataclass
class JobResult:
    job: str
    inventory: str
    run_id: str
    status: str  # successful or failed
    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[TaskResult] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == "successful"

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "inventory": self.inventory,
            "run_id": self.run_id,
            "status": self.status,
            "hosts": self.hosts,
            "failures": [
                {"host": f.host, "task": f.task, "status": f.status, "message": f.message}
                for f in self.failures
            ],
        }


@dataclass(frozen=True)
class RestoreRequest:
    host: str
    snapshot: str
    target: str


def playbook_for(job: str) -> Path:
    return project_root() / "playbooks" / f"backup-{job}.yml"


def run_job(
    job: str,
    inventory: str,
    limit: str | None = None,
    restore: RestoreRequest | None = None,
) -> JobResult:
    """Run one backup job on the inventory's hosts and collect what each host reported."""
    if job not in JOBS:
        raise InputError(job, "job", f"unknown backup job (known: {', '.join(JOBS)})")
    resolved = inventories.resolve(inventory)
    extravars: dict[str, Any] = {}
    if job == "restore":
        if restore is None:
            raise InputError("restore", "--host", "a restore needs a host, a snapshot and a target")
        limit = _check_restore(resolved, restore)
        extravars = {
            "backup_restore_host": restore.host,
            "backup_restore_snapshot": restore.snapshot,
            "backup_restore_target": restore.target,
        }
    hosts = inventories.list_hosts(resolved, limit)
    if not hosts:
        raise InputError(inventory, "--limit", f"no host matches '{limit}'")
    ensure_home()
    run_id = new_run_id(f"backup-{job}")
    result = run_playbook(
        playbook_for(job),
        list(resolved.sources),
        runs_dir() / run_id,
        limit=limit,
        extravars=extravars,
    )
    outcome = collect(job, inventory, run_id, result)
    _audit(outcome, extravars)
    return outcome


def _check_restore(inventory: inventories.Inventory, request: RestoreRequest) -> str:
    if not SNAPSHOT_RE.match(request.snapshot):
        raise InputError(
            request.snapshot, "--snapshot", "must be a snapshot id (8-64 hex digits) or latest"
        )
    if not request.target.startswith("/"):
        raise InputError(request.target, "--target", "must be an absolute path on the host")
    if request.host not in inventories.list_hosts(inventory):
        raise InputError(inventory.display, "--host", f"'{request.host}' is not in the inventory")
    return request.host


def collect(job: str, inventory: str, run_id: str, result: PlaybookResult) -> JobResult:
    """Per-host results from the data the role handed back, plus any failures."""
    reported = result.data.get(f"nova_backup_{job}") or {}
    hosts: dict[str, dict[str, Any]] = {}
    for host in sorted(result.stats or reported):
        record = reported.get(host)
        if isinstance(record, dict):
            hosts[host] = record
        elif host in result.stats and result.stats[host].succeeded:
            hosts[host] = {"status": "skipped", "reason": "backup_enabled is false"}
    for failure in result.failures:
        entry = hosts.setdefault(failure.host, {})
        entry.setdefault("status", "failed")
        entry.setdefault("error", failure.message)
    status = "successful" if result.succeeded else "failed"
    return JobResult(job, inventory, run_id, status, hosts, list(result.failures))


def _audit(outcome: JobResult, extravars: dict[str, Any]) -> None:
    summary = {
        host: {k: record.get(k) for k in ("status", "result", "snapshot", "target") if k in record}
        for host, record in outcome.hosts.items()
    }
    AuditLog().append(
        actor=current_actor(),
        action=f"backup.{outcome.job}",
        subject=outcome.inventory,
        payload={"run_id": outcome.run_id, "status": outcome.status, "hosts": summary, **extravars},
    )
