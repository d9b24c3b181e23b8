"""OpenVPN after a revocation and a re-admission, by real traffic.

side_effect.yml recorded the client's certificate serial and key fingerprint,
revoked it, saw it refused, and took it back. The client must now be
connected again with a fresh key and certificate, and the CRL must still
list the revoked one.
"""

import time

import pytest

SERVER_TUNNEL = "10.45.0.1"


def name_of(host) -> str:
    return host.ansible.get_variables()["inventory_hostname"]


@pytest.fixture
def server(host):
    if name_of(host) != "ovpn-server":
        pytest.skip("server only")
    return host


@pytest.fixture
def client(host):
    if name_of(host) != "ovpn-client":
        pytest.skip("client only")
    return host


def test_server_listens_on_udp_1194(server):
    assert server.service("openvpn-server@nova").is_running
    assert server.service("openvpn-server@nova").is_enabled
    assert server.socket("udp://0.0.0.0:1194").is_listening
    assert f"inet {SERVER_TUNNEL}/24" in server.check_output("ip -4 -o addr show dev tun0")


def test_keys_are_private(host):
    kind = "server" if name_of(host) == "ovpn-server" else "client"
    key = host.file(f"/etc/openvpn/{kind}/nova.key")
    assert key.user == "root" and key.mode == 0o600
    assert host.file(f"/etc/openvpn/{kind}/nova.conf").mode == 0o600
    # The member's certificate belongs to its own key.
    cert_key = host.check_output(f"openssl x509 -noout -pubkey -in /etc/openvpn/{kind}/nova.crt")
    own_key = host.check_output(f"openssl pkey -pubout -in /etc/openvpn/{kind}/nova.key")
    assert cert_key == own_key


def test_ca_key_stays_on_the_ca(host):
    if name_of(host) == "ovpn-server":
        assert host.file("/etc/nova-pki/ca.key").mode == 0o600
        assert host.file("/etc/nova-pki").mode == 0o700
    else:
        assert not host.file("/etc/nova-pki").exists


def test_client_pings_the_server_tunnel_address(client):
    result = None
    for _ in range(15):
        result = client.run(f"ping -c 2 -W 2 {SERVER_TUNNEL}")
        if result.rc == 0:
            break
        time.sleep(2)
    assert result is not None and result.rc == 0, result.stdout + result.stderr


def test_readmitted_client_has_a_fresh_key_and_certificate(client):
    revoked_serial = client.file("/var/tmp/revoked-serial").content_string.strip()
    revoked_key = client.file("/var/tmp/revoked-key").content_string.strip()
    serial = client.check_output(
        "openssl x509 -noout -serial -in /etc/openvpn/client/nova.crt | cut -d= -f2"
    )
    key = client.check_output(
        "openssl pkey -in /etc/openvpn/client/nova.key -pubout | sha256sum | cut -d' ' -f1"
    )
    assert revoked_serial and serial != revoked_serial
    assert revoked_key and key != revoked_key


def test_crl_lists_the_revoked_certificate(server):
    crl = server.check_output("openssl crl -noout -text -in /etc/openvpn/server/nova-crl.pem")
    revoked_serial = server.run(
        "ls /etc/nova-pki/revoked | sed -n 's/^ovpn-client-\\(.*\\)\\.crt$/\\1/p'"
    ).stdout.split()
    assert len(revoked_serial) == 1
    assert f"Serial Number: {revoked_serial[0]}" in crl
    # The CRL is signed by the CA the server trusts.
    assert server.run(
        "openssl crl -noout -in /etc/openvpn/server/nova-crl.pem "
        "-CAfile /etc/openvpn/server/nova-ca.crt"
    ).rc == 0
    assert server.file("/etc/nova-pki/issued/ovpn-client.crt").exists


def test_server_status_lists_the_connected_client(server):
    status = ""
    for _ in range(40):
        status = server.run("cat /run/openvpn-server/status-nova.log").stdout
        if any(line.startswith("CLIENT_LIST,ovpn-client,") for line in status.splitlines()):
            break
        time.sleep(2)
    assert any(line.startswith("CLIENT_LIST,ovpn-client,") for line in status.splitlines()), status
