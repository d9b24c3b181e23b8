"""A run's Markdown report, rendered from templates/ and the state store.

The report stays readable at cluster size: each phase's hosts are grouped by
outcome, failures first. Up to HOST_ROWS hosts get a row each; past that only
the failed and unreachable hosts do, and the others are named on one line per
outcome. Failures that share a task, a status and a reason are one entry
naming every host they hit, so 45 hosts refused by the same mirror read as
one line, not 45.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nova.ansible.runner import HostStats, TaskResult
from nova.core.paths import reports_dir
from nova.core.templates import environment
from nova.runs.state import PhaseRecord, RunRecord

# Past this many hosts, only the failed and unreachable ones get a row of their own.
HOST_ROWS = 20
# Worst first: the order of the groups and of the rows.
OUTCOMES = ("unreachable", "failed", "changed", "ok")


@dataclass(frozen=True)
class HostRow:
    host: str
    outcome: str
    stats: HostStats


@dataclass(frozen=True)
class FailureGroup:
    task: str
    status: str
    message: str
    hosts: list[str]


@dataclass(frozen=True)
class HostView:
    """One phase's hosts, as the report shows them."""

    summary: str
    rows: list[HostRow]
    # Outcome -> hosts, for the outcomes whose hosts have no row of their own.
    named: dict[str, list[str]]
    failures: list[FailureGroup]


def outcome(stats: HostStats) -> str:
    if stats.unreachable:
        return "unreachable"
    if stats.failed:
        return "failed"
    return "changed" if stats.changed else "ok"


def host_view(phase: PhaseRecord, host_rows: int = HOST_ROWS) -> HostView:
    by_outcome: dict[str, list[str]] = {name: [] for name in OUTCOMES}
    for host, stats in phase.hosts.items():
        by_outcome[outcome(stats)].append(host)
    for hosts in by_outcome.values():
        hosts.sort(key=_natural)
    counts = [f"{len(hosts)} {name}" for name, hosts in by_outcome.items() if hosts]
    summary = f"{len(phase.hosts)} host(s): {', '.join(counts)}" if counts else "no hosts"
    few = len(phase.hosts) <= host_rows
    rows = [
        HostRow(host, name, phase.hosts[host])
        for name in OUTCOMES
        if few or name in ("unreachable", "failed")
        for host in by_outcome[name]
    ]
    named = {} if few else {n: by_outcome[n] for n in ("changed", "ok") if by_outcome[n]}
    return HostView(summary, rows, named, group_failures(phase.failures))


def group_failures(failures: list[TaskResult]) -> list[FailureGroup]:
    """Failures of the same task, status and reason as one group, unreachable first."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for f in failures:
        hosts = groups.setdefault((f.task, f.status, f.message), [])
        if f.host not in hosts:
            hosts.append(f.host)
    ordered = sorted(groups.items(), key=lambda item: OUTCOMES.index(item[0][1])
                     if item[0][1] in OUTCOMES else len(OUTCOMES))  # fmt: skip
    return [
        FailureGroup(task, status, message, sorted(hosts, key=_natural))
        for (task, status, message), hosts in ordered
    ]


def _natural(host: str) -> tuple[int, str]:
    # node2 before node10.
    return (len(host), host)


def render_run_report(run: RunRecord) -> str:
    views = {phase.name: host_view(phase) for phase in run.phase_results}
    return environment().get_template("run_report.md.j2").render(run=run, views=views)


def write_run_report(run: RunRecord, directory: Path | None = None) -> Path:
    target_dir = directory or reports_dir()
    target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = target_dir / f"{run.id}.md"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(render_run_report(run), encoding="utf-8")
    tmp.replace(path)
    return path
