from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nova.cli.options import (
    export_option,
    host_limit_option,
    inventory_option,
    plan_inventory,
    require_inventory,
)
from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.core.errors import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from nova.network.plan import Plan
    from nova.network.status import NetworkStatus


@click.group(invoke_without_command=True)
@click.option("--vpn", help="wireguard or openvpn")
@inventory_option(purpose="the VPN plan covers its hosts", defaults_to="plan")
@export_option("also write the plan to FILE (.json for JSON, Markdown otherwise)")
@OUTPUT_OPTION
@click.pass_context
def network(
    ctx: click.Context,
    vpn: str | None,
    inventory: str | None,
    export_path: Path | None,
    output: str,
) -> int:
    """Plan the VPN for an inventory (a plan only: nothing is changed), or read its state."""
    if ctx.invoked_subcommand is not None:
        return EXIT_OK
    if vpn is None:
        raise click.UsageError(
            "--vpn wireguard or --vpn openvpn is required (or: nova network status)"
        )
    from nova.network import export, plan

    result = plan.build(vpn, plan_inventory(inventory))
    if export_path is not None:
        export.write(result, export_path)
    if output == "json":
        print_json(result.to_dict())
    else:
        _print_plan(result, export_path)
    return EXIT_OK


def _print_plan(plan: Plan, export_path: Path | None) -> None:
    from rich.table import Table

    from nova.cli.tables import print_table

    out = console()
    out.print(f"[bold]{plan.vpn} plan[/] for inventory {plan.inventory}, group {plan.group}")
    out.print(f"[yellow]{plan.notice}[/]")
    for note in plan.notes:
        out.print(note, highlight=False)
    table = Table("host", "role", "tunnel address", "endpoint", "peers", "firewall")
    for host in plan.hosts:
        table.add_row(
            host.name,
            host.role,
            host.address,
            host.endpoint,
            ", ".join(host.peers) or "-",
            ", ".join(host.firewall) or "-",
        )
    if plan.hosts:
        print_table(out, table, keep=("host", "tunnel address", "endpoint"))
    for number, step in enumerate(plan.steps, start=1):
        out.print(f"{number}. {step}", highlight=False)
    out.print(f"apply with: {plan.apply}" if plan.apply else "nothing to apply yet")
    if export_path is not None:
        out.print(f"plan written to {export_path}")


@network.command()
@inventory_option(defaults_to="chosen")
@click.option("--group", default="vpn", show_default=True, help="inventory group of the VPN")
@host_limit_option
@OUTPUT_OPTION
def status(inventory: str | None, group: str, limit: str | None, output: str) -> int:
    """Live VPN state read from the hosts: peers, last handshake, transfer."""
    from nova.network.status import read

    state = read(require_inventory(inventory), group, limit)
    if output == "json":
        print_json(state.to_dict())
    else:
        _print_status(state)
    return EXIT_OK if all(h.reachable for h in state.hosts) else EXIT_FAILED


def _ago(now: int, then: int) -> str:
    return "never" if then <= 0 else f"{max(now - then, 0)}s ago"


def _print_status(state: NetworkStatus) -> None:
    from rich.table import Table

    from nova.cli.tables import print_table

    out = console()
    stamp = datetime.fromtimestamp(state.read_at, UTC).isoformat(timespec="seconds")
    out.print(f"[bold]VPN state[/] of inventory {state.inventory}, group {state.group}, {stamp}")
    rows: list[tuple[Any, ...]] = []
    for host in state.hosts:
        if not host.reachable:
            rows.append((host.host, "[red]unreachable[/]", "", "", "", ""))
            continue
        for peer in host.peers:
            rows.append(
                (
                    host.host,
                    f"{peer.interface} → {peer.name or peer.public_key[:12] + '…'}",
                    peer.endpoint or "-",
                    _ago(state.read_at, peer.latest_handshake),
                    str(peer.rx_bytes),
                    str(peer.tx_bytes),
                )
            )
        for client in host.openvpn_clients:
            rows.append(
                (
                    host.host,
                    f"openvpn ← {client.common_name} ({client.virtual_address})",
                    client.real_address,
                    f"connected {_ago(state.read_at, client.connected_since)}",
                    str(client.rx_bytes),
                    str(client.tx_bytes),
                )
            )
        if not host.peers and not host.openvpn_clients:
            rows.append((host.host, "no VPN peers", "", "", "", ""))
    table = Table("host", "peer", "endpoint", "last handshake", "received", "sent")
    for row in rows:
        table.add_row(*row)
    print_table(out, table, keep=("host", "endpoint"))
