"""Live VPN state from what the hosts report: `wg show all dump`, and the
OpenVPN server's status file (status-version 2)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Peer:
    interface: str
    public_key: str
    name: str  # the inventory host with this key, or "" when none of them has it
    endpoint: str
    allowed_ips: str
    latest_handshake: int  # seconds since the epoch, 0 for never
    rx_bytes: int
    tx_bytes: int


@dataclass(frozen=True)
class Interface:
    name: str
    public_key: str
    listen_port: int


def wireguard_dump(text: str) -> tuple[list[Interface], list[Peer]]:
    """Interfaces and peers of a dump; key fields were masked on the host."""
    interfaces: list[Interface] = []
    peers: list[Peer] = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 5:
            interfaces.append(Interface(fields[0], fields[2], _int(fields[3])))
        elif len(fields) == 9:
            peers.append(
                Peer(
                    interface=fields[0],
                    public_key=fields[1],
                    name="",
                    endpoint="" if fields[3] == "(none)" else fields[3],
                    allowed_ips="" if fields[4] == "(none)" else fields[4],
                    latest_handshake=_int(fields[5]),
                    rx_bytes=_int(fields[6]),
                    tx_bytes=_int(fields[7]),
                )
            )
    return interfaces, peers


@dataclass(frozen=True)
class Client:
    common_name: str
    real_address: str
    virtual_address: str
    rx_bytes: int
    tx_bytes: int
    connected_since: int  # seconds since the epoch


def openvpn_status(text: str) -> tuple[int, list[Client]]:
    """The status file's update time and connected clients, by its own header line."""
    header: list[str] = []
    updated = 0
    clients: list[Client] = []
    for line in text.splitlines():
        fields = line.split(",")
        if fields[:2] == ["HEADER", "CLIENT_LIST"]:
            header = fields[2:]
        elif fields[0] == "TIME" and len(fields) >= 3:
            updated = _int(fields[2])
        elif fields[0] == "CLIENT_LIST" and header:
            row = dict(zip(header, fields[1:], strict=False))
            clients.append(
                Client(
                    common_name=row.get("Common Name", ""),
                    real_address=row.get("Real Address", ""),
                    virtual_address=row.get("Virtual Address", ""),
                    rx_bytes=_int(row.get("Bytes Received", "0")),
                    tx_bytes=_int(row.get("Bytes Sent", "0")),
                    connected_since=_int(row.get("Connected Since (time_t)", "0")),
                )
            )
    return updated, clients


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0
