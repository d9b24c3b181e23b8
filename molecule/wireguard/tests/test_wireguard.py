"""The WireGuard mesh, by real traffic over wireguard-go tunnels.

The verify step runs twice: after the first three members converge, and
after wg-node4 joined with --limit (side_effect.yml leaves a marker). Each
time every member that has joined must reach every other one over the
tunnel, with a recent handshake, and nothing else may be configured.
"""

import os
import re
from pathlib import Path

import pytest

# Inventory order allocates .1, .2, ...; wg-node3 pins its own address
# (molecule.yml), so wg-node4 takes the next free one.
ADDRESSES = {
    "wg-node1": "10.44.0.1",
    "wg-node2": "10.44.0.2",
    "wg-node3": "10.44.0.33",
    "wg-node4": "10.44.0.3",
}
INITIAL = ["wg-node1", "wg-node2", "wg-node3"]


def joined() -> list[str]:
    marker = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "wireguard-joined"
    return INITIAL + (["wg-node4"] if marker.exists() else [])


def name_of(host) -> str:
    return host.ansible.get_variables()["inventory_hostname"]


@pytest.fixture
def member(host) -> str:
    name = name_of(host)
    if name not in joined():
        pytest.skip(f"{name} has not joined yet")
    return name


def dump(host) -> dict[str, list[str]]:
    """`wg show wg0 dump` peer lines by public key (the first line is the interface)."""
    lines = host.check_output("wg show wg0 dump").splitlines()[1:]
    return {fields[0]: fields for fields in (line.split("\t") for line in lines)}


def test_not_yet_joined_member_is_untouched(host):
    name = name_of(host)
    if name in joined():
        pytest.skip(f"{name} has joined")
    assert not host.file("/etc/wireguard/wg0.key").exists
    assert not host.file("/etc/wireguard/wg0.conf").exists
    assert host.run("ip link show wg0").rc != 0


def test_private_key_stays_on_the_host(host, member):
    key = host.file("/etc/wireguard/wg0.key")
    assert key.is_file and key.user == "root" and key.mode == 0o600
    assert host.file("/etc/wireguard").mode == 0o700
    config = host.file("/etc/wireguard/wg0.conf")
    assert config.mode == 0o600
    assert "PrivateKey" not in config.content_string
    assert "PresharedKey" not in config.content_string
    # The running interface uses the key from the file.
    derived = host.check_output("wg pubkey < /etc/wireguard/wg0.key")
    assert host.check_output("wg show wg0 public-key") == derived


def test_tunnel_address_is_allocated_from_the_network(host, member):
    addresses = host.check_output("ip -4 -o addr show dev wg0")
    assert f"inet {ADDRESSES[member]}/24" in addresses


def test_tunnel_runs_in_userspace(host, member):
    # The kernel here has no WireGuard module: wg-quick fell back to wireguard-go.
    assert not host.file("/sys/module/wireguard").exists
    assert host.run("pgrep -xf 'wireguard-go wg0'").rc == 0
    assert host.service("wg-quick@wg0").is_enabled
    assert host.service("wg-quick@wg0").is_running


def test_peers_are_exactly_the_other_members(host, member):
    peers = dump(host)
    others = [n for n in joined() if n != member]
    assert len(peers) == len(others)
    allowed = sorted(fields[3] for fields in peers.values())
    assert allowed == sorted(f"{ADDRESSES[n]}/32" for n in others)


def test_every_member_pings_every_other_over_the_tunnel(host, member):
    for other in joined():
        if other == member:
            continue
        # A reply within 45 s, one probe a second: WireGuard starts a session on
        # the first packet and retries a lost handshake only after 5 s, and
        # userspace WireGuard on a loaded two-core machine can miss several in
        # a row right after a join; ping stops at the first reply.
        result = host.run(f"ping -c 1 -w 45 -I wg0 {ADDRESSES[other]}")
        assert result.rc == 0, f"{member} -> {other}: {result.stdout}{result.stderr}"


def test_every_peer_has_a_recent_handshake(host, member):
    for other in joined():
        if other != member:
            host.run(f"ping -c 1 -W 2 {ADDRESSES[other]}")
    now = int(host.check_output("date +%s"))
    for public_key, fields in dump(host).items():
        latest = int(fields[4])
        assert latest > 0, f"no handshake with {public_key}"
        assert now - latest < 180, f"handshake with {public_key} is {now - latest}s old"
        assert int(fields[5]) > 0 and int(fields[6]) > 0  # bytes received and sent


def test_every_pair_has_a_preshared_key(host, member):
    listing = host.check_output("wg show wg0 preshared-keys")
    # Count without printing the keys: a line per peer, "(none)" when unset.
    states = [line.split("\t")[1] != "(none)" for line in listing.splitlines()]
    assert states and all(states)
    folder = host.file("/etc/wireguard/wg0.psk.d")
    assert folder.mode == 0o700
    others = [o for o in joined() if o != member]
    names = host.check_output("ls /etc/wireguard/wg0.psk.d").split()
    assert sorted(names) == sorted(f"{o}.psk" for o in others)
    for other in others:
        psk = host.file(f"/etc/wireguard/wg0.psk.d/{other}.psk")
        assert psk.user == "root" and psk.mode == 0o600


def test_join_kept_the_running_tunnels(host, member):
    if "wg-node4" not in joined() or member == "wg-node4":
        pytest.skip("only the first members, after the join")
    recorded = host.file("/var/tmp/wireguard-go.pid").content_string.strip()
    assert re.fullmatch(r"\d+", recorded)
    current = host.check_output("pgrep -xf 'wireguard-go wg0'")
    assert current == recorded, "the interface was torn down and recreated"
