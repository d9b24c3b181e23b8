"""Live monitoring state of an inventory: Prometheus' targets and its alerts.

`playbooks/monitor-status.yml` reads each monitoring host's Prometheus API on
loopback (it is never exposed) and hands the answers back with `set_stats`.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nova.ansible import inventory as inventories
from nova.ansible.runner import run_playbook
from nova.core.errors import NovaError
from nova.core.paths import ensure_home, project_root

PLAYBOOK = Path("playbooks") / "monitor-status.yml"


@dataclass(frozen=True)
class Target:
    job: str
    instance: str
    health: str  # up, down, unknown
    url: str
    last_error: str


@dataclass(frozen=True)
class Alert:
    name: str
    instance: str
    state: str  # pending, firing
    severity: str
    active_at: str
    summary: str


@dataclass(frozen=True)
class ServerState:
    host: str
    reachable: bool
    targets: list[Target] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


@dataclass(frozen=True)
class MonitorStatus:
    inventory: str
    group: str
    read_at: int
    servers: list[ServerState]

    @property
    def down(self) -> list[Target]:
        return [t for s in self.servers for t in s.targets if t.health != "up"]

    @property
    def firing(self) -> list[Alert]:
        return [a for s in self.servers for a in s.alerts if a.state == "firing"]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = {
            "targets": sum(len(s.targets) for s in self.servers),
            "down": len(self.down),
            "firing": len(self.firing),
            "unreachable": [s.host for s in self.servers if not s.reachable],
        }
        return data


def read(inventory_name: str, group: str = "monitoring") -> MonitorStatus:
    inventory = inventories.resolve(inventory_name)
    work = Path(tempfile.mkdtemp(prefix="monitor-status-", dir=ensure_home()))
    try:
        result = run_playbook(
            project_root() / PLAYBOOK,
            list(inventory.sources),
            work,
            extravars={"nova_monitor_group": group},
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not result.stats:
        reason = result.failures[0].message if result.failures else f"status {result.status}"
        raise NovaError(f"{inventory.display}: group {group}: no host answered ({reason})")
    reported: dict[str, Any] = result.data.get("nova_monitor") or {}
    return assemble(inventory.name, group, reported, sorted(result.stats))


def assemble(
    inventory: str, group: str, reported: dict[str, Any], hosts: list[str]
) -> MonitorStatus:
    """Each server's targets and alerts; a host that reported nothing was unreachable."""
    servers = []
    for host in hosts:
        body = reported.get(host)
        if not isinstance(body, dict):
            servers.append(ServerState(host, reachable=False))
            continue
        servers.append(
            ServerState(host, True, targets_of(body.get("targets")), alerts_of(body.get("alerts")))
        )
    return MonitorStatus(inventory, group, int(time.time()), servers)


def _data(answer: Any, key: str) -> list[dict[str, Any]]:
    """The list under data.<key> of a Prometheus API answer, or nothing."""
    if not isinstance(answer, dict) or answer.get("status") != "success":
        return []
    data = answer.get("data")
    found = data.get(key) if isinstance(data, dict) else None
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def targets_of(answer: Any) -> list[Target]:
    targets = []
    for item in _data(answer, "activeTargets"):
        labels = _mapping(item.get("labels"))
        targets.append(
            Target(
                job=str(labels.get("job", "")),
                instance=str(labels.get("instance", "")),
                health=str(item.get("health", "unknown")),
                url=str(item.get("scrapeUrl", "")),
                last_error=str(item.get("lastError", "")),
            )
        )
    return sorted(targets, key=lambda t: (t.job, t.instance))


def alerts_of(answer: Any) -> list[Alert]:
    alerts = []
    for item in _data(answer, "alerts"):
        labels = _mapping(item.get("labels"))
        notes = _mapping(item.get("annotations"))
        alerts.append(
            Alert(
                name=str(labels.get("alertname", "")),
                instance=str(labels.get("instance", "")),
                state=str(item.get("state", "")),
                severity=str(labels.get("severity", "")),
                active_at=str(item.get("activeAt", "")),
                summary=str(notes.get("summary", "")),
            )
        )
    return sorted(alerts, key=lambda a: (a.state != "firing", a.name, a.instance))
