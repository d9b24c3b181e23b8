"""What nova_agent leaves on two hosts: the queue (entry point `queue`) serving
with mutual TLS off loopback behind the firewall, and a worker service that runs
the blueprint under its limits, asks the launch policy, and takes real tasks
from that queue with a client certificate from the Nova queue CA. Clients
without a certificate, or with one from another CA, are refused."""

import json
import time

import pytest

SERVICE = "nova-agent-planner"
NOVA = "/opt/nova/venv/bin/nova"
# The planner blueprint's resources: 256Mi and half a core.
MEMORY_MAX = str(256 * 2**20)
QUEUE_HOST = "nova-queue-bookworm"
AGENT_HOST = "nova-agent-bookworm"
SERVER = f"{QUEUE_HOST}:50071"
TLS = "/etc/nova-agent/tls"
CLIENT = f"--server {SERVER} --tls-ca {TLS}/ca.crt"
WITH_CERT = f"{CLIENT} --tls-cert {TLS}/client.crt --tls-key {TLS}/client.key"


def name_of(host) -> str:
    return host.ansible.get_variables()["inventory_hostname"]


@pytest.fixture
def agent(host):
    if name_of(host) != AGENT_HOST:
        pytest.skip("agent host only")
    return host


@pytest.fixture
def queue(host):
    if name_of(host) != QUEUE_HOST:
        pytest.skip("queue host only")
    return host


def show(host, prop):
    return host.check_output(f"systemctl show -p {prop} --value {SERVICE}")


def test_nova_is_installed_in_its_venv(agent):
    host = agent
    assert "0.1.0" in host.check_output(f"{NOVA} --version")
    rendered = json.loads(host.check_output("/opt/nova/venv/bin/python -m nova.agents.blueprints planner"))
    assert rendered["resources"]["memory"] == int(MEMORY_MAX)


def test_unit_carries_the_blueprint_limits_and_restart_policy(agent):
    host = agent
    unit = host.file(f"/etc/systemd/system/{SERVICE}.service")
    assert unit.mode == 0o644
    assert f"MemoryMax={MEMORY_MAX}" in unit.content_string
    assert show(host, "MemoryMax") == MEMORY_MAX
    assert show(host, "CPUQuotaPerSecUSec") == "500ms"
    assert show(host, "Restart") == "on-failure"


def test_worker_runs_as_its_own_account_with_the_blueprint(agent):
    host = agent
    assert host.service(SERVICE).is_running
    assert host.service(SERVICE).is_enabled
    pid = show(host, "MainPID")
    assert pid != "0"
    cmdline = host.file(f"/proc/{pid}/cmdline").content_string.split("\0")
    start = cmdline.index("--blueprint")
    assert cmdline[start : start + 10] == [
        "--blueprint", "planner", "--server", SERVER,
        "--tls-ca", f"{TLS}/ca.crt", "--tls-cert", f"{TLS}/client.crt", "--tls-key", f"{TLS}/client.key",
    ]  # fmt: skip
    user = host.check_output(f"ps -o user= -p {pid}")
    assert user == "nova-agent"


def test_worker_home_and_policies_are_private(agent):
    host = agent
    home = host.file("/var/lib/nova-agent")
    assert home.user == "nova-agent" and home.mode == 0o700
    policies = host.file("/etc/nova-agent/policies/agent.rego")
    assert policies.group == "nova-agent" and policies.mode == 0o640


def test_launch_was_allowed_by_policy_and_audited(agent):
    host = agent
    script = (
        "import sqlite3; db = sqlite3.connect('/var/lib/nova-agent/audit.db'); "
        "print([r[0] for r in db.execute('SELECT action FROM entries')])"
    )
    actions = host.check_output(f"/opt/nova/venv/bin/python -c \"{script}\"")
    assert "policy.decision" in actions
    assert "agent.worker.launch" in actions


def wait_settled(host, task_id, deadline):
    while time.monotonic() < deadline:
        task = json.loads(host.check_output(f"{NOVA} queue show {task_id} {WITH_CERT} -o json"))
        if task["state"] in ("succeeded", "dead"):
            return task
        time.sleep(0.5)
    raise AssertionError(f"task {task_id} did not settle")


def enqueue(host, skill, deadline):
    while time.monotonic() < deadline:
        cmd = host.run(f"{NOVA} queue enqueue {skill} --skill {skill} {WITH_CERT} -o json")
        if cmd.rc == 0:
            return json.loads(cmd.stdout)[0]["task_id"]
        time.sleep(0.5)  # the queue server is still starting
    raise AssertionError(f"the queue server did not come up: {cmd.stderr}")


def test_keys_are_the_workers_and_private_and_certificates_chain_to_the_ca(agent):
    key = agent.file(f"{TLS}/client.key")
    assert key.user == "nova-agent" and key.mode == 0o600
    assert agent.file(TLS).mode == 0o750
    # The certificate belongs to the key made on this host, names the host, and the CA signed it.
    cert_key = agent.check_output(f"openssl x509 -noout -pubkey -in {TLS}/client.crt")
    assert cert_key == agent.check_output(f"openssl pkey -pubout -in {TLS}/client.key")
    assert agent.check_output(f"openssl x509 -noout -subject -nameopt RFC2253 -in {TLS}/client.crt") == (
        f"subject=CN=agent-planner@{AGENT_HOST}"
    )
    assert "TLS Web Client Authentication" in agent.check_output(f"openssl x509 -noout -text -in {TLS}/client.crt")
    assert agent.check_output(f"openssl verify -CAfile {TLS}/ca.crt {TLS}/client.crt").endswith("OK")
    # The CA's key stays on the control node.
    assert not agent.file(f"{TLS}/ca.key").exists


def queue_address(queue):
    return queue.check_output("ip -o route get 192.0.2.1 | sed -n 's/.* src \\([^ ]*\\).*/\\1/p'")


def test_queue_serves_mtls_on_its_network_address_only(queue):
    assert queue.service("nova-queue").is_running and queue.service("nova-queue").is_enabled
    address = queue_address(queue)
    assert address and not address.startswith("127.")
    assert queue.socket(f"tcp://{address}:50071").is_listening
    assert not queue.socket("tcp://127.0.0.1:50071").is_listening
    assert not queue.socket("tcp://0.0.0.0:50071").is_listening
    key = queue.file(f"{TLS}/server.key")
    assert key.user == "nova-agent" and key.mode == 0o600
    text = queue.check_output(f"openssl x509 -noout -text -in {TLS}/server.crt")
    assert f"DNS:{QUEUE_HOST}" in text and f"IP Address:{address}" in text
    assert "TLS Web Server Authentication" in text
    assert queue.check_output(f"openssl verify -CAfile {TLS}/ca.crt {TLS}/server.crt").endswith("OK")
    assert not queue.file(f"{TLS}/ca.key").exists


def test_firewall_opens_the_queue_port_to_the_agent_host_only(queue):
    agent_address = queue.check_output(f"getent hosts {AGENT_HOST}").split()[0]
    rules = queue.check_output("nft list chain inet nova_filter input")
    assert "policy drop" in rules
    port_rules = [line.strip() for line in rules.splitlines() if "50071" in line]
    assert port_rules == [f'ip saddr {agent_address} tcp dport 50071 accept comment "nova queue: agent hosts"']


def test_worker_takes_tasks_over_mtls_and_reports_what_really_ran(agent):
    # Generous: in CI this runs beside other scenarios on two busy cores.
    deadline = time.monotonic() + 300
    # The catalogue ships in the package: the pipeline check runs on a bare host.
    done = wait_settled(agent, enqueue(agent, "agents.pipeline", deadline), deadline)
    assert done["state"] == "succeeded", done
    # Claimed by the service's worker, over its own mTLS connection.
    pid = show(agent, "MainPID")
    assert done["worker_id"].startswith(f"{AGENT_HOST}-{pid}-"), done
    # The phase plan does not ship: that task fails for good, saying why, never "succeeded".
    dead = wait_settled(agent, enqueue(agent, "plan.order", deadline), deadline)
    assert dead["state"] == "dead"
    assert "plan file not found" in dead["error"]


def test_the_queue_knows_the_worker_by_its_certificate_and_allows_only_its_skills(agent):
    # The certificate names agent-planner@<host>: the planner blueprint's worker, which
    # may enqueue and claim the planner's skills (above) and nothing else.
    refused = agent.run(f"{NOVA} queue enqueue provision {WITH_CERT} -o json")
    assert refused.rc != 0
    assert f"PERMISSION_DENIED: agent-planner@{AGENT_HOST} may not enqueue provision" in refused.stderr


def test_client_without_a_certificate_is_refused(agent):
    # The same call with the CA's client certificate goes through...
    stats = json.loads(agent.check_output(f"{NOVA} queue stats {WITH_CERT} -o json"))
    assert stats["workers"] >= 1
    # ... without one the handshake fails: UNAVAILABLE, which the CLI reports as unreachable.
    refused = agent.run(f"{NOVA} queue stats {CLIENT} -o json")
    assert refused.rc != 0
    assert f"queue at {SERVER} is not reachable" in refused.stderr
    # And in plain text, no TLS at all, it is no better.
    plain = agent.run(f"{NOVA} queue stats --server {SERVER} -o json")
    assert plain.rc != 0 and "not reachable" in plain.stderr


def test_client_with_a_certificate_from_another_ca_is_refused(agent):
    work = "/tmp/other-ca"
    agent.check_output(
        f"rm -rf {work} && mkdir -m 700 {work} && cd {work} && "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout ca.key -out ca.crt "
        "-subj '/CN=Nova queue CA' -days 1 -addext basicConstraints=critical,CA:TRUE "
        "-addext keyUsage=critical,keyCertSign && "
        # The same common name as the real worker's: only the issuer differs.
        f"openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout client.key -out client.csr "
        f"-subj '/CN={AGENT_HOST}' && "
        "printf 'extendedKeyUsage=clientAuth\\nbasicConstraints=CA:FALSE\\n' > ext && "
        "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 "
        "-extfile ext -out client.crt && chmod 600 client.key"
    )
    # The impostor's certificate is well formed: it verifies against its own CA.
    assert agent.check_output(f"openssl verify -CAfile {work}/ca.crt {work}/client.crt").endswith("OK")
    refused = agent.run(f"{NOVA} queue stats {CLIENT} --tls-cert {work}/client.crt --tls-key {work}/client.key -o json")
    assert refused.rc != 0
    assert f"queue at {SERVER} is not reachable" in refused.stderr
