from __future__ import annotations

import click

from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.core.errors import InputError


@click.group()
def runs() -> None:
    """List and show recorded runs: provisioning, and with --all orchestration too."""


@runs.command("list")
@click.option("--last", default=20, show_default=True, type=click.IntRange(1, 1_000_000),
              help="how many runs to list")  # fmt: skip
@click.option("--all", "every_engine", is_flag=True,
              help="Orchestrations too: every engine's runs, from one index.")  # fmt: skip
@OUTPUT_OPTION
def list_runs(last: int, every_engine: bool, output: str) -> None:
    """The most recent runs, newest first."""
    if every_engine:
        _list_every_engine(last, output)
        return
    from nova.runs.state import StateStore

    records = StateStore().list_runs(last)
    if output == "json":
        print_json([r.to_dict() for r in records])
        return
    from rich.table import Table

    from nova.cli.tables import print_table

    table = Table(title="Runs")
    for column in ("id", "started", "status", "inventory", "phases", "mode"):
        table.add_column(column)
    for r in records:
        mode = "check" if r.check_mode else "apply"
        table.add_row(r.id, r.started_at, r.status, r.inventory, ", ".join(r.phases), mode)
    # Run ids are copied into `runs show` and `provision --resume`: never cut.
    print_table(console(), table, keep=("id", "started", "inventory"))


@runs.command("show")
@click.argument("run_id")
@OUTPUT_OPTION
def show_run(run_id: str, output: str) -> None:
    """One run: its phases, per-host results and failed tasks."""
    from nova.runs.state import StateStore

    record = StateStore().get_run(run_id)
    if record is None:
        raise InputError(run_id, "RUN_ID", "no run with that id")
    if output == "json":
        print_json(record.to_dict())
        return
    from nova.runs.report import render_run_report

    click.echo(render_run_report(record))


def _list_every_engine(last: int, output: str) -> None:
    from nova.runs.index import RunIndex

    summaries = RunIndex().list_runs(last)
    if output == "json":
        print_json([s.to_dict() for s in summaries])
        return
    from rich.table import Table

    from nova.cli.tables import print_table

    table = Table(title="Runs of every engine")
    for column in ("id", "engine", "started", "status", "inventory", "phases"):
        table.add_column(column)
    for s in summaries:
        phases = ", ".join(f"{p.name} {p.status}" for p in s.phases)
        table.add_row(s.id, s.engine, s.started_at, s.status, s.inventory, phases)
    print_table(console(), table, keep=("id", "started", "inventory"))
