"""Evidence for each check, from the audit log and the state store.

Host evidence (firewall ruleset, `sshd -T`, sudo users, pending security
updates, backups, VPN handshakes, the OpenVPN CRL) is what the roles record
as they apply: provisioning appends an audit entry with action
`evidence.<check>`, subject the host, and a payload with `ok`, the `sha256`
of the data and the run id, and keeps the data itself in the state store's
host_evidence table with that entry's seq.

A host's latest entry for a check decides its finding, which always names
the audit seq it rests on:

- older than the stated maximum age: "stale", never a pass;
- pointing at data (it names a run) that the store no longer holds, or whose
  canonical JSON no longer hashes to the entry's sha256: a fail (tampered);
- otherwise pass or fail as the entry's `ok` says.

The state store is read only if it exists and has the expected tables.

A check with nothing to show says "no evidence", never "pass": an audit log
with no entries proves nothing about the log, and a host with no recorded
entry has not shown that it meets the control.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nova.audit.chain import Entry
from nova.audit.log import AuditLog
from nova.audit.verify import verify
from nova.core.errors import InputError
from nova.runs.evidence import evidence_hash, read_evidence

PASS, FAIL, NO_EVIDENCE, STALE = "pass", "fail", "no evidence", "stale"
ALL_HOSTS = "*"
NO_HOSTS = "no host to report on: no recorded run for the inventory, and no --host"
DEFAULT_MAX_AGE = "7d"
_AGE = re.compile(r"^\s*([0-9]+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str, source: str = "--max-age") -> timedelta:
    """'90m', '24h', '7d' or '2w' as a duration; anything else is an InputError."""
    match = _AGE.match(text or "")
    if match is None or int(match.group(1)) == 0:
        raise InputError(
            text or "''",
            source,
            "must be a positive whole number with a unit s, m, h, d or w (e.g. 7d)",
        )
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


@dataclass(frozen=True)
class Freshness:
    """How old host evidence may be, and the time it is measured from."""

    max_age: timedelta = field(default_factory=lambda: parse_age(DEFAULT_MAX_AGE))
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    label: str = ""  # the age as the user wrote it

    @classmethod
    def of(cls, text: str) -> Freshness:
        """The freshness an operator asked for ('24h', '7d'); bad text is an InputError."""
        return cls(parse_age(text), label=text.strip())

    def stale(self, stamp: str) -> bool:
        try:
            at = datetime.fromisoformat(stamp)
        except ValueError:
            return True
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return self.now - at > self.max_age

    def describe(self) -> str:
        return self.label or _age_text(self.max_age)


@dataclass(frozen=True)
class Finding:
    check: str
    host: str
    status: str
    detail: str
    evidence: str | None = None  # audit entry hash, or the verified chain head
    seq: int | None = None  # the audit entry the finding rests on

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
    check: str,
    hosts: list[str],
    log: AuditLog,
    run: dict[str, Any] | None,
    state_db: Path | None = None,
    freshness: Freshness | None = None,
    latest: dict[tuple[str, str], Entry] | None = None,
) -> list[Finding]:
    """The findings for one check; `latest` is `latest_host_evidence(log)`, made once."""
    if check == "audit_chain":
        return [_audit_chain(log)]
    if check in ("policy_gate", "run_decision_link"):
        return [_decisions(check, log, run)]
    if not hosts:
        return [Finding(check, ALL_HOSTS, NO_EVIDENCE, NO_HOSTS)]
    if check == "last_run":
        return _last_run(hosts, run)
    if latest is None:
        latest = latest_host_evidence(log)
    when = freshness or Freshness()
    return [_recorded(check, host, latest.get((check, host)), state_db, when) for host in hosts]


def latest_host_evidence(log: AuditLog) -> dict[tuple[str, str], Entry]:
    """The latest `evidence.<check>` entry per (check, host)."""
    found: dict[tuple[str, str], Entry] = {}
    for entry in log.entries():
        if entry.action.startswith("evidence."):
            found[(entry.action.removeprefix("evidence."), entry.subject)] = entry
    return found


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


def _recorded(
    check: str, host: str, found: Entry | None, state_db: Path | None, freshness: Freshness
) -> Finding:
    if found is None:
        return Finding(check, host, NO_EVIDENCE, "no evidence recorded")
    sha = str(found.payload.get("sha256", ""))
    where = f"seq {found.seq}, sha256 {sha[:16] or '-'}"

    def finding(status: str, detail: str) -> Finding:
        return Finding(check, host, status, f"{where}: {detail}", found.hash, found.seq)

    if freshness.stale(found.time):
        return finding(STALE, f"recorded {found.time}, older than {freshness.describe()}")
    run_id = found.payload.get("run_id")
    if run_id is not None:
        problem = _stored_data_problem(found, state_db)
        if problem:
            return finding(FAIL, problem)
    ok = found.payload.get("ok") is True
    kept = f"run {run_id}" if run_id is not None else "hash only, no stored data"
    return finding(PASS if ok else FAIL, f"{'ok' if ok else 'not ok'} ({kept})")


def _stored_data_problem(entry: Entry, state_db: Path | None) -> str | None:
    """Why the data an entry points at cannot be trusted, or None when it matches."""
    record = read_evidence(state_db, entry.seq) if state_db is not None else None
    if record is None:
        return "the evidence data is missing from the state store"
    if (record.host, f"evidence.{record.check}") != (entry.subject, entry.action):
        return "tampered: the stored row is for another host or check"
    try:
        actual = evidence_hash(record.data)
    except ValueError:
        return "tampered: the stored data is not JSON"
    if actual != entry.payload.get("sha256") or record.sha256 != actual:
        return f"tampered: the stored data hashes to {actual[:16]}, not the audited sha256"
    if record.ok != (entry.payload.get("ok") is True):
        return "tampered: the stored result differs from the audited one"
    return None


def _age_text(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
