from __future__ import annotations

from typing import TYPE_CHECKING

import click

from nova.cli.output import OUTPUT_OPTION, console, print_json

if TYPE_CHECKING:
    from nova.sandbox.nodes import Node


@click.group()
def sandbox() -> None:
    """Throwaway local hosts (systemd containers), the inventory `sandbox`."""


@sandbox.command()
@click.option("--force", is_flag=True, help="rebuild even when the image exists")
def image(force: bool) -> None:
    """Build the sandbox image (debootstrap + docker import) when missing."""
    from nova.sandbox.image import IMAGE, build_image

    built = build_image(force=force)
    click.echo(f"{IMAGE}: {'built' if built else 'already present'}")


@sandbox.command()
@click.option("--nodes", "-n", default=2, show_default=True, help="how many nodes")
@OUTPUT_OPTION
def up(nodes: int, output: str) -> None:
    """Start N nodes and write the `sandbox` inventory."""
    from nova.sandbox import nodes as sandbox_nodes

    running = sandbox_nodes.up(nodes)
    _show(running, output, f"inventory: {sandbox_nodes.inventory_file()}")


@sandbox.command()
@OUTPUT_OPTION
def status(output: str) -> None:
    """List the sandbox nodes and how to reach them."""
    from nova.sandbox import nodes as sandbox_nodes

    _show(sandbox_nodes.status(), output, None)


@sandbox.command()
def down() -> None:
    """Remove every sandbox node, the network and the inventory."""
    from nova.sandbox import nodes as sandbox_nodes

    removed = sandbox_nodes.down()
    click.echo(f"removed {len(removed)} node(s)" + (f": {', '.join(removed)}" if removed else ""))


def _show(nodes: list[Node], output: str, footer: str | None) -> None:
    from nova.sandbox.nodes import as_dicts

    if output == "json":
        print_json(as_dicts(nodes))
        return
    from rich.table import Table

    from nova.cli.tables import print_table

    table = Table(title="Sandbox nodes")
    for column in ("host", "container", "state", "ssh", "address"):
        table.add_column(column)
    for n in nodes:
        ssh = f"127.0.0.1:{n.ssh_port}" if n.ssh_port else "-"
        table.add_row(n.name, n.container, n.state, ssh, n.address or "-")
    out = console()
    if nodes:
        print_table(out, table, keep=("host", "container", "ssh", "address"))
    else:
        out.print("no sandbox nodes")
    if footer:
        out.print(footer)
