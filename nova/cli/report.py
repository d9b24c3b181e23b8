"""`nova report`: Markdown summaries built from real results."""

from __future__ import annotations

from pathlib import Path

import click

from nova.cli.options import export_option
from nova.cli.output import OUTPUT_OPTION, print_json
from nova.core.errors import EXIT_FAILED, EXIT_OK

_IN_FILE = click.Path(dir_okay=False, exists=True, path_type=Path)


@click.group()
def report() -> None:
    """Markdown summaries built from real results."""


@report.command()
@click.option("--junit", "junit_paths", type=_IN_FILE, required=True, multiple=True,
              help="JUnit XML, e.g. from pytest --junitxml; repeat it for several "
                   "files (one per test tier).")  # fmt: skip
@click.option("--molecule", "molecule_dir", default=None,
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Folder of captured `molecule test` output, one run per file.")  # fmt: skip
@export_option("Also write the Markdown summary to FILE.")
@OUTPUT_OPTION
def tests(
    junit_paths: tuple[Path, ...],
    molecule_dir: Path | None,
    export_path: Path | None,
    output: str,
) -> int:
    """A QA summary of test results; exits 1 when anything failed or nothing ran."""
    from nova.qa.junit import read_junit_files
    from nova.qa.molecule import read_molecule_dir
    from nova.qa.report import QaSummary, render_qa, write_qa

    summary = QaSummary(
        read_junit_files(junit_paths), read_molecule_dir(molecule_dir) if molecule_dir else []
    )
    if export_path is not None:
        write_qa(summary, export_path)
    if output == "json":
        print_json(summary.to_dict())
    else:
        click.echo(render_qa(summary), nl=False)
    return EXIT_OK if summary.ok else EXIT_FAILED
