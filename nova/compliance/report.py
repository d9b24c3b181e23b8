"""The compliance report: per control and host, pass, fail or not applicable."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nova.audit.log import AuditLog
from nova.compliance.controls import CONTROLS
from nova.compliance.evidence import FAIL, PASS, Finding, collect, latest_run


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
    inventory: str, hosts: list[str], log: AuditLog, state_db: Path
) -> list[ControlResult]:
    run = latest_run(state_db, inventory)
    known = sorted(set(hosts) | set(run["hosts"] if run else ()))
    cache: dict[str, list[Finding]] = {}
    results = []
    for control in CONTROLS:
        findings: list[Finding] = []
        for check in control.checks:
            if check not in cache:
                cache[check] = collect(check, known, log, run)
            findings.extend(cache[check])
        results.append(
            ControlResult(control.number, control.title, _overall(findings), tuple(findings))
        )
    return results


def _overall(findings: list[Finding]) -> str:
    statuses = {f.status for f in findings}
    if FAIL in statuses:
        return FAIL
    if PASS in statuses:
        return PASS
    return "not applicable"
