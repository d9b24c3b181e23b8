"""Options several commands share, declared once so they read and behave the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

INVENTORY_HELP = "inventory: a name (inventories/NAME or NOVA_HOME/inventories/NAME) or a path"
HOST_LIMIT_HELP = "host pattern, as ansible-playbook --limit"


def inventory_option(
    *, required: bool = False, default: str | None = None, purpose: str = ""
) -> Callable[[F], F]:
    """`--inventory/-i`; `purpose` says what the command does with it, after the common text."""
    help_text = f"{INVENTORY_HELP}; {purpose}" if purpose else INVENTORY_HELP
    return click.option(
        "--inventory",
        "-i",
        required=required,
        default=default,
        show_default=default is not None,
        help=help_text,
    )


def host_limit_option(func: F) -> F:
    """`--limit/-l`: the hosts of the inventory to act on."""
    return click.option("--limit", "-l", help=HOST_LIMIT_HELP)(func)


def export_option(help_text: str, dest: str = "export_path") -> Callable[[F], F]:
    """`--export FILE`; the command writes it with nova.core.exportfile.write_export.

    The path is not checked here: the writer makes missing folders and refuses
    what it cannot write in one line, the same for every command.
    """
    return click.option(
        "--export", dest, type=click.Path(path_type=Path), default=None, metavar="FILE",
        help=help_text,
    )  # fmt: skip
