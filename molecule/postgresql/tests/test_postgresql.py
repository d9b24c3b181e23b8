"""What postgresql leaves on a primary and its replica: scram-only client
authentication, TLS, VPN-only access proven from a third container, a row
streamed to the replica, a marker row restored from the backup role's dump,
and the refusal of pgvector on Debian 12."""

import json
import subprocess
import time

import testinfra

testinfra_hosts = ["pg-primary"]

VERSION = "15"
CONFIG = f"/etc/postgresql/{VERSION}/main"
CA = "/etc/postgresql-nova-tls/ca.crt"
PROBE_TIMEOUT = 3


def other(host, name):
    return testinfra.get_host(
        name, connection="ansible", ansible_inventory=host.backend.ansible_inventory
    )


def sql(host, query, db="postgres"):
    return host.check_output("runuser -u postgres -- psql -XAt -d %s -c %s", db, query)


def sql_run(host, query, db="postgres"):
    return host.run("runuser -u postgres -- psql -XAt -d %s -c %s", db, query)


def eventually(host, query, expected, db="app"):
    """The replica replays the primary's WAL within moments, not at once."""
    for _ in range(30):
        if sql_run(host, query, db).stdout.strip() == expected:
            return True
        time.sleep(1)
    return False


def subnet_of_network(name):
    return subprocess.check_output(
        ["docker", "network", "inspect", name, "--format", "{{(index .IPAM.Config 0).Subnet}}"],
        text=True,
    ).strip()


def interface_on(host, network):
    """(device, address) of the host's interface on a scenario network."""
    subnet = subnet_of_network(network)
    for line in host.check_output("ip -4 -o route show scope link proto kernel").splitlines():
        fields = line.split()
        if fields[0] == subnet:
            return fields[fields.index("dev") + 1], fields[fields.index("src") + 1]
    raise AssertionError(f"{host.backend.host} has no interface on {network} ({subnet})")


def vpn_address(host):
    return interface_on(host, "molecule-postgresql-vpn")[1]


def lan_address(host):
    return interface_on(host, "molecule-postgresql-lan")[1]


def tcp_reachable(prober, address, port):
    script = (
        "import socket\n"
        f"socket.create_connection(({address!r}, {port}), timeout={PROBE_TIMEOUT}).close()\n"
    )
    return prober.run("python3 -c %s", script).rc == 0


def app_password(host):
    return host.file("/etc/postgresql-nova/app.password").content_string.strip()


def psql_from(client, server_address, password, sslmode, query):
    conninfo = f"host={server_address} dbname=app user=app sslmode={sslmode} sslrootcert={CA}"
    return client.run("env PGPASSWORD=%s psql -XAt %s -c %s", password, conninfo, query)


def test_pg_hba_has_only_scram_and_the_postgres_peer_line(host):
    rules = sql(host, "SELECT type, database, user_name, auth_method, error FROM pg_hba_file_rules")
    rows = [line.split("|") for line in rules.splitlines()]
    assert rows, "the server reports no client authentication rules"
    assert all(row[4] == "" for row in rows)
    methods = {(row[0], row[2], row[3]) for row in rows}
    assert ("local", "{postgres}", "peer") in methods
    for kind, users, method in methods:
        assert method == "scram-sha-256" or (kind, users, method) == ("local", "{postgres}", "peer")
    # Off loopback only TLS connections are matched.
    off_loopback = [row for row in rows if row[0].startswith("host") and row[0] != "host"]
    assert off_loopback and all(row[0] == "hostssl" for row in off_loopback)
    plain_hosts = host.check_output(f"grep -E '^host[[:space:]]' {CONFIG}/pg_hba.conf")
    assert all(line.split()[3] in ("127.0.0.1/32", "::1/128") for line in plain_hosts.splitlines())


def test_passwords_are_stored_as_scram(host):
    assert sql(host, "SHOW password_encryption") == "scram-sha-256"
    hashes = sql(host, "SELECT rolname, rolpassword FROM pg_authid WHERE rolpassword IS NOT NULL")
    stored = dict(line.split("|", 1) for line in hashes.splitlines())
    assert {"app", "reader", "replicator"} <= set(stored)
    assert all(value.startswith("SCRAM-SHA-256$") for value in stored.values())


def test_made_passwords_are_private(host):
    folder = host.file("/etc/postgresql-nova")
    assert folder.mode == 0o700 and folder.user == "root"
    for name in ("app", "reader", "replicator"):
        secret = host.file(f"/etc/postgresql-nova/{name}.password")
        assert secret.mode == 0o600 and secret.user == "root"
    key = host.file("/etc/postgresql-nova-tls/server.key")
    assert key.mode == 0o600 and key.user == "postgres"


def test_ssl_is_on_with_the_role_certificate(host):
    assert sql(host, "SHOW ssl") == "on"
    assert sql(host, "SHOW ssl_cert_file") == "/etc/postgresql-nova-tls/server.crt"
    vpn = vpn_address(host)
    cert = host.check_output(
        "openssl x509 -noout -ext subjectAltName -in /etc/postgresql-nova-tls/server.crt"
    )
    assert f"IP Address:{vpn}" in cert


def test_tls_connection_from_the_vpn_works_and_plain_is_refused(host):
    replica = other(host, "pg-replica")
    vpn = vpn_address(host)
    password = app_password(host)
    query = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    required = psql_from(replica, vpn, password, "require", query)
    assert required.rc == 0, required.stderr
    assert required.stdout.strip() == "t"
    verified = psql_from(replica, vpn, password, "verify-full", query)
    assert verified.rc == 0 and verified.stdout.strip() == "t", verified.stderr
    plain = psql_from(replica, vpn, password, "disable", query)
    assert plain.rc != 0 and "no pg_hba.conf entry" in plain.stderr
    wrong = psql_from(replica, vpn, password + "x", "require", query)
    assert wrong.rc != 0 and "password authentication failed" in wrong.stderr


def test_listens_on_the_vpn_address_and_localhost_only(host):
    vpn = vpn_address(host)
    lan = lan_address(host)
    assert sql(host, "SHOW listen_addresses") == f"localhost,{vpn}"
    assert host.socket("tcp://127.0.0.1:5432").is_listening
    assert host.socket(f"tcp://{vpn}:5432").is_listening
    assert not host.socket("tcp://0.0.0.0:5432").is_listening
    assert not host.socket(f"tcp://{lan}:5432").is_listening


def test_memory_settings_are_sized_from_the_host(host):
    memtotal_mb = int(host.check_output("awk '/^MemTotal:/ {print $2}' /proc/meminfo")) // 1024

    def megabytes(name):
        query = f"SELECT setting, unit FROM pg_settings WHERE name = '{name}'"
        setting, unit = sql(host, query).split("|")
        return int(setting) * {"8kB": 8, "kB": 1}[unit] // 1024

    assert megabytes("shared_buffers") == int(memtotal_mb * 0.25)
    assert megabytes("effective_cache_size") == int(memtotal_mb * 0.75)
    assert megabytes("maintenance_work_mem") == min(int(memtotal_mb * 0.05), 2048)
    assert megabytes("work_mem") == max(int(memtotal_mb * 0.75 / 300), 4)


def test_databases_roles_privileges_and_extensions(host):
    owner = "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'"
    assert sql(host, owner) == "app"
    extension = "SELECT extname FROM pg_extension WHERE extname = 'pgcrypto'"
    assert sql(host, extension, db="app") == "pgcrypto"
    assert sql(host, "SELECT has_database_privilege('reader', 'app', 'CONNECT')") == "t"


def test_firewall_opens_the_port_to_the_vpn_subnet_only(host):
    table = host.check_output("nft list table inet nova_filter")
    rule = [line.strip() for line in table.splitlines() if "tcp dport 5432" in line]
    device = interface_on(host, "molecule-postgresql-vpn")[0]
    subnet = subnet_of_network("molecule-postgresql-vpn")
    expected = (
        f'iifname "{device}" ip saddr {subnet} tcp dport 5432 accept comment "nova postgresql: VPN"'
    )
    assert rule == [expected]


def test_the_outside_container_cannot_connect(host):
    outside = other(host, "pg-outside")
    vpn = vpn_address(host)
    lan = lan_address(host)
    # Nothing listens on the shared network's address.
    assert tcp_reachable(outside, lan, 22)
    assert not tcp_reachable(outside, lan, 5432)
    # The VPN address, routed through the shared network: the host would accept
    # it (SSH answers), so the refusal on 5432 is the firewall's.
    outside.check_output(f"ip route replace {vpn}/32 via {lan}")
    try:
        assert tcp_reachable(outside, vpn, 22)
        assert not tcp_reachable(outside, vpn, 5432)
    finally:
        outside.run(f"ip route del {vpn}/32")


def test_the_replica_streams_from_the_primary(host):
    replica = other(host, "pg-replica")
    assert sql(replica, "SELECT pg_is_in_recovery()") == "t"
    assert replica.file(f"/var/lib/postgresql/{VERSION}/main/standby.signal").exists
    streaming = sql(host, "SELECT application_name, state FROM pg_stat_replication")
    assert streaming == "nova_pg_replica|streaming"
    assert sql(host, "SELECT ssl FROM pg_stat_ssl JOIN pg_stat_replication USING (pid)") == "t"
    marker = f"streamed-{time.time_ns()}"
    sql(host, "CREATE TABLE IF NOT EXISTS stream_check (note text)", db="app")
    sql(host, f"INSERT INTO stream_check VALUES ('{marker}')", db="app")
    query = f"SELECT count(*) FROM stream_check WHERE note = '{marker}'"
    assert eventually(replica, query, "1")
    refused = sql_run(replica, "CREATE TABLE nope (x int)", db="app")
    assert refused.rc != 0 and "read-only transaction" in refused.stderr


def test_the_marker_row_came_back_from_the_backup(host):
    run = json.loads(host.file("/root/drill-run.json").content_string)
    assert run["status"] == "ok" and run["postgresql_dump"] is True
    assert sql(host, "SELECT note FROM drill_marker", db="app") == "restored-by-nova"
    replica = other(host, "pg-replica")
    assert eventually(replica, "SELECT note FROM drill_marker", "restored-by-nova")


def test_pgvector_is_refused_on_debian_in_one_line(host):
    refusal = host.file("/root/pgvector-refusal.txt").content_string.strip()
    assert "\n" not in refusal
    assert refusal.startswith("postgresql_pgvector: Debian 12 ships no pgvector package")
    assert host.run("dpkg -s postgresql-15-pgvector").rc != 0


def test_the_ubuntu_dry_run_left_nothing_behind(host):
    """side_effect.yml ran the Ubuntu branch in check mode; it must change nothing."""
    assert not host.file("/etc/apt/sources.list.d/postgresql-pgdg.sources").exists
    assert not host.file("/etc/apt/keyrings/postgresql-pgdg.asc").exists
    assert not host.file("/etc/postgresql/16").exists
