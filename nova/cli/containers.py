from __future__ import annotations

from pathlib import Path

import click

from nova.cli.options import export_option
from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.core.errors import EXIT_FAILED, EXIT_OK


@click.command()
@click.option(
    "--require",
    "required",
    multiple=True,
    default=("docker",),
    show_default=True,
    help="tools that must be present (repeatable)",
)
@export_option("also write the report to FILE (Markdown)", "export")
@OUTPUT_OPTION
def containers(required: tuple[str, ...], export: Path | None, output: str) -> int:
    """Report docker, podman, kubectl, k3s, helm and the kubeconfig."""
    from nova.controller.containers import TOOLS, inspect, to_markdown

    unknown = [r for r in required if r not in TOOLS]
    if unknown:
        raise click.BadParameter(f"unknown tool {unknown[0]!r}", param_hint="--require")
    report = inspect(required)
    if export is not None:
        from nova.core.exportfile import write_export

        write_export(export, to_markdown(report))
    if output == "json":
        print_json(report.to_dict())
    else:
        from nova.cli.tables import print_markdown

        print_markdown(console(), to_markdown(report))
    return EXIT_FAILED if report.missing_required else EXIT_OK
