"""`nova doctor`: checks of this control host that end in findings, not in changes."""

from __future__ import annotations

import click

from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.core.errors import EXIT_FAILED, EXIT_OK


@click.group()
def doctor() -> None:
    """Check this control host; nothing is changed."""


@doctor.command("security")
@OUTPUT_OPTION
def security(output: str) -> int:
    """Secret files readable by others, unsafe queue tokens, a broken audit chain, and
    services started with --insecure in the last 30 days. Exit 1 on any finding."""
    from nova.doctor.security import FINDING, security_checks

    results = security_checks()
    findings = [r for r in results if r.status == FINDING]
    if output == "json":
        print_json({"findings": len(findings), "checks": [r.to_dict() for r in results]})
    else:
        from rich.table import Table

        from nova.cli.tables import print_table

        style = {"ok": "green", "finding": "red", "absent": "dim"}
        table = Table(title="Control host security")
        for column in ("check", "target", "status", "detail"):
            table.add_column(column)
        for r in results:
            table.add_row(r.check, r.target, f"[{style[r.status]}]{r.status}[/]", r.detail)
        out = console()
        print_table(out, table, keep=("target",))
        out.print(f"{len(findings)} finding(s)" if findings else "no findings")
    return EXIT_FAILED if findings else EXIT_OK
