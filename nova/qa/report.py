"""The Markdown QA summary: pytest's JUnit results and Molecule scenarios together."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nova.core.exportfile import write_export
from nova.core.templates import environment
from nova.qa.junit import OUTCOMES, JunitResults
from nova.qa.molecule import Scenario

SLOWEST = 10


@dataclass
class QaSummary:
    junit: JunitResults
    scenarios: list[Scenario] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """pass, fail, or "no evidence" when no test case and no scenario ran."""
        if not self.junit.cases and not self.scenarios:
            return "no evidence"
        if self.junit.ok and all(s.outcome == "passed" for s in self.scenarios):
            return "pass"
        return "fail"

    @property
    def ok(self) -> bool:
        return self.verdict == "pass"

    def to_dict(self) -> dict[str, Any]:
        cases = self.junit.cases
        return {
            "verdict": self.verdict,
            "junit": {
                "sources": [str(p) for p in self.junit.sources],
                "timestamp": self.junit.timestamp,
                "seconds": round(self.junit.seconds, 2),
                "total": len(cases),
                "suites": [
                    {
                        "name": s.name,
                        "source": str(s.source),
                        "seconds": round(s.seconds, 2),
                        "total": len(s.cases),
                        **{o: s.count(o) for o in OUTCOMES},
                    }
                    for s in self.junit.suites
                ],
                "counts": {o: self.junit.count(o) for o in OUTCOMES},
                "modules": _modules(self.junit),
                "problems": [
                    {"test": c.id, "outcome": c.outcome, "message": c.message}
                    for c in cases
                    if c.outcome in ("failed", "error")
                ],
                "skipped": [
                    {"test": c.id, "message": c.message} for c in cases if c.outcome == "skipped"
                ],
                "slowest": [
                    {"test": c.id, "seconds": round(c.seconds, 2)}
                    for c in sorted(cases, key=lambda c: c.seconds, reverse=True)[:SLOWEST]
                ],
            },
            "molecule": [
                {
                    "scenario": s.name,
                    "source": str(s.source),
                    "outcome": s.outcome,
                    "actions": [vars(a) for a in s.actions],
                    "counts": s.counts,
                    "not_idempotent": s.not_idempotent,
                }
                for s in self.scenarios
            ],
        }


def _modules(results: JunitResults) -> list[dict[str, Any]]:
    """Counts per test module: the case's classname, else its suite."""
    groups: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    for case in results.cases:
        groups[case.classname or case.suite][case.outcome] += 1
    return [{"module": name, **counts} for name, counts in sorted(groups.items())]


def render_qa(summary: QaSummary) -> str:
    return environment().get_template("qa_report.md.j2").render(qa=summary.to_dict())


def write_qa(summary: QaSummary, path: Path) -> Path:
    return write_export(path, render_qa(summary))
