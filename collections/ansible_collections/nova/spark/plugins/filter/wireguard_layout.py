"""Tunnel addresses and peer lists for a WireGuard group, from the inventory alone.

The layout depends only on the group's members (in inventory order), their
per-host overrides and the role's settings, so every host of a run, every
run, and `nova network` (which loads this file) compute the same one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # loaded outside Ansible, by `nova network`

    class AnsibleFilterError(Exception):  # type: ignore[no-redef]
        pass


TOPOLOGIES = ("mesh", "hub")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _host_var(hostvars: Mapping[str, Any], host: str, name: str) -> Any:
    try:
        return hostvars[host].get(name)
    except (KeyError, AttributeError):
        return None


def _pinned(
    members: Sequence[str], hostvars: Mapping[str, Any], network: ipaddress._BaseNetwork
) -> dict[str, Address]:
    pinned: dict[str, Address] = {}
    for host in members:
        value = str(_host_var(hostvars, host, "wireguard_address") or "").strip()
        if not value:
            continue
        try:
            address = ipaddress.ip_address(value.split("/")[0])
        except ValueError:
            raise AnsibleFilterError(
                f"{host}: wireguard_address: {value!r} is not an IP address"
            ) from None
        if address not in network or address in (network.network_address, network.broadcast_address):
            raise AnsibleFilterError(
                f"{host}: wireguard_address: {value} is not a host address of {network}"
            )
        for other, taken in pinned.items():
            if taken == address:
                raise AnsibleFilterError(
                    f"{host}: wireguard_address: {value} is already pinned by {other}"
                )
        pinned[host] = address
    return pinned


def _addresses(
    members: Sequence[str], hostvars: Mapping[str, Any], network: ipaddress._BaseNetwork
) -> dict[str, Address]:
    """Pinned hosts keep their address; the others take the free ones in inventory order.

    Appending a host to the group never moves an existing host's address.
    """
    pinned = _pinned(members, hostvars, network)
    taken = set(pinned.values())
    free: Iterator[Address] = (a for a in network.hosts() if a not in taken)
    addresses: dict[str, Address] = {}
    for host in members:
        if host in pinned:
            addresses[host] = pinned[host]
            continue
        try:
            addresses[host] = next(free)
        except StopIteration:
            raise AnsibleFilterError(
                f"wireguard_network: {network} has no free address left for {host}"
            ) from None
    return addresses


def _peers_of(host: str, members: Sequence[str], topology: str, hubs: Sequence[str]) -> list[str]:
    if topology == "mesh" or host in hubs:
        return [m for m in members if m != host]
    return [h for h in hubs if h != host]


def wireguard_layout(
    members: Sequence[str],
    hostvars: Mapping[str, Any],
    network: str,
    topology: str = "mesh",
    hubs: Sequence[str] | None = None,
    default_port: int = 51820,
) -> dict[str, dict[str, Any]]:
    """Per member: tunnel address, prefix, listen port, endpoint override and peers."""
    members = [str(m) for m in members]
    hubs = [str(h) for h in (hubs or [])]
    if topology not in TOPOLOGIES:
        raise AnsibleFilterError(f"wireguard_topology: {topology!r} is not one of mesh, hub")
    if topology == "hub":
        if not hubs:
            raise AnsibleFilterError("wireguard_hubs: the hub topology needs at least one hub")
        strangers = [h for h in hubs if h not in members]
        if strangers:
            raise AnsibleFilterError(
                f"wireguard_hubs: {', '.join(strangers)} not in the WireGuard group"
            )
    try:
        net = ipaddress.ip_network(str(network), strict=True)
    except ValueError as exc:
        raise AnsibleFilterError(f"wireguard_network: {network!r}: {exc}") from None
    addresses = _addresses(members, hostvars, net)
    single = net.max_prefixlen
    layout: dict[str, dict[str, Any]] = {}
    for host in members:
        peers: dict[str, dict[str, Any]] = {}
        for peer in _peers_of(host, members, topology, hubs):
            # A spoke sends the whole tunnel network to its first hub, which forwards it.
            routes_all = topology == "hub" and host not in hubs and peer == hubs[0]
            allowed = [str(net)] if routes_all else [f"{addresses[peer]}/{single}"]
            peers[peer] = {"allowed_ips": allowed}
        port = _host_var(hostvars, host, "wireguard_listen_port") or default_port
        layout[host] = {
            "address": str(addresses[host]),
            "prefix": net.prefixlen,
            "listen_port": int(port),
            "endpoint": str(_host_var(hostvars, host, "wireguard_endpoint") or ""),
            "hub": host in hubs,
            "peers": peers,
        }
    return layout


def wireguard_pairs(layout: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
    """Each pair of peers once, (lower name, higher name): one preshared key each."""
    pairs = {tuple(sorted((host, peer))) for host, body in layout.items() for peer in body["peers"]}
    return [list(pair) for pair in sorted(pairs)]


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"wireguard_layout": wireguard_layout, "wireguard_pairs": wireguard_pairs}
