from __future__ import annotations

import click

from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.errors import EXIT_FAILED, EXIT_OK

STYLE = {"ok": "green", "warn": "yellow", "fail": "red", "info": "cyan"}


@click.command()
@click.option("--inventory", "-i", help="also check that this inventory's hosts answer")
@OUTPUT_OPTION
def setup(inventory: str | None, output: str) -> int:
    """Check the control node and create NOVA_HOME. Exit 1 when a check fails."""
    from nova.preflight import run_preflight

    checks = run_preflight(inventory)
    failed = any(c.status == "fail" for c in checks)
    if output == "json":
        print_json({"ok": not failed, "checks": [c.to_dict() for c in checks]})
    else:
        from rich.table import Table

        table = Table(title="Preflight")
        for column in ("check", "status", "detail"):
            table.add_column(column)
        for c in checks:
            table.add_row(c.name, f"[{STYLE[c.status]}]{c.status}[/]", c.detail)
        console().print(table)
    return EXIT_FAILED if failed else EXIT_OK
