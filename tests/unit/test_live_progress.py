"""The live progress display: a row per host when they fit, counts when they do not."""

from __future__ import annotations

import io

from rich.console import Console

from nova.ansible.runner import HostStats, PlaybookResult, TaskResult, TaskStarted
from nova.cli.progress import LiveProgress
from nova.runs.recorder import PhaseFinished, PhaseStarted, RunStarted


def console(height: int) -> Console:
    return Console(file=io.StringIO(), width=120, height=height, force_terminal=False)


def run_of(hosts: list[str]) -> RunStarted:
    details = {"hosts": hosts, "forks": 8, "forks_reason": "one per host (8)"}
    return RunStarted("provision", "r1", "ops", ("foundation",), details)


def feed(progress: LiveProgress, hosts: list[str], failed: set[str]) -> None:
    progress.event("foundation", TaskStarted(task="Install packages", play="Foundation"))
    for host in hosts:
        status = "unreachable" if host in failed else "changed"
        progress.event("foundation", TaskResult(host, "Install packages", status, "ssh: timeout"))


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.replace("┃", "│").split("│")[1:-1]]


def text(progress: LiveProgress) -> str:
    out = Console(file=io.StringIO(), width=120)
    out.print(progress._render())
    assert isinstance(out.file, io.StringIO)
    return out.file.getvalue()


def test_a_row_per_host_when_the_hosts_fit() -> None:
    hosts = ["node1", "node2", "node3"]
    progress = LiveProgress(console(height=40))
    progress.run_started(run_of(hosts))
    progress.phase_started(run_of(hosts), PhaseStarted(1, "foundation"))
    feed(progress, hosts, failed={"node2"})
    shown = text(progress)
    progress.live.stop()
    assert not progress.collapsed()
    assert "phase foundation - Install packages" in shown
    rows = [cells(line) for line in shown.splitlines() if "node" in line]
    assert rows[1] == ["node2", "0", "0", "0", "1", "0", "Install packages"]


def test_fifty_hosts_on_a_short_terminal_collapse_to_counts_and_failed_names() -> None:
    hosts = [f"node{n}" for n in range(1, 51)]
    progress = LiveProgress(console(height=24))
    progress.run_started(run_of(hosts))
    progress.phase_started(run_of(hosts), PhaseStarted(1, "foundation"))
    feed(progress, hosts[:45], failed={"node7", "node12"})
    shown = text(progress)
    assert progress.collapsed()
    assert "(50 hosts)" in shown
    assert "node30" not in shown  # no row per host
    header, counts = (cells(line) for line in shown.splitlines() if line.count("│") > 2 or
                      line.count("┃") > 2)  # fmt: skip
    assert dict(zip(header, counts, strict=True)) == {
        "waiting": "5", "ok": "0", "changed": "43", "failed": "0", "unreachable": "2"
    }  # fmt: skip
    assert "failed or unreachable: node7, node12" in shown
    # The final numbers come from the playbook's stats.
    stats = {h: HostStats(ok=4) for h in hosts}
    result = PlaybookResult("successful", 0, stats=stats)
    finished = PhaseFinished(1, "foundation", "successful", 1.0, True, result=result)
    progress.phase_finished(run_of(hosts), finished)
    assert "failed or unreachable" not in text(progress)


def test_events_only_count_and_the_display_draws_on_its_own_clock() -> None:
    # 50 hosts x 200 tasks of events: a redraw per event (as before) would draw
    # 10,000 tables; the display draws at most REFRESH_PER_SECOND a second.
    hosts = [f"node{n}" for n in range(1, 51)]
    progress = LiveProgress(console(height=24))
    progress.run_started(run_of(hosts))
    progress.phase_started(run_of(hosts), PhaseStarted(1, "foundation"))
    before = progress.renders
    for _ in range(200):
        feed(progress, hosts, failed=set())
    drawn = progress.renders - before
    progress.live.stop()
    assert sum(progress.counts["node50"].values()) == 200
    assert drawn < 50, f"{drawn} redraws for 10,000 events"
