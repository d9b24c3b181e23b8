"""Live per-host progress for `nova provision`, drawn with rich."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from nova.ansible.runner import PlaybookResult, RunnerEvent, TaskResult, TaskStarted

if TYPE_CHECKING:
    from nova.runs.recorder import PhaseFinished, PhaseStarted, RunFinished, RunStarted

COUNTED = ("ok", "changed", "failed", "unreachable", "skipped")


class LiveProgress:
    """A ProvisionObserver that redraws a host table as events arrive."""

    def __init__(self, console: Any) -> None:
        from rich.live import Live

        self.console = console
        self.width = console.width  # the terminal's; widened only when host names need it
        self.live = Live(console=console, refresh_per_second=8, transient=False)
        self.hosts: list[str] = []
        self.counts: dict[str, Counter[str]] = {}
        self.current: dict[str, str] = {}
        self.phase = ""
        self.task = ""

    def run_started(self, run: RunStarted) -> None:
        self.hosts = list(run.details.get("hosts", []))
        names = ", ".join(run.phases)
        self.console.print(f"[bold]run {run.run_id}[/]: {names} on {len(self.hosts)} host(s)")

    def phase_started(self, run: RunStarted, phase: PhaseStarted) -> None:
        self.phase = phase.name
        self.counts = {h: Counter() for h in self.hosts}
        self.current = {}
        self.live.start()
        self.live.update(self._table())

    def event(self, phase: str, event: RunnerEvent) -> None:
        if isinstance(event, TaskStarted):
            self.task = event.task
        elif isinstance(event, TaskResult):
            self.counts.setdefault(event.host, Counter())[event.status] += 1
            self.current[event.host] = event.task
        self.live.update(self._table())

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
        self.live.update(self._table(result))
        self.live.stop()
        verdict = "[green]ok[/]" if result.succeeded else "[red]failed[/]"
        self.console.print(f"phase {phase.name}: {verdict} (rc {result.rc})")
        for failure in result.failures:
            self.console.print(
                f"  [red]{failure.status}[/] {failure.host}: {failure.task}: {failure.message}"
            )

    def run_finished(self, run: RunStarted, end: RunFinished) -> None:
        pass

    def _table(self, result: PlaybookResult | None = None) -> Any:
        from rich.table import Table

        from nova.cli.tables import keep_whole

        title = f"phase {self.phase}" + (f" - {self.task}" if self.task and result is None else "")
        table = Table(title=title, expand=False)
        table.add_column("host")
        for column in COUNTED:
            table.add_column(column, justify="right")
        table.add_column("last task")
        for host in sorted(set(self.hosts) | set(self.counts)):
            if result is not None and host in result.stats:
                s = result.stats[host]
                numbers = [s.ok, s.changed, s.failed, s.unreachable, s.skipped]
            else:
                c = self.counts.get(host, Counter())
                numbers = [
                    c["ok"] + c["changed"],
                    c["changed"],
                    c["failed"],
                    c["unreachable"],
                    c["skipped"],
                ]
            table.add_row(host, *(str(n) for n in numbers), self.current.get(host, ""))
        # Host names are copied into --limit: never cut; the last task gives way.
        self.console.width = keep_whole(self.console, table, ["host"], self.width)
        return table
