"""`nova orchestrate`: run the agents' tasks phase by phase through the queue."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING, Any

import click

from nova.cli.options import host_limit_option, inventory_option, require_inventory
from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.core.errors import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from nova.orchestrate.store import TaskRecord
    from nova.runs.recorder import PhaseFinished, PhaseStarted, RunFinished, RunStarted

STYLE = {
    "done": "green",
    "checked": "cyan",
    "succeeded": "green",
    "failed": "red",
    "not-runnable": "yellow",
    "blocked": "yellow",
    "incomplete": "yellow",
    "cancelled": "red",
    "not-started": "dim",
}


class ConsoleObserver:
    """One line per change people care about: phase start and end, task start and end."""

    def __init__(self, out: Any) -> None:
        self.out = out

    def run_started(self, run: RunStarted) -> None:
        details = run.details
        mode = f"{details['mode']}, at most {details['concurrency']} at once"
        names = ", ".join(run.phases)
        self.out.print(
            f"[bold]orchestration {run.run_id}[/] ({mode}) on {details['inventory']}: {names}"
        )

    def phase_started(self, run: RunStarted, phase: PhaseStarted) -> None:
        agents = ", ".join(phase.details["agents"])
        count = len(phase.details["tasks"])
        self.out.print(f"[bold]phase {phase.name}[/]: {count} task(s) for {agents}")

    def task_changed(self, record: TaskRecord) -> None:
        state = record.status.value
        if state == "queued":
            return
        style = STYLE.get(state, "")
        line = (
            f"  {record.agent}/{record.task}: [{style}]{state}[/]"
            if style
            else (f"  {record.agent}/{record.task}: {state}")
        )
        if record.error:
            line += f" - {record.error}"
        self.out.print(line, highlight=False)

    def phase_finished(self, run: RunStarted, phase: PhaseFinished) -> None:
        style = STYLE.get(phase.status, "")
        verdict = f"[{style}]{phase.status}[/]" if style else phase.status
        self.out.print(
            f"phase {phase.name}: {verdict}" + (f" ({phase.note})" if phase.note else "")
        )

    def run_finished(self, run: RunStarted, end: RunFinished) -> None:
        pass


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option("--agents", "agent_names", multiple=True, metavar="NAME[,NAME]",
              help="Only these agents (repeatable or comma-separated); default all.")  # fmt: skip
@click.option("--mode", type=click.Choice(["sequential", "parallel"]), default=None,
              help="One task at a time or up to N (env NOVA_EXECUTION_MODE).")  # fmt: skip
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Tasks of a phase run at once in parallel mode.")  # fmt: skip
@inventory_option(purpose="the hosts the tasks act on", defaults_to="chosen")
@host_limit_option
@click.option("--check", is_flag=True, help="Check mode: tasks report what they would change.")
@click.option("--server", default=None, envvar="NOVA_QUEUE_ADDR",
              help="A running queue host:port; default serves one for the run.")  # fmt: skip
@click.option("--task-timeout", default=3600.0, show_default=True, type=click.FloatRange(1),
              help="Seconds a task may take before it is cancelled.")  # fmt: skip
@OUTPUT_OPTION
def orchestrate(
    agent_names: tuple[str, ...],
    mode: str | None,
    concurrency: int,
    inventory: str | None,
    limit: str | None,
    check: bool,
    server: str | None,
    task_timeout: float,
    output: str,
) -> int:
    """Run the agents' tasks phase by phase through the queue and real workers.

    The inventory is --inventory, else NOVA_INVENTORY, else `inventory:` in
    NOVA_HOME/config.yml; with none of them, nothing runs and exit is 2.
    """
    hosts = require_inventory(inventory)
    from nova.orchestrate.run import OrchestrateRequest, SilentObserver, orchestrate, resolve_mode

    agents = tuple(a.strip() for names in agent_names for a in names.split(",") if a.strip())
    request = OrchestrateRequest(
        agents=agents,
        mode=resolve_mode(mode),
        concurrency=concurrency,
        inventory=hosts,
        limit=limit,
        check=check,
        server=server,
        task_timeout=task_timeout,
    )
    out = console()
    observer = SilentObserver() if output == "json" else ConsoleObserver(out)
    # TERM is handled like Ctrl-C, so running tasks are cancelled, workers stopped
    # and the run recorded as interrupted rather than left running.
    signal.signal(signal.SIGTERM, _interrupt)
    run = orchestrate(request, observer=observer)
    if output == "json":
        print_json(run.to_dict())
    else:
        style = STYLE.get(run.status, "")
        out.print(f"orchestration {run.id}: [{style}]{run.status}[/]" if style else run.status)
        out.print(f"report: {run.report_path}")
    return EXIT_OK if run.status == "succeeded" else EXIT_FAILED
