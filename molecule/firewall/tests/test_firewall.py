"""What firewall leaves on a node: its own nftables table, loaded and kept
across boots, enforced against a second container, and Docker's tables untouched;
and the forward-path filter, which lets only allowed sources reach a port
published through a DNAT rule of Docker's shape."""

import hashlib
import json
import os
from pathlib import Path

import testinfra

testinfra_hosts = ["firewall-node"]

RULES = "/etc/nova/firewall.nft"
TABLE = "inet nova_filter"
FORWARD_TABLE = "inet nova_forward"
PUBLISHED_ALL_ALLOWED = 8090  # open to firewall_published_port_sources (the peer)
PUBLISHED_PER_PORT = 8091  # also open to the outsider, by firewall_published_ports
LISTENER_PORT = 8000  # where both are DNATed to, in the namespace on docker0
PROBE_TIMEOUT = 3


def peer_of(host):
    return testinfra.get_host(
        "firewall-peer", connection="ansible", ansible_inventory=host.backend.ansible_inventory
    )


def outsider_of(host):
    return testinfra.get_host(
        "firewall-outsider", connection="ansible", ansible_inventory=host.backend.ansible_inventory
    )


def published_address(host):
    return host.file("/root/published-address").content_string.strip()


def address_of(host):
    out = host.check_output("ip -4 -o addr show dev eth0")
    return out.split()[3].split("/")[0]


def tcp_reachable(prober, address, port):
    script = (
        "import socket,sys\n"
        f"socket.create_connection(({address!r}, {port}), timeout={PROBE_TIMEOUT}).close()\n"
    )
    return prober.run("python3 -c %s", script).rc == 0


def udp_echoed(prober, address, port):
    script = (
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        f"s.settimeout({PROBE_TIMEOUT})\n"
        f"s.sendto(b'ping', ({address!r}, {port}))\n"
        "assert s.recvfrom(64)[0] == b'ping'\n"
    )
    return prober.run("python3 -c %s", script).rc == 0


def docker_tables(host):
    return {name: host.check_output(f"nft -s list table ip {name}") for name in ("nat", "filter")}


def saved_docker_tables(host):
    saved = {name: host.file(f"/root/docker-tables/{name}.nft") for name in ("nat", "filter")}
    return {name: file.content_string.strip() for name, file in saved.items()}


def test_ruleset_file_is_valid_and_private(host):
    rules = host.file(RULES)
    assert rules.is_file
    assert rules.user == "root"
    assert rules.mode == 0o640
    assert "flush ruleset" not in rules.content_string
    assert host.run(f"nft -c -f {RULES}").rc == 0


def test_table_is_loaded_with_default_drop(host):
    table = host.check_output(f"nft list table {TABLE}")
    assert "hook input priority filter; policy drop;" in table
    lines = [line.strip() for line in table.splitlines()]
    first_rule = lines.index("type filter hook input priority filter; policy drop;") + 1
    assert lines[first_rule].startswith("ct state established,related accept")
    assert "tcp dport 8080 accept" in table
    assert "udp dport 51820 accept" in table  # from firewall_allowed_udp_ports__vpn
    assert "ip saddr 10.99.0.0/24 accept" in table  # from firewall_trusted_subnets__vpn
    assert 'iifname "docker0" accept' in table
    assert "8081" not in table and "51821" not in table


def test_converge_recorded_the_loaded_table_as_evidence(host):
    """The role's nova_evidence fact, kept by converge, is the table the kernel holds."""
    kept = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / (
        "evidence-firewall-node-firewall_ruleset.json"
    )
    evidence = json.loads(kept.read_text())
    assert evidence["check"] == "firewall_ruleset" and evidence["ok"] is True
    table = host.check_output(f"nft list table {TABLE}")
    data = evidence["data"]
    assert data["ruleset"].strip() == table.strip()
    assert data["ruleset_sha256"] == hashlib.sha256(data["ruleset"].encode()).hexdigest()
    assert data["rc"] in (0, "0") and data["rules_path"] == RULES
    forward = host.check_output(f"nft list table {FORWARD_TABLE}")
    assert data["forward_filter"] in (True, "True")
    assert data["forward_ruleset"].strip() == forward.strip()
    assert (
        data["forward_ruleset_sha256"]
        == hashlib.sha256(data["forward_ruleset"].encode()).hexdigest()
    )
    assert [p["port"] for p in data["published_ports"]] == [PUBLISHED_PER_PORT]


def test_unit_loads_the_table_at_boot(host):
    unit = host.service("nova-firewall")
    assert unit.is_enabled
    assert unit.is_running
    assert RULES in host.check_output("systemctl cat nova-firewall.service")


def test_listeners_are_up_on_the_node(host):
    # The ports are really listening, so a refused probe below is the firewall's doing.
    for port in (8080, 8081):
        assert host.socket(f"tcp://0.0.0.0:{port}").is_listening
        assert tcp_reachable(host, "127.0.0.1", port)
    for port in (51820, 51821):
        assert host.socket(f"udp://0.0.0.0:{port}").is_listening
        assert udp_echoed(host, "127.0.0.1", port)


def test_allowed_tcp_port_is_reachable_from_the_peer(host):
    assert tcp_reachable(peer_of(host), address_of(host), 8080)


def test_listening_tcp_port_not_allowed_is_unreachable_from_the_peer(host):
    assert not tcp_reachable(peer_of(host), address_of(host), 8081)


def test_allowed_udp_port_answers_the_peer(host):
    assert udp_echoed(peer_of(host), address_of(host), 51820)


def test_listening_udp_port_not_allowed_stays_silent_to_the_peer(host):
    assert not udp_echoed(peer_of(host), address_of(host), 51821)


def test_ssh_is_reachable_from_the_allowed_source(host):
    assert host.socket("tcp://0.0.0.0:22").is_listening
    assert tcp_reachable(peer_of(host), address_of(host), 22)


def test_docker_tables_survive_the_apply(host):
    assert host.service("docker").is_running
    assert docker_tables(host) == saved_docker_tables(host)
    assert "chain DOCKER-USER" in docker_tables(host)["filter"]


def test_docker_tables_and_the_firewall_survive_a_reapply(host):
    host.check_output("systemctl reload nova-firewall.service")
    host.check_output(f"nft -f {RULES}")
    assert docker_tables(host) == saved_docker_tables(host)
    assert host.check_output(f"nft list table {TABLE}").count("policy drop") == 1
    assert not tcp_reachable(peer_of(host), address_of(host), 8081)
    assert tcp_reachable(peer_of(host), address_of(host), 8080)


def test_forward_filter_runs_before_dockers_forward_chain(host):
    forward = host.check_output(f"nft list table {FORWARD_TABLE}")
    lines = [line.strip() for line in forward.splitlines() if line.strip()]
    hook = "type filter hook forward priority filter - 10; policy accept;"
    assert hook in lines
    assert lines[lines.index(hook) + 1].startswith("ct state established,related accept")
    rules = [line for line in lines if line.startswith(("ct ", "ip ", "ip6 "))]
    assert rules[-1].startswith("ct status dnat drop")
    assert f"ct original proto-dst {PUBLISHED_PER_PORT}" in forward
    # Docker's FORWARD chain hooks at priority filter (0): ours, at -10, sees a packet first.
    docker_forward = host.check_output("nft list chain ip filter FORWARD")
    assert "type filter hook forward priority filter;" in docker_forward
    assert RULES in host.check_output("systemctl cat nova-firewall.service")
    assert f"table {FORWARD_TABLE} {{" in host.file(RULES).content_string


def test_published_listener_answers_the_node_itself(host):
    # The listener is up, directly and through the DNAT of the node's own
    # connections (nat OUTPUT, not forwarded), so a refusal below is the filter's.
    assert tcp_reachable(host, published_address(host), LISTENER_PORT)
    for port in (PUBLISHED_ALL_ALLOWED, PUBLISHED_PER_PORT):
        assert tcp_reachable(host, address_of(host), port)


def test_allowed_source_reaches_every_published_port(host):
    for port in (PUBLISHED_ALL_ALLOWED, PUBLISHED_PER_PORT):
        assert tcp_reachable(peer_of(host), address_of(host), port)


def test_other_source_reaches_only_the_port_opened_to_it(host):
    outsider = outsider_of(host)
    assert tcp_reachable(outsider, address_of(host), PUBLISHED_PER_PORT)
    assert not tcp_reachable(outsider, address_of(host), PUBLISHED_ALL_ALLOWED)


def test_forwarded_traffic_that_was_not_dnated_is_left_to_docker(host):
    # Routed straight to the listener's address, the outsider's traffic is not
    # DNATed: the filter lets it through, and Docker's own ACCEPT decides.
    outsider = outsider_of(host)
    outsider.check_output(
        "ip route replace %s/32 via %s", published_address(host), address_of(host)
    )
    assert tcp_reachable(outsider, published_address(host), LISTENER_PORT)


def test_forward_filter_survives_a_reapply(host):
    host.check_output("systemctl reload nova-firewall.service")
    assert host.check_output("nft list tables").count(FORWARD_TABLE) == 1
    assert docker_tables(host) == saved_docker_tables(host)
    assert not tcp_reachable(outsider_of(host), address_of(host), PUBLISHED_ALL_ALLOWED)
    assert tcp_reachable(peer_of(host), address_of(host), PUBLISHED_ALL_ALLOWED)


def test_contributions_are_kept_for_the_other_phases_runs(host):
    # The foundation and data-services phases each run the firewall with the
    # contributions of their own roles; the kept ones carry the others' over.
    kept = host.file("/etc/nova/firewall-contributions.json")
    assert kept.mode == 0o600 and kept.user == "root"
    contributions = json.loads(kept.content_string)
    assert contributions["firewall_allowed_udp_ports__vpn"] == [51820]
    assert contributions["firewall_trusted_subnets__vpn"] == ["10.99.0.0/24"]
    assert [p["port"] for p in contributions["firewall_published_ports__outsider"]] == [8091]
