"""The `server` directive's network and netmask, from a CIDR, with the standard library."""

from __future__ import annotations

import ipaddress
from typing import Any

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # loaded outside Ansible

    class AnsibleFilterError(Exception):  # type: ignore[no-redef]
        pass


def openvpn_network_netmask(cidr: str) -> str:
    try:
        network = ipaddress.IPv4Network(str(cidr), strict=True)
    except ValueError as exc:
        raise AnsibleFilterError(f"openvpn_network: {cidr!r}: {exc}") from None
    return f"{network.network_address} {network.netmask}"


def openvpn_server_address(cidr: str) -> str:
    """The server's own tunnel address: the network's first host address."""
    return str(next(ipaddress.IPv4Network(str(cidr), strict=True).hosts()))


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "openvpn_network_netmask": openvpn_network_netmask,
            "openvpn_server_address": openvpn_server_address,
        }
