"""`nova compliance`: ISO/IEC 27001 Annex A evidence for an inventory."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nova.cli.options import export_option, inventory_option, require_inventory


@click.group()
def compliance() -> None:
    """ISO/IEC 27001:2022 controls and the evidence runs produce."""


@compliance.command("report")
@inventory_option(purpose="as recorded in its runs", defaults_to="chosen")
@click.option("--host", "hosts", multiple=True, help="Hosts to report on (default: last run's).")
@click.option(
    "--max-age",
    default="7d",
    show_default=True,
    metavar="AGE",
    help="Host evidence older than this (e.g. 24h, 7d, 2w) is stale, never a pass.",
)
@export_option("also write the report to FILE (JSON)", "export_file")
@click.option("--output", type=click.Choice(["text", "json"]), default="text")
def report(
    inventory: str | None,
    hosts: tuple[str, ...],
    max_age: str,
    export_file: Path | None,
    output: str,
) -> int:
    """Per control and host: pass, fail, stale or no evidence, with the audit seq of each.

    Host evidence counts when it is younger than --max-age and its data in
    the state store still hashes to the sha256 in its audit entry (otherwise
    it fails as tampered). The verdict is a pass only when every control
    passes, and the command exits 0 only then: 1 when a control fails or
    lacks fresh evidence.
    """
    from nova.audit.log import AuditLog
    from nova.compliance.evidence import Freshness
    from nova.compliance.report import inventory_report
    from nova.core.paths import state_db

    freshness = Freshness.of(max_age)
    inventory = require_inventory(inventory)
    report = inventory_report(inventory, list(hosts), AuditLog(), state_db(), freshness)
    results = report.controls
    document = report.to_dict()
    if export_file is not None:
        from nova.core.exportfile import write_export

        write_export(export_file, json.dumps(document, indent=2) + "\n")
    if output == "json":
        click.echo(json.dumps(document, indent=2))
    else:
        for result in results:
            click.echo(f"{result.number:5} {result.status:15} {result.title}")
            for f in result.findings:
                evidence = f" [{f.evidence[:12]}]" if f.evidence else ""
                click.echo(f"        {f.check:18} {f.host:12} {f.status:15} {f.detail}{evidence}")
        counts = ", ".join(f"{n} {status}" for status, n in report.counts().items())
        click.echo(
            f"verdict: {report.verdict} ({counts}; {len(results)} controls;"
            f" host evidence younger than {report.max_age})"
        )
    return 0 if report.verdict == "pass" else 1
