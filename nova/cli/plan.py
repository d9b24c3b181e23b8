from __future__ import annotations

from pathlib import Path

import click

from nova.cli.options import ManyValuesCommand, phases_option
from nova.cli.output import OUTPUT_OPTION, console, print_json


@click.command(cls=ManyValuesCommand)
@click.option("--file", "plan_file", type=click.Path(path_type=Path), help="plan YAML to read")
@phases_option("only these phases (several after one --phase, or repeated)")
@OUTPUT_OPTION
def plan(plan_file: Path | None, phases: tuple[str, ...], output: str) -> None:
    """Show the phase plan in the order `nova provision` runs it."""
    from nova.provisioning.plan import load_plan

    loaded = load_plan(plan_file)
    order = {p.name: i for i, p in enumerate(loaded.phases, start=1)}
    selected = loaded.select(phases)
    if output == "json":
        print_json(
            [
                {
                    "order": order[p.name],
                    "phase": p.name,
                    "agents": list(p.agents),
                    "playbook": str(p.playbook),
                    "depends_on": list(p.depends_on),
                    "description": p.description,
                }
                for p in selected
            ]
        )
        return
    from rich.table import Table

    from nova.cli.tables import print_table

    table = Table(title=f"Phase plan ({loaded.source})")
    for column in ("#", "phase", "agents", "depends on", "playbook"):
        table.add_column(column)
    for p in selected:
        table.add_row(
            str(order[p.name]),
            p.name,
            ", ".join(p.agents),
            ", ".join(p.depends_on) or "-",
            p.playbook.name,
        )
    print_table(console(), table, keep=("#", "phase", "playbook"))
