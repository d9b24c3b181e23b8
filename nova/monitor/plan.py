"""What the observability phase will scrape and alert on, for an inventory; it changes nothing.

Settings are the roles' defaults/main.yml overlaid with what the inventory
sets for the monitoring hosts, and the alerts are the prometheus role's own
rules template rendered with them, so the plan shows what the roles will do.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from nova.ansible import inventory as inventories
from nova.core.errors import NovaError
from nova.core.exportfile import write_export
from nova.core.paths import project_root

NOTICE = "This is a plan: nothing has been changed on any host."
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class ScrapeTarget:
    job: str
    instance: str
    address: str  # host:port, or how the address is found at run time


@dataclass(frozen=True)
class AlertRule:
    name: str
    severity: str
    expr: str
    hold: str  # the rule's `for`, "" when it fires at once


@dataclass(frozen=True)
class MonitorPlan:
    inventory: str
    group: str
    servers: list[str]
    settings: dict[str, Any]
    targets: list[ScrapeTarget]
    alerts: list[AlertRule]
    apply: str
    notice: str = NOTICE
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def role_defaults(role: str) -> dict[str, Any]:
    path = project_root() / "roles" / role / "defaults" / "main.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise NovaError(f"{path}: cannot read the role's defaults ({exc})") from None
    if not isinstance(data, dict):
        raise NovaError(f"{path}: the role's defaults are not a mapping")
    return data


def render_rules(settings: dict[str, Any]) -> list[AlertRule]:
    """The prometheus role's rules template, rendered with the plan's settings."""
    path = project_root() / "roles" / "prometheus" / "templates" / "nova.rules.yml.j2"
    template = jinja2.Template(path.read_text(encoding="utf-8"), undefined=jinja2.StrictUndefined)
    document = yaml.safe_load(template.render(ansible_managed="plan", **settings))
    return [
        AlertRule(
            name=str(rule["alert"]),
            severity=str((rule.get("labels") or {}).get("severity", "")),
            expr=" ".join(str(rule["expr"]).split()),
            hold=str(rule.get("for", "")),
        )
        for group in document.get("groups", [])
        for rule in group.get("rules", [])
    ]


def exporter_address(hostvars: dict[str, dict[str, Any]], host: str, port: int) -> str:
    own = hostvars.get(host, {})
    given = str(own.get("node_exporter_listen_address") or "")
    if given and "{{" not in given:
        return f"{given}:{port}"
    if given:
        return f"{given} (templated, resolved at run time):{port}"
    if str(own.get("nova_vpn", "none")) == "wireguard" or own.get("node_exporter_vpn_interface"):
        return f"VPN address of the host, found at run time:{port}"
    return f"{LOOPBACK}:{port} (no VPN, no address given)"


def build(inventory_name: str, group: str = "monitoring") -> MonitorPlan:
    inventory = inventories.resolve(inventory_name)
    hostvars = inventories.list_hosts(inventory)
    # Ansible resolves the group, children included; no match lists nothing.
    servers = list(inventories.list_hosts(inventory, limit=group))
    every = sorted(hostvars)
    settings = {
        name: next((hostvars[h][name] for h in servers if name in hostvars[h]), value)
        for name, value in role_defaults("prometheus").items()
    }
    port = int(settings["prometheus_node_exporter_port"])
    scraped = settings["prometheus_node_exporter_hosts"] or every
    notes: list[str] = []
    targets = []
    for host in scraped:
        address = exporter_address(hostvars, host, port)
        if address.startswith(LOOPBACK) and host not in servers:
            notes.append(
                f"{host}: its exporter would listen on loopback, so Prometheus cannot scrape it; "
                "turn the VPN on or set node_exporter_listen_address."
            )
            continue
        targets.append(ScrapeTarget("nova_node", host, address))
    for job, key in (("nova", "prometheus_nova_metrics_targets"),
                     ("nova_queue", "prometheus_queue_metrics_targets")):  # fmt: skip
        targets += [ScrapeTarget(job, str(t), str(t)) for t in settings[key]]
    if not servers:
        notes.insert(
            0,
            f"Inventory `{inventory.name}` has no group `{group}` with hosts: nothing would run "
            "Prometheus. Add one host to it.",
        )
    apply = (
        f"nova provision --inventory {inventory_name} --phase foundation observability"
        if servers
        else ""
    )
    return MonitorPlan(
        inventory.name, group, servers, settings, targets, render_rules(settings), apply,
        notes=notes,
    )  # fmt: skip


def alert_row(alert: AlertRule) -> str:
    expr = alert.expr.replace("|", "\\|")  # a pipe would end the table cell
    return f"| {alert.name} | {alert.severity} | `{expr}` | {alert.hold or 'at once'} |"


def markdown(plan: MonitorPlan) -> str:
    lines = [
        f"# Monitoring plan for inventory `{plan.inventory}`",
        "",
        f"> {plan.notice}",
        "",
        *[line for note in plan.notes for line in (f"> {note}", "")],
        f"Prometheus and Alertmanager on: {', '.join(plan.servers) or 'no host'}.",
        "",
        "## Scraped",
        "",
        "| job | instance | address |",
        "|---|---|---|",
        *[f"| {t.job} | {t.instance} | {t.address} |" for t in plan.targets],
        "",
        "## Alerts",
        "",
        "| alert | severity | fires when | held for |",
        "|---|---|---|---|",
        *[alert_row(a) for a in plan.alerts],
        "",
        "## Apply",
        "",
    ]
    lines += ["```sh", plan.apply, "```", ""] if plan.apply else ["Nothing to apply yet.", ""]
    return "\n".join(lines)


def write(plan: MonitorPlan, path: Path) -> Path:
    text = (
        json.dumps(plan.to_dict(), indent=2, sort_keys=True) + "\n"
        if path.suffix == ".json"
        else markdown(plan)
    )
    return write_export(path, text)
