"""Shared output helpers for commands: JSON for scripts, rich for people."""

from __future__ import annotations

import json
from typing import Any

import click

OUTPUT_OPTION = click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts",
)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def console() -> Any:
    from rich.console import Console

    return Console()
