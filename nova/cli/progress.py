"""Live per-host progress for `nova provision`, drawn with rich.

Events only update counters; the display is drawn from them at most
REFRESH_PER_SECOND times a second, however many events arrive, so a
50-host run is not slowed by its own progress display. When the hosts do
not fit the terminal's height, the table collapses to counts per outcome
and the names of the hosts that failed.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from nova.ansible.runner import PlaybookResult, RunnerEvent, TaskResult, TaskStarted

if TYPE_CHECKING:
    from nova.runs.recorder import PhaseFinished, PhaseStarted, RunFinished, RunStarted

COUNTED = ("ok", "changed", "failed", "unreachable", "skipped")
REFRESH_PER_SECOND = 8
# Lines around the host rows: title, header, borders, and the lines printed below.
TABLE_OVERHEAD = 8
# Hosts named in the collapsed view's failed line before it says "and N more".
NAMED_FAILURES = 10


class LiveProgress:
    """A ProvisionObserver that shows each host's progress as events arrive."""

    def __init__(self, console: Any) -> None:
        from rich.live import Live

        self.console = console
        self.width = console.width  # the terminal's; widened only when host names need it
        self.hosts: list[str] = []
        self.counts: dict[str, Counter[str]] = {}
        self.current: dict[str, str] = {}
        self.result: PlaybookResult | None = None
        self.phase = ""
        self.task = ""
        self.renders = 0
        # Live draws once on creation: everything _render reads is set above.
        self.live = Live(
            console=console,
            refresh_per_second=REFRESH_PER_SECOND,
            transient=False,
            get_renderable=self._render,
        )

    def run_started(self, run: RunStarted) -> None:
        self.hosts = list(run.details.get("hosts", []))
        names = ", ".join(run.phases)
        forks = run.details.get("forks")
        tuning = f", {forks} at a time ({run.details.get('forks_reason')})" if forks else ""
        self.console.print(
            f"[bold]run {run.run_id}[/]: {names} on {len(self.hosts)} host(s){tuning}"
        )

    def phase_started(self, run: RunStarted, phase: PhaseStarted) -> None:
        self.phase = phase.name
        self.task = ""
        self.result = None
        self.counts = {h: Counter() for h in self.hosts}
        self.current = {}
        self.live.start()

    def event(self, phase: str, event: RunnerEvent) -> None:
        if isinstance(event, TaskStarted):
            self.task = event.task
        elif isinstance(event, TaskResult):
            self.counts.setdefault(event.host, Counter())[event.status] += 1
            self.current[event.host] = event.task

    def phase_finished(self, run: RunStarted, phase: PhaseFinished) -> None:
        if phase.status == "denied":
            self.console.print(
                f"phase {phase.name}: [red]denied by policy[/] ({phase.note or 'no reason given'})"
                f" decision {phase.decision_id}"
            )
            return
        if not phase.ran:
            self.console.print(f"phase {phase.name}: [yellow]{phase.status}[/] ({phase.note})")
            return
        result: PlaybookResult = phase.result
        self.result = result
        self.live.refresh()
        self.live.stop()
        verdict = "[green]ok[/]" if result.succeeded else "[red]failed[/]"
        self.console.print(f"phase {phase.name}: {verdict} (rc {result.rc})")
        for failure in result.failures:
            self.console.print(
                f"  [red]{failure.status}[/] {failure.host}: {failure.task}: {failure.message}"
            )

    def run_finished(self, run: RunStarted, end: RunFinished) -> None:
        pass

    def collapsed(self) -> bool:
        return len(self._all_hosts()) + TABLE_OVERHEAD > int(self.console.height)

    def _render(self) -> Any:
        self.renders += 1
        return self._summary() if self.collapsed() else self._table()

    def _all_hosts(self) -> list[str]:
        return sorted(set(self.hosts) | set(self.counts), key=lambda h: (len(h), h))

    def _numbers(self, host: str) -> list[int]:
        result = self.result
        if result is not None and host in result.stats:
            s = result.stats[host]
            return [s.ok, s.changed, s.failed, s.unreachable, s.skipped]
        c = self.counts.get(host, Counter())
        return [c["ok"] + c["changed"], c["changed"], c["failed"], c["unreachable"], c["skipped"]]

    def _title(self) -> str:
        return f"phase {self.phase}" + (f" - {self.task}" if self.task and not self.result else "")

    def _table(self) -> Any:
        from rich.table import Table

        from nova.cli.tables import keep_whole

        table = Table(title=self._title(), expand=False)
        table.add_column("host")
        for column in COUNTED:
            table.add_column(column, justify="right")
        table.add_column("last task")
        for host in self._all_hosts():
            numbers = self._numbers(host)
            table.add_row(host, *(str(n) for n in numbers), self.current.get(host, ""))
        # Host names are copied into --limit: never cut; the last task gives way.
        self.console.width = keep_whole(self.console, table, ["host"], self.width)
        return table

    def _summary(self) -> Any:
        """Hosts counted by where they stand, and the failed ones named."""
        from rich.table import Table

        states: Counter[str] = Counter()
        failing: list[str] = []
        for host in self._all_hosts():
            _, changed, failed, unreachable, _ = self._numbers(host)
            if unreachable or failed:
                states["unreachable" if unreachable else "failed"] += 1
                failing.append(host)
            elif self.result is None and host not in self.current:
                states["waiting"] += 1
            else:
                states["changed" if changed else "ok"] += 1
        table = Table(title=f"{self._title()} ({len(self._all_hosts())} hosts)", expand=False)
        for column in ("waiting", "ok", "changed", "failed", "unreachable"):
            table.add_column(column, justify="right")
        table.add_row(*(str(states[c]) for c in ("waiting", "ok", "changed", "failed",
                                                  "unreachable")))  # fmt: skip
        if not failing:
            return table
        from rich.console import Group
        from rich.text import Text

        named = ", ".join(failing[:NAMED_FAILURES])
        more = len(failing) - NAMED_FAILURES
        tail = f" and {more} more" if more > 0 else ""
        return Group(table, Text(f"failed or unreachable: {named}{tail}", style="red"))
