"""Status commands: where the agents' work stands, from the state store only.

`nova tasks`, `roadmap`, `next-steps`, `step-plan`, `progress` and `summary`
read the orchestration records; a task that never ran is pending. Each
prints Markdown for people or JSON for scripts, and `--export FILE` writes
the same to a file (JSON when the name ends in .json or with `--output json`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from nova.cli.options import ManyValuesCommand, export_option, phases_option
from nova.cli.output import OUTPUT_OPTION, console

F = TypeVar("F", bound=Callable[..., Any])
STATUSES = (
    "pending", "queued", "running", "done", "checked", "failed",
    "not-runnable", "blocked", "cancelled", "interrupted",
)  # fmt: skip


def view_options(func: F) -> F:
    func = export_option("Also write the view to FILE (Markdown, or JSON for *.json).")(func)
    return OUTPUT_OPTION(func)


def phase_option(func: F) -> F:
    return phases_option()(func)


def _show(name: str, view: dict[str, Any], output: str, export_path: Path | None,
          **extra: Any) -> None:  # fmt: skip
    from nova.orchestrate.status.render import as_json, export, markdown

    text = markdown(name, view, **extra)
    if export_path is not None:
        as_data = output == "json" or export_path.suffix == ".json"
        export(export_path, as_json(view) if as_data else text)
    if output == "json":
        click.echo(as_json(view), nl=False)
        return
    from nova.cli.tables import print_markdown

    print_markdown(console(), text)
    if export_path is not None:
        click.echo(f"written to {export_path}", err=True)


def _context() -> tuple[Any, Any, list[Any]]:
    from nova.orchestrate.catalogue import load_catalogue
    from nova.orchestrate.status.model import task_statuses
    from nova.orchestrate.store import OrchestrationStore

    catalogue = load_catalogue()
    store = OrchestrationStore()
    return catalogue, store, task_statuses(catalogue, store)


@click.command()
@click.option("--agent", default=None, help="Only this agent's tasks.")
@click.option(
    "--status", type=click.Choice(STATUSES), default=None, help="Only tasks in this state."
)
@click.option("--checklist", is_flag=True, help="A Markdown checklist: done tasks ticked.")
@view_options
def tasks(agent: str | None, status: str | None, checklist: bool, output: str,
          export_path: Path | None) -> None:  # fmt: skip
    """The agents' tasks and their status."""
    from nova.orchestrate.status.views import tasks_view

    catalogue, _, statuses = _context()
    if agent is not None:
        catalogue.check_agents([agent])
    _show("tasks", tasks_view(statuses, agent, status), output, export_path, checklist=checklist)


@click.command(cls=ManyValuesCommand)
@phase_option
@view_options
def roadmap(phases: tuple[str, ...], output: str, export_path: Path | None) -> None:
    """Phases in plan order, with their tasks and how far each has come."""
    from nova.orchestrate.status.views import roadmap_view

    catalogue, _, statuses = _context()
    _show("roadmap", roadmap_view(catalogue, statuses, phases), output, export_path)


@click.command("next-steps", cls=ManyValuesCommand)
@click.option(
    "--limit", default=5, show_default=True, type=click.IntRange(1), help="At most N steps."
)
@phase_option
@view_options
def next_steps(limit: int, phases: tuple[str, ...], output: str, export_path: Path | None) -> None:
    """The tasks that can run now, the command that runs them, and why the rest cannot.

    A task can run when every task it depends on is done and its agent's
    worker can run its skill here.
    """
    from nova.orchestrate.status.runnable import not_runnable_here
    from nova.orchestrate.status.views import next_steps_view

    catalogue, store, statuses = _context()
    catalogue.check_phases(phases)
    recent = store.list_runs(limit=1)
    inventory = recent[0].inventory if recent else "sandbox"
    view = next_steps_view(statuses, limit, phases, inventory, not_runnable_here(catalogue))
    _show("next_steps", view, output, export_path)


@click.command("step-plan", cls=ManyValuesCommand)
@phase_option
@view_options
def step_plan(phases: tuple[str, ...], output: str, export_path: Path | None) -> None:
    """Every task as a numbered step in run order, with what it follows."""
    from nova.orchestrate.status.views import step_plan_view

    catalogue, _, statuses = _context()
    catalogue.check_phases(phases)
    _show("step_plan", step_plan_view(statuses, phases), output, export_path)


@click.command()
@click.option("--agent", "agents", multiple=True, help="Only this agent (repeatable).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1),
              help="Recent task results shown.")  # fmt: skip
@view_options
def progress(agents: tuple[str, ...], limit: int, output: str, export_path: Path | None) -> None:
    """Per-agent progress with each agent's next steps, and the latest task results."""
    from nova.orchestrate.status.runnable import not_runnable_here
    from nova.orchestrate.status.views import progress_view

    catalogue, store, statuses = _context()
    catalogue.check_agents(agents)
    unable = not_runnable_here(catalogue)
    view = progress_view(statuses, store.task_history(), agents, limit, unable)
    _show("progress", view, output, export_path)


@click.command()
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1),
              help="Recent orchestrations shown.")  # fmt: skip
@view_options
def summary(limit: int, output: str, export_path: Path | None) -> None:
    """Overall completion, per phase, each agent's next steps, and the latest orchestrations."""
    from nova.orchestrate.hub.store import Hub
    from nova.orchestrate.status.runnable import not_runnable_here
    from nova.orchestrate.status.views import summary_view

    catalogue, store, statuses = _context()
    runs = store.list_runs(limit)
    messages = Hub(store.path).count()
    view = summary_view(catalogue, statuses, runs, messages, not_runnable_here(catalogue))
    _show("summary", view, output, export_path)
