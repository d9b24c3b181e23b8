"""The rollout plan of a VPN role for an inventory; it changes nothing.

Settings are the role's defaults/main.yml overlaid with what the inventory
sets, and WireGuard addresses and peers come from the role's own filter
plugin, so the plan shows what the role will do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from nova.ansible import inventory as inventories
from nova.core.errors import InputError
from nova.network import members, roles

RUN_TIME = "found on the host at run time"


@dataclass(frozen=True)
class PlanHost:
    name: str
    role: str  # member, hub, spoke, server, client, revoked
    address: str
    endpoint: str
    peers: list[str]
    firewall: list[str]


@dataclass(frozen=True)
class Plan:
    vpn: str
    inventory: str
    group: str
    settings: dict[str, Any]
    hosts: list[PlanHost]
    steps: list[str]
    apply: str  # empty when there is nothing to apply yet
    notice: str = field(default="This is a plan: nothing has been changed on any host.")
    notes: list[str] = field(default_factory=list)  # what a reader must know first

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build(vpn: str, inventory_name: str) -> Plan:
    roles.check_vpn(vpn)
    inventory = inventories.resolve(inventory_name)
    view = members.load(inventory)
    defaults = roles.defaults(vpn)
    group_var = f"{vpn}_group"
    group = str(view.setting(sorted(view.hostvars), group_var, defaults[group_var]))
    hosts = view.groups.get(group) or []
    if not hosts:
        return _no_members(vpn, view, group, group_var, defaults)
    settings = {name: view.setting(hosts, name, value) for name, value in defaults.items()}
    builder = _wireguard if vpn == "wireguard" else _openvpn
    plan_hosts, steps = builder(view, hosts, settings)
    apply = f"nova provision --inventory {inventory_name} --phase foundation -e nova_vpn={vpn}"
    notes = []
    if len(hosts) == 1:
        notes.append(
            f"Group `{group}` has one member, {hosts[0]}: it gets its tunnel address but has "
            "no peers until a second host joins the group."
        )
    return Plan(vpn, inventory.name, group, settings, plan_hosts, steps, apply, notes=notes)


def _no_members(
    vpn: str, view: members.InventoryView, group: str, group_var: str, defaults: dict[str, Any]
) -> Plan:
    """The plan of an inventory without the VPN's group: who could join, and how."""
    every = view.groups.get("all") or sorted(view.hostvars)
    shown = ", ".join(every[:10]) + (f" and {len(every) - 10} more" if len(every) > 10 else "")
    where = view.inventory.display
    notes = [
        f"Inventory `{view.inventory.name}` has no group `{group}` with hosts, so the VPN has no "
        f"members and there is nothing to apply. Its hosts: {shown or 'none'}."
    ]
    steps = [
        f"Add the hosts that should join the VPN, two or more, to an inventory group `{group}` "
        f"in {where} (or name another group with {group_var}).",
        f"Run `nova network --vpn {vpn} --inventory {view.inventory.name}` again: the plan "
        "then shows each member's tunnel address, endpoint, peers and firewall openings.",
    ]
    return Plan(vpn, view.inventory.name, group, defaults, [], steps, "", notes=notes)


def _wireguard(
    view: members.InventoryView, hosts: list[str], settings: dict[str, Any]
) -> tuple[list[PlanHost], list[str]]:
    layout_of = roles.filter_module("wireguard", "wireguard_layout")
    try:
        layout: dict[str, dict[str, Any]] = layout_of.wireguard_layout(
            hosts,
            view.hostvars,
            settings["wireguard_network"],
            settings["wireguard_topology"],
            settings["wireguard_hubs"],
            settings["wireguard_listen_port"],
        )
    except Exception as exc:  # the role's own refusal, worded for the inventory
        raise InputError(view.inventory.display, None, str(exc)) from None
    interface = settings["wireguard_interface"]
    plan_hosts = []
    for name in hosts:
        node = layout[name]
        role = "member"
        if settings["wireguard_topology"] == "hub":
            role = "hub" if node["hub"] else "spoke"
        firewall = (
            [f"udp/{node['listen_port']}", f"trust {interface}"]
            if settings["wireguard_firewall"]
            else []
        )
        plan_hosts.append(
            PlanHost(
                name=name,
                role=role,
                address=f"{node['address']}/{node['prefix']}",
                endpoint=f"{node['endpoint'] or RUN_TIME}:{node['listen_port']}",
                peers=sorted(node["peers"]),
                firewall=firewall,
            )
        )
    pairs = len(layout_of.wireguard_pairs(layout))
    userspace = {
        "auto": "wireguard-go where the kernel has no WireGuard module",
        "always": "wireguard-go on every member",
        "never": "the kernel module only",
    }[settings["wireguard_userspace"]]
    steps = [
        f"Install wireguard-tools on the {len(hosts)} members, with {userspace}.",
        "Generate each member's private key on the member (mode 0600, never read back).",
        "Read every member's public key and endpoint from the member itself, "
        "including members outside a --limit.",
    ]
    if settings["wireguard_preshared_keys"]:
        steps.append(f"Generate {pairs} preshared keys, one per pair of peers (mode 0600).")
    steps += [
        f"Write /etc/wireguard/{interface}.conf and start wg-quick@{interface}; "
        "running interfaces take changes with `wg syncconf`, without teardown.",
        "Add the members of the play to the members outside it.",
    ]
    if settings["wireguard_firewall"]:
        steps.append(
            "Publish the listen port and the tunnel interface to the firewall role "
            "(firewall_allowed_udp_ports__wireguard, firewall_trusted_interfaces__wireguard)."
        )
    return plan_hosts, steps


def _openvpn(
    view: members.InventoryView, hosts: list[str], settings: dict[str, Any]
) -> tuple[list[PlanHost], list[str]]:
    server = settings["openvpn_server"] or hosts[0]
    ca = settings["openvpn_ca_host"] or server
    for field_name, value in (("openvpn_server", server), ("openvpn_ca_host", ca)):
        if value not in hosts:
            reason = f"{value!r} is not in the VPN group"
            raise InputError(view.inventory.display, field_name, reason)
    network_of = roles.filter_module("openvpn", "openvpn_network")
    try:
        server_address = network_of.openvpn_server_address(settings["openvpn_network"])
        network_of.openvpn_network_netmask(settings["openvpn_network"])
    except Exception as exc:
        raise InputError(view.inventory.display, "openvpn_network", str(exc)) from None
    revoked = set(settings["openvpn_revoked"])
    port, proto = settings["openvpn_port"], settings["openvpn_proto"]
    remote = settings["openvpn_remote"] or RUN_TIME
    trust = [f"trust {settings['openvpn_device']}"] if settings["openvpn_firewall"] else []
    plan_hosts = []
    for name in hosts:
        if name == server:
            plan_hosts.append(
                PlanHost(
                    name=name,
                    role="server" + (" + CA" if ca == server else ""),
                    address=f"{server_address}/{settings['openvpn_network'].split('/')[1]}",
                    endpoint=f"{remote}:{port}/{proto}",
                    peers=[h for h in hosts if h != server and h not in revoked],
                    firewall=[f"{proto}/{port}", *trust] if trust else [],
                )
            )
            continue
        plan_hosts.append(
            PlanHost(
                name=name,
                role=("revoked" if name in revoked else "client") + (" + CA" if name == ca else ""),
                address="leased by the server",
                endpoint="-",
                peers=[] if name in revoked else [server],
                firewall=trust,
            )
        )
    steps = [
        f"Install openvpn and python3-cryptography on the {len(hosts)} members.",
        f"Keep the CA on {ca}: its key (0600) never leaves it.",
        "Revoke the certificates of "
        + (", ".join(sorted(revoked)) or "no client")
        + " and issue the CRL.",
        "Generate each member's key on the member; only its certificate request goes to the CA.",
        f"Start the server on {server} ({proto}/{port}, network {settings['openvpn_network']}), "
        "refusing certificates in the CRL.",
        "Write each client's bundle under /etc/openvpn/client (mode 0600) and start it.",
    ]
    return plan_hosts, steps
