"""What each page shows, read from the stores the CLI reads; no web types here.

Each function returns plain data for one page, so the pages and the command
line cannot disagree: they read through the same modules (nova.runs.index,
nova.runs.state, nova.audit). A page never shows a secret: audit payloads
were masked when they were written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nova.audit.log import AuditLog
from nova.audit.verify import verify
from nova.core.errors import InputError
from nova.runs.index import RunIndex, RunSummary
from nova.runs.state import RunRecord, StateStore

AUDIT_TAIL = 50


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    entries: int
    detail: str


def overview(index: RunIndex, audit: AuditLog) -> dict[str, Any]:
    return {
        "runs": index.list_runs(10),
        "latest_phase": index.latest_phase_status("provision"),
        "audit": check_audit(audit),
    }


def runs_page(index: RunIndex, limit: int) -> list[RunSummary]:
    return index.list_runs(limit)


def run_page(store: StateStore, run_id: str) -> RunRecord:
    record = store.get_run(run_id)
    if record is None:
        raise InputError(run_id, "run", "no provisioning run with that id")
    return record


def check_audit(audit: AuditLog) -> AuditCheck:
    if not audit.path.exists():
        return AuditCheck(False, 0, "no evidence: the audit log has no entries yet")
    try:
        result = verify(audit)
    except InputError as exc:
        return AuditCheck(False, 0, f"cannot verify: {exc}")
    if not result.ok:
        return AuditCheck(False, result.entries, f"broken at {result.failed_seq}: {result.reason}")
    if result.entries == 0:
        return AuditCheck(False, 0, "no evidence: the audit log has no entries yet")
    return AuditCheck(
        True, result.entries, f"{result.entries} entries verify, head {result.head_seq}"
    )


def audit_tail(audit: AuditLog, count: int = AUDIT_TAIL) -> list[Any]:
    return list(reversed(audit.tail(count))) if audit.path.exists() else []
