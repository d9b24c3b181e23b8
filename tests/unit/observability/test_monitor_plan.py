"""`nova monitor plan`: targets from a real inventory (read by ansible-inventory)
and the prometheus role's own rules template rendered with its settings."""

from __future__ import annotations

import json
from pathlib import Path

from nova.monitor.plan import build, write

INVENTORY = """
all:
  children:
    monitoring:
      hosts:
        mon-1:
          ansible_host: 192.0.2.10
          node_exporter_listen_address: 192.0.2.10
          prometheus_alert_gpu_temperature_celsius: 80
    nodes:
      hosts:
        gpu-1:
          node_exporter_listen_address: 192.0.2.11
        gpu-2:
          nova_vpn: wireguard
        lonely: {}
"""


def test_plan_lists_targets_and_rendered_alerts(tmp_path: Path) -> None:
    path = tmp_path / "hosts.yml"
    path.write_text(INVENTORY, encoding="utf-8")
    plan = build(str(path))
    assert plan.notice.startswith("This is a plan")
    assert plan.servers == ["mon-1"]
    addresses = {t.instance: t.address for t in plan.targets if t.job == "nova_node"}
    assert addresses["mon-1"] == "192.0.2.10:9100"
    assert addresses["gpu-1"] == "192.0.2.11:9100"
    assert addresses["gpu-2"].startswith("VPN address")
    assert "lonely" not in addresses  # loopback only: Prometheus could not reach it
    assert any(n.startswith("lonely:") for n in plan.notes)
    alerts = {a.name: a for a in plan.alerts}
    assert alerts["NovaGpuHot"].expr == "nova_gpu_temperature_celsius > 80"  # the inventory's
    assert alerts["NovaHostDown"].hold == "2m"
    assert {"NovaBackupTooOld", "NovaWireGuardPeerSilent", "NovaAgentRestartLoop"} <= set(alerts)
    exported = write(plan, tmp_path / "plan.json")
    assert json.loads(exported.read_text())["alerts"][0]["name"] == "NovaHostDown"
    text = write(plan, tmp_path / "plan.md").read_text()
    assert "This is a plan" in text and "| NovaHostDown | critical |" in text


def test_without_a_monitoring_group_nothing_applies(tmp_path: Path) -> None:
    path = tmp_path / "hosts.yml"
    path.write_text("all:\n  hosts:\n    a: {}\n", encoding="utf-8")
    plan = build(str(path))
    assert plan.servers == [] and plan.apply == ""
    assert "no group `monitoring`" in plan.notes[0]
