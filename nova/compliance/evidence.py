"""Evidence for each check, from the audit log and the state store.

Host evidence (firewall ruleset hash, `sshd -T`, backups, VPN handshakes,
clock sync) is what the roles record in the audit log as entries with action
`evidence.<check>`, subject the host, and a payload with `ok` and `sha256`.
The state store is read only if it exists and has the expected tables.

A check with nothing to show says "no evidence", never "pass": an audit log
with no entries proves nothing about the log, and a host with no recorded
entry has not shown that it meets the control.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nova.audit.log import AuditLog
from nova.audit.verify import verify

PASS, FAIL, NO_EVIDENCE = "pass", "fail", "no evidence"
ALL_HOSTS = "*"
NO_HOSTS = "no host to report on: no recorded run for the inventory, and no --host"


@dataclass(frozen=True)
class Finding:
    check: str
    host: str
    status: str
    detail: str
    evidence: str | None = None  # audit entry hash, or the verified chain head

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def latest_run(state_db: Path, inventory: str) -> dict[str, Any] | None:
    """The inventory's latest run and its per-host results; None when unknown."""
    if not state_db.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{state_db}?mode=ro", uri=True)) as db:
            db.row_factory = sqlite3.Row
            run = db.execute(
                "SELECT * FROM runs WHERE inventory = ? ORDER BY started_at DESC LIMIT 1",
                (inventory,),
            ).fetchone()
            if run is None:
                return None
            hosts = db.execute(
                "SELECT host, SUM(failed) AS failed, SUM(unreachable) AS unreachable "
                "FROM host_results WHERE run_id = ? GROUP BY host",
                (run["id"],),
            ).fetchall()
    except sqlite3.Error:
        return None
    return {**dict(run), "hosts": {h["host"]: dict(h) for h in hosts}}


def collect(
    check: str, hosts: list[str], log: AuditLog, run: dict[str, Any] | None
) -> list[Finding]:
    if check == "audit_chain":
        return [_audit_chain(log)]
    if check in ("policy_gate", "run_decision_link"):
        return [_decisions(check, log, run)]
    if not hosts:
        return [Finding(check, ALL_HOSTS, NO_EVIDENCE, NO_HOSTS)]
    if check == "last_run":
        return _last_run(hosts, run)
    return [_recorded(check, host, log) for host in hosts]


def _audit_chain(log: AuditLog) -> Finding:
    result = verify(log)
    if not result.ok:
        return Finding(
            "audit_chain", ALL_HOSTS, FAIL, f"broken at seq {result.failed_seq}: {result.reason}"
        )
    if result.entries == 0:
        return Finding("audit_chain", ALL_HOSTS, NO_EVIDENCE, "the audit log has no entries")
    return Finding(
        "audit_chain", ALL_HOSTS, PASS, f"{result.entries} entries verified", result.head_hash
    )


def _last_run(hosts: list[str], run: dict[str, Any] | None) -> list[Finding]:
    if run is None:
        return [Finding("last_run", h, NO_EVIDENCE, "no recorded run") for h in hosts]
    findings = []
    for host in hosts:
        stats = run["hosts"].get(host)
        if stats is None:
            findings.append(Finding("last_run", host, NO_EVIDENCE, f"not in run {run['id']}"))
            continue
        bad = (stats["failed"] or 0) + (stats["unreachable"] or 0)
        findings.append(
            Finding(
                "last_run",
                host,
                FAIL if bad else PASS,
                f"run {run['id']} ({run['status']}): {bad} failed",
            )
        )
    return findings


def _decisions(check: str, log: AuditLog, run: dict[str, Any] | None) -> Finding:
    decisions = [
        e for e in log.entries() if e.action == "policy.decision" and e.subject == "nova/provision"
    ]
    if run is None or not decisions:
        return Finding(check, ALL_HOSTS, NO_EVIDENCE, "no provision run or decision recorded")
    allowed = [
        e
        for e in decisions
        if e.payload.get("allow") is True
        and e.payload.get("input", {}).get("inventory") == run["inventory"]
    ]
    if not allowed:
        return Finding(check, ALL_HOSTS, FAIL, f"run {run['id']} has no allowing decision")
    last = allowed[-1]
    return Finding(
        check, ALL_HOSTS, PASS, f"decision {last.decision_id} at seq {last.seq}", last.hash
    )


def _recorded(check: str, host: str, log: AuditLog) -> Finding:
    found = None
    for entry in log.entries():
        if entry.action == f"evidence.{check}" and entry.subject == host:
            found = entry
    if found is None:
        return Finding(check, host, NO_EVIDENCE, "no evidence recorded")
    ok = found.payload.get("ok") is True
    detail = f"seq {found.seq}, sha256 {str(found.payload.get('sha256', '-'))[:16]}"
    return Finding(check, host, PASS if ok else FAIL, detail, found.hash)
