from __future__ import annotations

from pathlib import Path

import click

from nova.cli.output import OUTPUT_OPTION, console, print_json


@click.command()
@click.option("--file", "plan_file", type=click.Path(path_type=Path), help="plan YAML to read")
@OUTPUT_OPTION
def plan(plan_file: Path | None, output: str) -> None:
    """Show the phase plan in the order `nova provision` runs it."""
    from nova.provisioning.plan import load_plan

    loaded = load_plan(plan_file)
    if output == "json":
        print_json(
            [
                {
                    "order": i,
                    "phase": p.name,
                    "agents": list(p.agents),
                    "playbook": str(p.playbook),
                    "depends_on": list(p.depends_on),
                    "description": p.description,
                }
                for i, p in enumerate(loaded.phases, start=1)
            ]
        )
        return
    from rich.table import Table

    table = Table(title=f"Phase plan ({loaded.source})")
    for column in ("#", "phase", "agents", "depends on", "playbook"):
        table.add_column(column)
    for i, p in enumerate(loaded.phases, start=1):
        table.add_row(
            str(i), p.name, ", ".join(p.agents), ", ".join(p.depends_on) or "-", p.playbook.name
        )
    console().print(table)
