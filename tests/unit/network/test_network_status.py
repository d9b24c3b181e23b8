"""Live-state parsing, and the key masking the status playbook does on each host."""

from __future__ import annotations

import subprocess

import yaml

from nova.core.paths import project_root
from nova.network import parse
from nova.network.status import assemble

PRIVATE = "aGVsbG8tcHJpdmF0ZS1rZXktMDEyMzQ1Njc4OWFiY2Q="
PSK = "cHJlc2hhcmVkLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g="
PUB_A = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
PUB_B = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="
RAW_DUMP_A = (
    f"wg0\t{PRIVATE}\t{PUB_A}\t51820\toff\n"
    f"wg0\t{PUB_B}\t{PSK}\t172.18.0.3:51820\t10.9.0.2/32\t1700000000\t1184\t1332\t25\n"
)
STATUS = """TITLE,OpenVPN 2.6.14 x86_64-pc-linux-gnu
TIME,2024-01-01 00:00:00,1700000100
HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,\
Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,Client ID,\
Peer ID,Data Channel Cipher
CLIENT_LIST,ovpn-client,172.19.0.3:41017,10.45.0.2,,5210,4470,2024-01-01 00:00:00,\
1700000000,UNDEF,0,0,AES-256-GCM
HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,Last Ref (time_t)
GLOBAL_STATS,Max bcast/mcast queue length,0
END
"""


def mask_on_host(dump: str) -> str:
    """Run the status playbook's own masking command on a dump, with a real awk."""
    playbook = yaml.safe_load(
        (project_root() / "playbooks" / "network-status.yml").read_text(encoding="utf-8")
    )
    command = playbook[0]["tasks"][0]["ansible.builtin.shell"]["cmd"]
    awk = command.split("wg show all dump | ", 1)[1].rsplit(";", 2)[0]
    return subprocess.run(
        ["bash", "-c", awk], input=dump, capture_output=True, text=True, check=True
    ).stdout


def test_private_and_preshared_keys_never_leave_the_host() -> None:
    masked = mask_on_host(RAW_DUMP_A)
    assert PRIVATE not in masked and PSK not in masked
    assert PUB_A in masked and PUB_B in masked
    interfaces, peers = parse.wireguard_dump(masked)
    assert interfaces == [parse.Interface("wg0", PUB_A, 51820)]
    assert peers[0].endpoint == "172.18.0.3:51820"
    assert (peers[0].latest_handshake, peers[0].rx_bytes, peers[0].tx_bytes) == (
        1700000000,
        1184,
        1332,
    )


def test_peers_are_named_after_the_host_with_their_key() -> None:
    dump_b = f"wg0\t(hidden)\t{PUB_B}\t51820\toff\n"
    reported = {
        "a": {"wireguard_dump": mask_on_host(RAW_DUMP_A), "openvpn_status": ""},
        "b": {"wireguard_dump": dump_b, "openvpn_status": ""},
    }
    state = assemble("lab", "vpn", reported, ["a", "b", "c"])
    by_host = {h.host: h for h in state.hosts}
    assert by_host["a"].peers[0].name == "b"
    assert by_host["b"].peers == []
    assert by_host["c"].reachable is False
    assert PRIVATE not in str(state.to_dict())


def test_openvpn_status_file() -> None:
    updated, clients = parse.openvpn_status(STATUS)
    assert updated == 1700000100
    assert clients == [
        parse.Client("ovpn-client", "172.19.0.3:41017", "10.45.0.2", 5210, 4470, 1700000000)
    ]


def test_peer_that_never_shook_hands() -> None:
    dump = f"wg0\t{PUB_B}\t(none)\t(none)\t10.9.0.2/32\t0\t0\t0\toff\n"
    _, peers = parse.wireguard_dump(dump)
    assert peers[0].endpoint == "" and peers[0].latest_handshake == 0
