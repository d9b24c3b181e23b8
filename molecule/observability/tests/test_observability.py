"""The observability phase on real containers: Prometheus scrapes both nodes
through their firewalls, and alerts travel Prometheus -> Alertmanager -> Nova's
receiver -> the audit log when an exporter stops, when it comes back, and when
a backup record is made too old."""

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import testinfra

from nova.audit.log import AuditLog
from nova.audit.verify import verify

testinfra_hosts = ["obs-monitor"]

NODES = ["obs-node1", "obs-node2"]
AUDIT_DB = "/var/lib/nova-alerts/audit.db"
TOKEN = "/etc/nova-alerts/token"
# The scenario's settings (converge.yml): scrape and evaluate every 5 s, host
# down after 15 s, Alertmanager's group_wait 1 s and group_interval 5 s.
SCRAPE = 5
EVALUATION = 5
FOR = 15
GROUP_WAIT = 1
GROUP_INTERVAL = 5
# Docker on 2 shared cores: the time a systemctl or a query takes to land.
SLACK = 10


def other(host, name):
    return testinfra.get_host(name, connection="ansible", ansible_inventory=host.backend.ansible_inventory)


def address_of(host):
    return host.check_output("ip -4 -o addr show dev eth0").split()[3].split("/")[0]


def query(host, promql):
    script = (
        "import json, sys, urllib.parse, urllib.request\n"
        "url = 'http://127.0.0.1:9090/api/v1/query?' + urllib.parse.urlencode({'query': sys.argv[1]})\n"
        "print(urllib.request.urlopen(url, timeout=5).read().decode())\n"
    )
    body = json.loads(host.check_output("python3 -c %s %s", script, promql))
    assert body["status"] == "success", body
    return {r["metric"].get("instance", ""): float(r["value"][1]) for r in body["data"]["result"]}


def wait_for(check, timeout, step=1.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def audit_entries(host, since=0):
    """The receiver's audit log, copied off the host and read with Nova's own code."""
    data = host.file(AUDIT_DB).content
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "audit.db"
        path.write_bytes(data)
        return [e for e in AuditLog(path).entries() if e.seq > since]


def alert_entries(host, action, alertname, instance, since=0):
    subject = f"{alertname} {instance}"
    return [e for e in audit_entries(host, since) if e.action == action and e.subject == subject]


def last_seq(host):
    entries = audit_entries(host)
    return entries[-1].seq if entries else 0


def nova_monitor_status(host):
    nova = Path(sys.executable).parent / "nova"
    inventory = host.backend.ansible_inventory
    done = subprocess.run(
        [str(nova), "monitor", "status", "-i", inventory, "-o", "json"],
        capture_output=True, text=True, check=False, env={**os.environ},
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_prometheus_scrapes_both_nodes(host):
    up = wait_for(lambda: {i: v for i, v in query(host, 'up{job="nova_node"}').items() if v == 1.0}
                  .keys() >= set(NODES) and query(host, 'up{job="nova_node"}'), timeout=60)
    assert up, query(host, 'up{job="nova_node"}')
    for node in NODES:
        assert up[node] == 1.0


def test_nova_collectors_reach_prometheus(host):
    gpus = wait_for(lambda: query(host, "nova_gpu_count"), timeout=60)
    # No GPU and no NVML in these containers: the collector says so, it does not fail.
    assert all(gpus.get(node) == 0.0 for node in NODES), gpus
    parts = query(host, 'nova_facts_part_success{part="backup"}')
    assert all(parts.get(node) == 1.0 for node in NODES), parts


def test_exporter_port_is_open_to_the_monitoring_host_only(host):
    node1, node2 = other(host, "obs-node1"), other(host, "obs-node2")
    target = address_of(node1)
    probe = f"import socket; socket.create_connection(({target!r}, 9100), timeout=3).close()"
    assert host.run("python3 -c %s", probe).rc == 0
    assert node2.run("python3 -c %s", probe).rc != 0


def test_servers_listen_on_loopback_only(host):
    listening = host.check_output("ss -Hltn")
    for port in (9090, 9093, 9095):
        assert f"127.0.0.1:{port} " in listening, listening
        assert f"0.0.0.0:{port} " not in listening and f"*:{port} " not in listening
    assert ":9094 " not in listening  # Alertmanager's cluster port is off


def test_rules_and_configuration_were_checked_and_loaded(host):
    assert host.run("promtool check rules /etc/prometheus/rules/nova.rules.yml").rc == 0
    assert host.run("amtool check-config /etc/prometheus/alertmanager.yml").rc == 0
    assert query(host, 'ALERTS{alertname="NovaHostDown"}') == {}


def test_receiver_token_is_private_and_required(host):
    token = host.file(TOKEN)
    assert token.user == "root" and token.group == "prometheus" and token.mode == 0o640
    script = (
        "import urllib.request, urllib.error\n"
        "req = urllib.request.Request('http://127.0.0.1:9095/alerts', data=b'{\"alerts\": []}',"
        " headers={'Authorization': 'Bearer wrong'})\n"
        "try:\n"
        "    urllib.request.urlopen(req, timeout=5)\n"
        "except urllib.error.HTTPError as e:\n"
        "    print(e.code)\n"
    )
    assert host.check_output("python3 -c %s", script) == "401"


def test_stopped_exporter_fires_host_down_then_resolves(host):
    node2 = other(host, "obs-node2")
    since = last_seq(host)
    stopped = time.monotonic()
    node2.check_output("systemctl stop prometheus-node-exporter")
    try:
        # Detection: the next scrape (SCRAPE), then FOR held across evaluations,
        # then the evaluation that fires it and Alertmanager's group_wait.
        budget = SCRAPE + FOR + EVALUATION + GROUP_WAIT + SLACK
        fired = wait_for(
            lambda: alert_entries(host, "alert.firing", "NovaHostDown", "obs-node2", since),
            timeout=budget,
        )
        took = time.monotonic() - stopped
        assert fired, f"no NovaHostDown firing for obs-node2 in the audit log within {budget}s"
        print(f"NovaHostDown reached the audit log {took:.1f}s after the exporter stopped")
        assert fired[0].payload["labels"]["severity"] == "critical"
        # `nova monitor status` reads the same through Ansible, from the controller.
        state = nova_monitor_status(host)
        targets = {(t["job"], t["instance"]): t["health"] for s in state["servers"] for t in s["targets"]}
        assert targets[("nova_node", "obs-node2")] == "down"
        assert targets[("nova_node", "obs-node1")] == "up"
        firing = {(a["name"], a["instance"]) for s in state["servers"] for a in s["alerts"]
                  if a["state"] == "firing"}
        assert ("NovaHostDown", "obs-node2") in firing
    finally:
        node2.check_output("systemctl start prometheus-node-exporter")
    started = time.monotonic()
    budget = SCRAPE + EVALUATION + GROUP_INTERVAL + SLACK
    resolved = wait_for(
        lambda: alert_entries(host, "alert.resolved", "NovaHostDown", "obs-node2", since),
        timeout=budget,
    )
    assert resolved, f"NovaHostDown for obs-node2 was not resolved within {budget}s"
    print(f"resolved {time.monotonic() - started:.1f}s after the exporter started")


def test_backup_older_than_allowed_fires(host):
    node1 = other(host, "obs-node1")
    since = last_seq(host)
    # The record the backup role's job writes, three days old against the 48 h allowed.
    old = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 3 * 86400))
    record = json.dumps({"time": old, "host": "obs-node1", "status": "ok", "snapshot": "0123abcd"})
    node1.check_output("mkdir -p /var/lib/nova-backup")
    node1.check_output("printf %s %s > /var/lib/nova-backup/last-run.json", "%s", record)
    try:
        node1.check_output("systemctl start nova-textfile-collectors.service")
        budget = SCRAPE + FOR + EVALUATION + GROUP_WAIT + SLACK
        fired = wait_for(
            lambda: alert_entries(host, "alert.firing", "NovaBackupTooOld", "obs-node1", since),
            timeout=budget,
        )
        assert fired, f"no NovaBackupTooOld firing for obs-node1 within {budget}s"
        age = query(host, 'time() - nova_backup_last_run_timestamp_seconds{instance="obs-node1"}')
        assert age["obs-node1"] > 3 * 86400 - 60
    finally:
        node1.check_output("rm -f /var/lib/nova-backup/last-run.json")
        node1.check_output("systemctl start nova-textfile-collectors.service")


def test_audit_log_chain_is_intact(host):
    data = host.file(AUDIT_DB).content
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "audit.db"
        path.write_bytes(data)
        result = verify(AuditLog(path))
        assert result.ok, result.to_dict()
        with sqlite3.connect(path) as db:
            actions = {row[0] for row in db.execute("SELECT action FROM entries")}
    assert {"alerts.receive", "alert.firing"} <= actions
