"""The compliance report: per control and host, pass, fail, stale or no evidence, and a verdict.

A control passes only when every finding for it passes; with no finding
passing it has no evidence (or stale evidence, when some is too old), and
with some passing and others without fresh evidence it is incomplete. The
report's verdict follows the same rule over the controls: it is a pass only
when every control passes. Host evidence counts only while it is younger
than the report's maximum age (`Freshness`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nova.ansible.inventory import resolve
from nova.audit.log import AuditLog
from nova.compliance.controls import CONTROLS
from nova.compliance.evidence import (
    FAIL,
    NO_EVIDENCE,
    PASS,
    STALE,
    Finding,
    Freshness,
    collect,
    latest_host_evidence,
    latest_run,
)

INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class ControlResult:
    number: str
    title: str
    status: str
    findings: tuple[Finding, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.number,
            "title": self.title,
            "status": self.status,
            "findings": [f.to_dict() for f in self.findings],
        }


def build_report(
    inventory: str,
    hosts: list[str],
    log: AuditLog,
    state_db: Path,
    freshness: Freshness | None = None,
) -> list[ControlResult]:
    run = latest_run(state_db, inventory)
    known = sorted(set(hosts) | set(run["hosts"] if run else ()))
    freshness = freshness or Freshness()
    latest = latest_host_evidence(log)
    cache: dict[str, list[Finding]] = {}
    results = []
    for control in CONTROLS:
        findings: list[Finding] = []
        for check in control.checks:
            if check not in cache:
                cache[check] = collect(check, known, log, run, state_db, freshness, latest)
            findings.extend(cache[check])
        results.append(
            ControlResult(
                control.number,
                control.title,
                _overall([f.status for f in findings]),
                tuple(findings),
            )
        )
    return results


@dataclass(frozen=True)
class ComplianceReport:
    inventory: str
    controls: tuple[ControlResult, ...]
    max_age: str = ""

    @property
    def verdict(self) -> str:
        return _overall([c.status for c in self.controls])

    def counts(self) -> dict[str, int]:
        statuses = [c.status for c in self.controls]
        return {s: statuses.count(s) for s in (PASS, FAIL, INCOMPLETE, STALE, NO_EVIDENCE)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "inventory": self.inventory,
            "max_age": self.max_age,
            "verdict": self.verdict,
            "counts": self.counts(),
            "controls": [c.to_dict() for c in self.controls],
        }


def inventory_report(
    inventory: str,
    hosts: list[str],
    log: AuditLog,
    state_db: Path,
    freshness: Freshness | None = None,
) -> ComplianceReport:
    """The report for an inventory that exists; an unknown one is an InputError."""
    resolve(inventory)
    freshness = freshness or Freshness()
    return ComplianceReport(
        inventory,
        tuple(build_report(inventory, hosts, log, state_db, freshness)),
        freshness.describe(),
    )


def _overall(statuses: list[str]) -> str:
    """fail if any failed; pass only if all passed; stale or no evidence if none passed."""
    present = set(statuses)
    if FAIL in present:
        return FAIL
    if present == {PASS}:
        return PASS
    if present & {PASS, INCOMPLETE}:
        return INCOMPLETE
    if STALE in present:
        return STALE
    return NO_EVIDENCE
