"""The inventory as the VPN roles see it: groups in inventory order, and host variables.

Group order matters: the WireGuard role allocates tunnel addresses in it, so
`ansible-inventory --list` is read here without sorting.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from typing import Any

from nova.ansible.inventory import Inventory
from nova.ansible.runner import ansible_env
from nova.core.errors import InputError


@dataclass(frozen=True)
class InventoryView:
    inventory: Inventory
    groups: dict[str, list[str]]  # every group, with the hosts of its children, in order
    hostvars: dict[str, dict[str, Any]]

    def setting(self, members: list[str], name: str, default: Any) -> Any:
        """A role variable as the inventory sets it for the group (first member that sets it)."""
        for host in members:
            if name in self.hostvars.get(host, {}):
                return self.hostvars[host][name]
        return default


def load(inventory: Inventory) -> InventoryView:
    cmd = ["ansible-inventory", "--list"]
    for source in inventory.sources:
        cmd += ["-i", str(source)]
    env = {**os.environ, **ansible_env(), "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
        reason = lines[-1] if lines else "ansible-inventory failed"
        raise InputError(inventory.display, None, reason)
    return from_listing(inventory, json.loads(proc.stdout))


def from_listing(inventory: Inventory, listing: dict[str, Any]) -> InventoryView:
    """Flatten `ansible-inventory --list` output: each group lists its children's hosts too."""
    hostvars: dict[str, dict[str, Any]] = listing.get("_meta", {}).get("hostvars", {})

    def hosts_of(group: str, seen: frozenset[str]) -> list[str]:
        body = listing.get(group) or {}
        hosts = list(body.get("hosts", []))
        for child in body.get("children", []):
            if child not in seen:
                hosts += [h for h in hosts_of(child, seen | {child}) if h not in hosts]
        return hosts

    groups = {
        name: hosts_of(name, frozenset({name}))
        for name, body in listing.items()
        if name != "_meta" and isinstance(body, dict)
    }
    return InventoryView(inventory=inventory, groups=groups, hostvars=hostvars)
