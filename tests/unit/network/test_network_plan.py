"""Plans rendered from a real inventory (ansible-inventory) and the roles' defaults."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from nova.cli.network import network
from nova.core.errors import InputError
from nova.network import export, plan, roles

WriteInventory = Callable[..., Path]


def test_wireguard_plan_uses_the_role_defaults(write_inventory: WriteInventory) -> None:
    path = write_inventory(
        {
            "n1": {"ansible_host": "192.0.2.1"},
            "n2": {"wireguard_endpoint": "198.51.100.2", "wireguard_address": "10.99.0.20"},
            "n3": None,
        }
    )
    result = plan.build("wireguard", str(path))
    defaults = roles.defaults("wireguard")
    assert result.settings["wireguard_network"] == defaults["wireguard_network"]
    assert [(h.name, h.address) for h in result.hosts] == [
        ("n1", "10.99.0.1/24"),
        ("n2", "10.99.0.20/24"),
        ("n3", "10.99.0.2/24"),
    ]
    n2 = result.hosts[1]
    assert n2.endpoint == "198.51.100.2:51820"
    assert n2.peers == ["n1", "n3"]
    assert n2.firewall == ["udp/51820", "trust wg0"]
    assert "nothing has been changed" in result.notice
    assert not any("preshared" in step for step in result.steps)


def test_inventory_settings_override_the_defaults(write_inventory: WriteInventory) -> None:
    hosts = {
        name: {"wireguard_network": "10.50.0.0/16", "wireguard_preshared_keys": True}
        for name in ("a", "b", "c")
    }
    result = plan.build("wireguard", str(write_inventory(hosts)))
    assert result.hosts[0].address == "10.50.0.1/16"
    assert any("3 preshared keys" in step for step in result.steps)


def test_openvpn_plan(write_inventory: WriteInventory) -> None:
    hosts = {
        "gw": None,
        "c1": {"openvpn_revoked": ["c2"]},
        "c2": {"openvpn_revoked": ["c2"]},
    }
    result = plan.build("openvpn", str(write_inventory(hosts)))
    roles_by_host = {h.name: h.role for h in result.hosts}
    assert roles_by_host == {"gw": "server + CA", "c1": "client", "c2": "revoked"}
    server = result.hosts[0]
    assert server.address == "10.8.0.1/24"
    assert server.peers == ["c1"]
    assert server.firewall == ["udp/1194", "trust tun0"]


def test_unknown_vpn_is_one_line() -> None:
    with pytest.raises(InputError, match=r"^--vpn: unknown VPN type 'ipsec'"):
        plan.build("ipsec", "local")


@pytest.mark.parametrize("vpn", ["wireguard", "openvpn"])
def test_inventory_without_the_group_is_a_plan_of_what_to_do(
    write_inventory: WriteInventory, vpn: str
) -> None:
    path = write_inventory({"a": None, "b": None}, group="spark")
    result = plan.build(vpn, str(path))
    assert result.hosts == [] and result.apply == ""
    assert "no group `vpn` with hosts" in result.notes[0]
    assert "Its hosts: a, b." in result.notes[0]
    assert f"{vpn}_group" in result.steps[0]
    text = export.markdown(result)
    assert "Members: inventory group `vpn`, none yet." in text
    assert "| host |" not in text
    assert "Nothing to apply yet: the VPN has no members." in text


@pytest.mark.parametrize("vpn", ["wireguard", "openvpn"])
def test_a_one_member_vpn_is_planned_and_says_it_has_no_peers(
    write_inventory: WriteInventory, vpn: str
) -> None:
    result = plan.build(vpn, str(write_inventory({"solo": None})))
    [host] = result.hosts
    assert host.name == "solo" and host.peers == []
    assert result.apply.startswith("nova provision --inventory ")
    assert "one member, solo" in result.notes[0]


def test_the_shipped_spark_inventory_has_its_nodes_in_the_vpn_group() -> None:
    result = plan.build("wireguard", "spark")
    assert [(h.name, h.address) for h in result.hosts] == [
        ("spark-01", "10.99.0.1/24"),
        ("spark-02", "10.99.0.2/24"),
    ]
    assert result.hosts[0].peers == ["spark-02"]
    assert result.notes == []


def test_bad_pin_names_the_host(write_inventory: WriteInventory) -> None:
    path = write_inventory({"a": {"wireguard_address": "172.16.0.1"}})
    with pytest.raises(InputError, match=r"a: wireguard_address: 172\.16\.0\.1 is not a host"):
        plan.build("wireguard", str(path))


def test_export_markdown_and_json(write_inventory: WriteInventory, tmp_path: Path) -> None:
    result = plan.build("wireguard", str(write_inventory({"a": None, "b": None})))
    text = export.write(result, tmp_path / "out" / "plan.md").read_text(encoding="utf-8")
    assert text.startswith("# wireguard plan")
    assert "> This is a plan" in text
    assert "| a | member | 10.99.0.1/24 |" in text
    data = json.loads(export.write(result, tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert data["hosts"][1]["address"] == "10.99.0.2/24"
    assert data["notice"].startswith("This is a plan")


def test_cli_json_and_errors(write_inventory: WriteInventory) -> None:
    path = write_inventory({"a": None, "b": None})
    runner = CliRunner()
    ok = runner.invoke(
        network, ["--vpn", "wireguard", "-i", str(path), "-o", "json"], standalone_mode=False
    )
    assert ok.exception is None, ok.output
    assert json.loads(ok.output)["group"] == "vpn"
    bad = runner.invoke(network, ["--vpn", "tinc", "-i", str(path)], standalone_mode=False)
    assert isinstance(bad.exception, InputError)
    text = runner.invoke(network, ["--vpn", "wireguard", "-i", str(path)])
    assert text.exit_code == 0
    assert "This is a plan" in text.output
