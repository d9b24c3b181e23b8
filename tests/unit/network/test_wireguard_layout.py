"""The WireGuard role's own layout filter: addresses and peers from the inventory."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from nova.network import roles


@pytest.fixture(scope="module")
def layout_module() -> ModuleType:
    return roles.filter_module("wireguard", "wireguard_layout")


def layout(module: ModuleType, members: list[str], hostvars: dict[str, Any], **kw: Any) -> Any:
    return module.wireguard_layout(members, hostvars, kw.pop("network", "10.9.0.0/24"), **kw)


def test_addresses_follow_inventory_order(layout_module: ModuleType) -> None:
    result = layout(layout_module, ["c", "a", "b"], {})
    assert [result[h]["address"] for h in ("c", "a", "b")] == ["10.9.0.1", "10.9.0.2", "10.9.0.3"]
    assert result["a"]["prefix"] == 24
    assert result["a"]["peers"] == {
        "c": {"allowed_ips": ["10.9.0.1/32"]},
        "b": {"allowed_ips": ["10.9.0.3/32"]},
    }


def test_appending_a_member_keeps_every_address(layout_module: ModuleType) -> None:
    before = layout(layout_module, ["n1", "n2", "n3"], {"n3": {"wireguard_address": "10.9.0.33"}})
    after = layout(
        layout_module, ["n1", "n2", "n3", "n4"], {"n3": {"wireguard_address": "10.9.0.33"}}
    )
    for host in ("n1", "n2", "n3"):
        assert after[host]["address"] == before[host]["address"]
    assert after["n3"]["address"] == "10.9.0.33"
    assert after["n4"]["address"] == "10.9.0.3"


def test_pinned_address_is_skipped_by_allocation(layout_module: ModuleType) -> None:
    result = layout(layout_module, ["a", "b"], {"b": {"wireguard_address": "10.9.0.1"}})
    assert result["b"]["address"] == "10.9.0.1"
    assert result["a"]["address"] == "10.9.0.2"


@pytest.mark.parametrize(
    ("hostvars", "message"),
    [
        ({"a": {"wireguard_address": "10.1.0.1"}}, "not a host address of 10.9.0.0/24"),
        ({"a": {"wireguard_address": "nope"}}, "not an IP address"),
        (
            {"a": {"wireguard_address": "10.9.0.5"}, "b": {"wireguard_address": "10.9.0.5"}},
            "already pinned by a",
        ),
    ],
)
def test_bad_pins_are_refused(
    layout_module: ModuleType, hostvars: dict[str, Any], message: str
) -> None:
    with pytest.raises(Exception, match=message):
        layout(layout_module, ["a", "b"], hostvars)


def test_network_too_small(layout_module: ModuleType) -> None:
    with pytest.raises(Exception, match="no free address left for c"):
        layout(layout_module, ["a", "b", "c"], {}, network="10.9.0.0/30")


def test_hub_topology(layout_module: ModuleType) -> None:
    result = layout(layout_module, ["hub", "s1", "s2"], {}, topology="hub", hubs=["hub"])
    assert sorted(result["hub"]["peers"]) == ["s1", "s2"]
    assert result["hub"]["hub"] is True
    # A spoke peers with the hub only, and routes the whole network through it.
    assert result["s1"]["peers"] == {"hub": {"allowed_ips": ["10.9.0.0/24"]}}


def test_hub_topology_needs_known_hubs(layout_module: ModuleType) -> None:
    with pytest.raises(Exception, match="needs at least one hub"):
        layout(layout_module, ["a"], {}, topology="hub", hubs=[])
    with pytest.raises(Exception, match="x not in the WireGuard group"):
        layout(layout_module, ["a"], {}, topology="hub", hubs=["x"])
    with pytest.raises(Exception, match="not one of mesh, hub"):
        layout(layout_module, ["a"], {}, topology="star")


def test_port_and_endpoint_overrides(layout_module: ModuleType) -> None:
    hostvars = {"a": {"wireguard_listen_port": 51999, "wireguard_endpoint": "a.example"}}
    result = layout(layout_module, ["a", "b"], hostvars, default_port=51820)
    assert (result["a"]["listen_port"], result["a"]["endpoint"]) == (51999, "a.example")
    assert (result["b"]["listen_port"], result["b"]["endpoint"]) == (51820, "")


def test_pairs_once_each(layout_module: ModuleType) -> None:
    mesh = layout(layout_module, ["c", "a", "b"], {})
    assert layout_module.wireguard_pairs(mesh) == [["a", "b"], ["a", "c"], ["b", "c"]]
    hub = layout(layout_module, ["h", "s1", "s2"], {}, topology="hub", hubs=["h"])
    assert layout_module.wireguard_pairs(hub) == [["h", "s1"], ["h", "s2"]]
