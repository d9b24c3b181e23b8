"""Live VPN state of an inventory's hosts, read through the runner.

The status playbook masks keys on each host and hands back the WireGuard
dump and the OpenVPN status file with `set_stats`; peers are named after the
inventory host whose interface carries their public key.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from nova.ansible import inventory as inventories
from nova.ansible.runner import run_playbook
from nova.core.errors import NovaError
from nova.core.paths import ensure_home, project_root
from nova.network import parse

PLAYBOOK = Path("playbooks") / "network-status.yml"


@dataclass(frozen=True)
class HostState:
    host: str
    reachable: bool
    interfaces: list[parse.Interface] = field(default_factory=list)
    peers: list[parse.Peer] = field(default_factory=list)
    openvpn_updated: int = 0
    openvpn_clients: list[parse.Client] = field(default_factory=list)


@dataclass(frozen=True)
class NetworkStatus:
    inventory: str
    group: str
    read_at: int
    hosts: list[HostState]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read(inventory_name: str, group: str = "vpn", limit: str | None = None) -> NetworkStatus:
    inventory = inventories.resolve(inventory_name)
    work = Path(tempfile.mkdtemp(prefix="network-status-", dir=ensure_home()))
    try:
        result = run_playbook(
            project_root() / PLAYBOOK,
            list(inventory.sources),
            work,
            limit=limit,
            extravars={"nova_network_group": group},
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not result.stats:
        reason = result.failures[0].message if result.failures else f"status {result.status}"
        raise NovaError(f"{inventory.display}: group {group}: no host answered ({reason})")
    reported: dict[str, Any] = result.data.get("nova_network") or {}
    return assemble(inventory.name, group, reported, sorted(result.stats))


def assemble(
    inventory: str, group: str, reported: dict[str, Any], hosts: list[str]
) -> NetworkStatus:
    """Host states from what each host reported; hosts that reported nothing were unreachable."""
    states: list[HostState] = []
    for host in hosts:
        body = reported.get(host)
        if not isinstance(body, dict):
            states.append(HostState(host=host, reachable=False))
            continue
        interfaces, peers = parse.wireguard_dump(str(body.get("wireguard_dump") or ""))
        updated, clients = parse.openvpn_status(str(body.get("openvpn_status") or ""))
        states.append(HostState(host, True, interfaces, peers, updated, clients))
    names = {i.public_key: s.host for s in states for i in s.interfaces}
    named = [
        replace(s, peers=[replace(p, name=names.get(p.public_key, "")) for p in s.peers])
        for s in states
    ]
    return NetworkStatus(inventory=inventory, group=group, read_at=int(time.time()), hosts=named)
