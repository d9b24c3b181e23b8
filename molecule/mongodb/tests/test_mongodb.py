"""What mongodb leaves on three members: a replica set over TLS with keyfile and
SCRAM authentication, bound to loopback and the members' address, reachable from
the members and not from another host, that replicates, fails over and takes
its old primary back as a secondary.

There is no mongo shell on Debian, so every query is pymongo (python3-pymongo,
installed by the role) run with python3 on a member.
"""

from __future__ import annotations

import json
import socket
import time

import pytest
import testinfra

testinfra_hosts = ["mongodb-1", "mongodb-2", "mongodb-3"]

MEMBERS = ["mongodb-1", "mongodb-2", "mongodb-3"]
PORT = 27017
CA = "/etc/mongodb/tls/ca.crt"
KEYFILE = "/etc/mongodb/keyfile"
ADMIN_PASSWORD = "/etc/mongodb/admin-password"
APP_PASSWORD = "molecule-app-password-0123"  # from molecule.yml
ELECTION_TIMEOUT = 90.0

# Run on a member: connect with the given client options, run the action, print JSON.
SCRIPT = """
import json, sys
import pymongo
from pymongo.errors import OperationFailure, PyMongoError
args = json.loads(sys.argv[1])
options = args.pop("options", {})
client = pymongo.MongoClient(args.pop("uri"), serverSelectionTimeoutMS=5000, **options)
action = args["action"]
try:
    if action == "status":
        status = client.admin.command("replSetGetStatus")
        out = {m["name"]: m["stateStr"] for m in status["members"]}
    elif action == "hello":
        hello = client.admin.command("hello")
        out = {"primary": hello.get("primary", ""), "me": hello.get("me", "")}
    elif action == "list_databases":
        out = {"databases": client.list_database_names()}
    elif action == "write":
        majority = pymongo.WriteConcern(w="majority", wtimeout=20000)
        coll = client.nova.get_collection("marker", write_concern=majority)
        doc = {"_id": args["id"], "value": args["value"]}
        coll.replace_one({"_id": args["id"]}, doc, upsert=True)
        out = {"written": True, "address": list(client.address)}
    elif action == "read":
        secondary = pymongo.ReadPreference.SECONDARY
        coll = client.nova.get_collection("marker", read_preference=secondary)
        cursor = coll.find({"_id": args["id"]}).limit(1)
        doc = next(cursor, None)
        # The server that answered this query, not the client's primary.
        address = list(cursor.address) if cursor.address else None
        out = {"value": doc and doc["value"], "address": address}
    print(json.dumps(out))
except OperationFailure as exc:
    print(json.dumps({"error": "operation", "code": exc.code}))
except PyMongoError as exc:
    print(json.dumps({"error": type(exc).__name__}))
"""


def member(host, name):
    return testinfra.get_host(
        name, connection="ansible", ansible_inventory=host.backend.ansible_inventory
    )


# Each command on a node is one Ansible run: what does not change is read once.
_ADDRESSES: dict[str, str] = {}
_SECRETS: dict[str, str] = {}


def address_of(node):
    name = node.backend.get_hostname()
    if name not in _ADDRESSES:
        out = node.check_output("ip -4 -o addr show dev eth0")
        _ADDRESSES[name] = out.split()[3].split("/")[0]
    return _ADDRESSES[name]


def admin_password(host):
    if "admin" not in _SECRETS:
        _SECRETS["admin"] = member(host, "mongodb-1").file(ADMIN_PASSWORD).content_string.strip()
    return _SECRETS["admin"]


def mongo(node, action, uri, options=None, **args):
    payload = json.dumps({"uri": uri, "options": options or {}, "action": action, **args})
    out = node.check_output("python3 -c %s %s", SCRIPT, payload)
    return json.loads(out.strip().splitlines()[-1])


def tls(**extra):
    return {"tls": True, "tlsCAFile": CA, **extra}


def admin_uri(host, target="127.0.0.1"):
    return f"mongodb://admin:{admin_password(host)}@{target}:{PORT}/?authSource=admin"


def set_uri(host, user="app", password=APP_PASSWORD, source="nova"):
    seeds = ",".join(f"{address_of(member(host, m))}:{PORT}" for m in MEMBERS)
    return f"mongodb://{user}:{password}@{seeds}/?replicaSet=rs0&authSource={source}"


def states(host, via="mongodb-1"):
    return mongo(member(host, via), "status", admin_uri(host), tls(directConnection=True))


def wait_for(predicate, timeout=ELECTION_TIMEOUT, interval=2.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def test_mongod_runs_as_its_own_account(host):
    service = host.service("mongod")
    assert service.is_enabled and service.is_running
    assert host.user("mongodb").shell == "/usr/sbin/nologin"
    assert host.check_output("ps -o user= -C mongod").strip() == "mongodb"
    assert "db version v6.0.5" in host.check_output("/usr/local/bin/mongod --version")
    data = host.file("/var/lib/mongodb")
    assert data.user == "mongodb" and data.mode == 0o750


def test_config_binds_loopback_and_the_members_address_with_tls_and_auth(host):
    conf = host.file("/etc/mongod.conf")
    assert conf.user == "root" and conf.group == "mongodb" and conf.mode == 0o640
    text = conf.content_string
    assert f"bindIp: 127.0.0.1,{address_of(host)}" in text
    assert "mode: requireTLS" in text and "authorization: enabled" in text
    assert f"keyFile: {KEYFILE}" in text and "replSetName: rs0" in text


def test_listens_on_loopback_and_its_address_only(host):
    listening = host.check_output(f"ss -Hltn 'sport = :{PORT}'")
    bound = sorted(line.split()[3] for line in listening.splitlines())
    assert bound == sorted([f"127.0.0.1:{PORT}", f"{address_of(host)}:{PORT}"])


def test_keyfile_is_the_same_on_every_member_and_private(host):
    keyfile = host.file(KEYFILE)
    assert keyfile.user == "mongodb" and keyfile.group == "mongodb" and keyfile.mode == 0o400
    assert len(keyfile.content_string.strip()) >= 1000
    assert keyfile.sha256sum == member(host, "mongodb-1").file(KEYFILE).sha256sum


def test_admin_password_is_on_the_first_member_only(host):
    password = host.file(ADMIN_PASSWORD)
    if host.backend.get_hostname() == "mongodb-1":
        assert password.user == "root" and password.mode == 0o600
        assert len(password.content_string.strip()) >= 32
    else:
        assert not password.exists


def test_tls_key_is_private_and_the_certificate_names_the_member(host):
    pem = host.file("/etc/mongodb/tls/mongod.pem")
    assert pem.user == "mongodb" and pem.mode == 0o600
    text = host.check_output("openssl x509 -noout -text -in /etc/mongodb/tls/parts/10-mongod.crt")
    assert f"IP Address:{address_of(host)}" in text and "DNS:localhost" in text
    assert "TLS Web Server Authentication, TLS Web Client Authentication" in text
    assert host.run(f"openssl verify -CAfile {CA} /etc/mongodb/tls/parts/10-mongod.crt").rc == 0


def test_secrets_stay_out_of_the_journal(host):
    journal = host.check_output("journalctl -u mongod --no-pager -o cat")
    assert host.file(KEYFILE).content_string.strip()[:40] not in journal
    assert admin_password(host) not in journal


def test_a_connection_without_tls_is_refused(host):
    result = mongo(
        host, "list_databases", f"mongodb://127.0.0.1:{PORT}/", {"directConnection": True}
    )
    assert result.get("error") in {"ServerSelectionTimeoutError", "AutoReconnect"}


def test_a_command_without_credentials_is_refused(host):
    result = mongo(
        host, "list_databases", f"mongodb://127.0.0.1:{PORT}/", tls(directConnection=True)
    )
    assert result == {"error": "operation", "code": 13}  # Unauthorized


def test_a_wrong_password_is_refused(host):
    uri = set_uri(host, password="not-the-password-at-all")
    assert mongo(host, "list_databases", uri, tls()) == {"error": "operation", "code": 18}


def test_the_set_has_one_primary_and_two_secondaries(host):
    found = states(host, via=host.backend.get_hostname())
    assert sorted(found) == sorted(f"{address_of(member(host, m))}:{PORT}" for m in MEMBERS)
    assert sorted(found.values()) == ["PRIMARY", "SECONDARY", "SECONDARY"]


def reachable_from_here(address, port):
    try:
        socket.create_connection((address, port), timeout=3).close()
    except OSError:
        return False
    return True


def test_the_port_is_closed_to_a_host_outside_the_set(host):
    """The control host is on the members' network, and neither a member nor allowed."""
    address = address_of(host)
    # SSH is open to everyone, so the path is there and only the port is closed.
    assert reachable_from_here(address, 22)
    assert not reachable_from_here(address, PORT)
    probe = f"import socket; socket.create_connection(({address!r}, {PORT}), timeout=3).close()"
    other = member(host, next(m for m in MEMBERS if m != host.backend.get_hostname()))
    other.check_output("python3 -c %s", probe)
    rules = host.check_output("nft list table inet nova_filter")
    assert f"tcp dport {PORT} accept" in rules


def test_write_on_the_primary_is_read_on_a_secondary(host):
    node = member(host, "mongodb-1")
    written = mongo(node, "write", set_uri(host), tls(), id="replicated", value=f"v{time.time()}")
    assert written["written"] is True
    primary = ":".join(str(p) for p in written["address"])
    assert states(host)[primary] == "PRIMARY"
    value = mongo(node, "read", set_uri(host), tls(), id="replicated")
    assert value["address"] is not None
    secondary = ":".join(str(p) for p in value["address"])
    assert states(host)[secondary] == "SECONDARY"
    # The same document, read from each secondary directly.
    for name, state in states(host).items():
        if state == "SECONDARY":
            uri = f"mongodb://app:{APP_PASSWORD}@{name}/?authSource=nova&readPreference=secondary"
            direct = mongo(node, "read", uri, tls(directConnection=True), id="replicated")
            assert direct["value"] is not None


def test_stopping_the_primary_elects_another_and_the_old_one_returns_as_secondary(host):
    if host.backend.get_hostname() != "mongodb-1":
        pytest.skip("run once for the set, from mongodb-1")
    by_address = {f"{address_of(member(host, m))}:{PORT}": m for m in MEMBERS}
    old = next(a for a, s in states(host).items() if s == "PRIMARY")
    old_node = member(host, by_address[old])
    witness = member(host, next(m for a, m in by_address.items() if a != old))
    mongo(witness, "write", set_uri(host), tls(), id="before-failover", value="kept")

    old_node.check_output("systemctl stop mongod")
    try:

        def new_primary():
            found = mongo(witness, "hello", admin_uri(host), tls(directConnection=True))
            return found.get("primary") not in ("", old) and found.get("primary")

        elected = wait_for(new_primary)
        assert elected and elected != old, "no new primary within the timeout"
        written = mongo(witness, "write", set_uri(host), tls(), id="after-failover", value="new")
        assert written["written"] is True
    finally:
        old_node.check_output("systemctl start mongod")

    def old_is_secondary():
        found = mongo(old_node, "status", admin_uri(host), tls(directConnection=True))
        return found.get(old) == "SECONDARY"

    assert wait_for(old_is_secondary), "the old primary did not come back as a secondary"
    # It caught up with what was written while it was down.
    uri = f"mongodb://app:{APP_PASSWORD}@{old}/?authSource=nova&readPreference=secondary"
    caught_up = wait_for(
        lambda: mongo(old_node, "read", uri, tls(directConnection=True), id="after-failover")[
            "value"
        ]
    )
    assert caught_up == "new"


def test_the_dry_run_of_the_apt_path_changed_nothing(host):
    """side_effect ran the role with the apt method under --check (check.yml)."""
    assert not host.file("/etc/apt/sources.list.d/nova-mongodb-org.sources").exists
    assert not host.file("/etc/apt/keyrings/nova-mongodb-8.0.asc").exists
    unit = host.check_output("systemctl cat mongod.service")
    assert "ExecStart=/usr/local/bin/mongod --config /etc/mongod.conf" in unit
    assert not host.package("mongodb-org-server").is_installed
