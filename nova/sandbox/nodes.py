"""Sandbox nodes: start, inspect and remove them, and write their inventory.

Each node is a systemd container with its own SSH host keys. Nova creates a
`nova` user with passwordless sudo and the sandbox key, publishes sshd on
127.0.0.1 only, and writes the inventory `sandbox` under NOVA_HOME so that
Ansible reaches the nodes over SSH as it would reach a real cluster. The
nodes talk to each other over their own Docker network.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from nova.core.errors import InputError, NovaError
from nova.core.paths import ensure_home, fact_cache_dir, nova_home
from nova.sandbox.docker import daemon_running, docker, ensure_daemon
from nova.sandbox.image import IMAGE, build_image

LABEL = "io.nova.sandbox"
# The nodes share the controller's two cores: past this, a run is a test of patience.
MAX_NODES = 64
# systemd in a container takes about six inotify instances, counted against
# root's fs.inotify.max_user_instances with every other container's: short of
# them, systemd in the next container never finishes booting.
INOTIFY_PER_NODE = 8
INOTIFY_HEADROOM = 256
INOTIFY_LIMIT = Path("/proc/sys/fs/inotify/max_user_instances")
SSH_START_SECONDS = 120
USER = "nova"
RUN_FLAGS = [
    "--cap-add",
    "SYS_ADMIN",
    "--cap-add",
    "NET_ADMIN",
    "--tmpfs",
    "/run",
    "--tmpfs",
    "/run/lock",
    "--volume",
    "/sys/fs/cgroup:/sys/fs/cgroup:ro",
    "--device",
    "/dev/net/tun",
    "--publish",
    "127.0.0.1::22",
    # systemd shuts down cleanly on SIGRTMIN+3, not on Docker's default SIGTERM.
    "--stop-signal",
    "SIGRTMIN+3",
]


@dataclass(frozen=True)
class Node:
    name: str  # inventory host name, also the container's hostname
    container: str
    state: str
    ssh_port: int | None
    address: str | None  # on the sandbox network


def sandbox_name() -> str:
    """Containers, network and label share this name; NOVA_SANDBOX keeps test runs apart."""
    return os.environ.get("NOVA_SANDBOX", "nova-sandbox")


def network_name() -> str:
    return sandbox_name()


def sandbox_dir() -> Path:
    return nova_home() / "sandbox"


def inventory_file() -> Path:
    return nova_home() / "inventories" / "sandbox" / "hosts.json"


def key_file() -> Path:
    return sandbox_dir() / "id_ed25519"


def container_name(index: int) -> str:
    return f"{sandbox_name()}-node{index}"


def up(nodes: int) -> list[Node]:
    """Start nodes 1..N (reusing ones that exist) and write the inventory."""
    if not 1 <= nodes <= MAX_NODES:
        raise InputError("--nodes", None, f"must be between 1 and {MAX_NODES}")
    ensure_daemon()
    _ensure_inotify(nodes)
    build_image()
    ensure_home()
    _ensure_key()
    _ensure_network()
    existing = {n.container: n for n in status()}
    for index in range(1, nodes + 1):
        name = container_name(index)
        node = existing.get(name)
        if node is None:
            _create(index)
            # A new container has nothing of the cached facts of the one it replaces.
            _forget_facts()
        elif node.state != "running":
            docker("start", name)
    for index in range(1, nodes + 1):
        _prepare_access(container_name(index))
    running = [n for n in status() if n.state == "running"]
    _write_inventory(running)
    for node in running:
        _wait_for_ssh(node)
    return running


def _ensure_inotify(nodes: int) -> None:
    """Enough inotify instances for `nodes` more systemd containers, raised as root."""
    try:
        limit = int(INOTIFY_LIMIT.read_text(encoding="ascii"))
    except (OSError, ValueError):
        return  # not Linux's procfs: nothing to check
    needed = INOTIFY_HEADROOM + INOTIFY_PER_NODE * nodes
    if limit >= needed:
        return
    if os.geteuid() != 0:
        raise NovaError(
            f"fs.inotify.max_user_instances is {limit}; {nodes} sandbox nodes need about "
            f"{needed}: run `sysctl -w fs.inotify.max_user_instances={needed}` as root"
        )
    INOTIFY_LIMIT.write_text(f"{needed}\n", encoding="ascii")


def _ensure_key() -> None:
    sandbox_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
    if not key_file().exists():
        subprocess.run(
            [
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                "nova-sandbox",
                "-f",
                str(key_file()),
            ],
            check=True,
        )


def _ensure_network() -> None:
    if not docker("network", "ls", "-q", "--filter", f"name=^{network_name()}$").strip():
        docker("network", "create", "--label", f"{LABEL}={sandbox_name()}", network_name())


def _create(index: int) -> None:
    name = container_name(index)
    docker(
        "run",
        "--detach",
        "--name",
        name,
        "--hostname",
        f"node{index}",
        "--label",
        f"{LABEL}={sandbox_name()}",
        "--network",
        network_name(),
        *RUN_FLAGS,
        IMAGE,
        "/sbin/init",
    )


def _prepare_access(container: str) -> None:
    """The `nova` user, its key and sudo rule; safe to repeat."""
    public_key = key_file().with_suffix(".pub").read_text(encoding="utf-8").strip()
    script = f"""
set -e
for i in $(seq 1 100); do
  s=$(systemctl is-system-running 2>/dev/null || true)
  case "$s" in running|degraded) break;; esac
  sleep 0.1
done
id -u {USER} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash {USER}
install -d -m 0700 -o {USER} -g {USER} /home/{USER}/.ssh
printf '%s\\n' '{public_key}' > /home/{USER}/.ssh/authorized_keys
chown {USER}:{USER} /home/{USER}/.ssh/authorized_keys
chmod 0600 /home/{USER}/.ssh/authorized_keys
printf '%s\\n' '{USER} ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/90-nova-sandbox
chmod 0440 /etc/sudoers.d/90-nova-sandbox
if ! timeout {SSH_START_SECONDS} systemctl start ssh.service; then
  echo "$(hostname): sshd did not start; systemd is $(systemctl is-system-running 2>&1)" \
       "(a host short of inotify instances stops systemd booting in containers:" \
       "see fs.inotify.max_user_instances)" >&2
  exit 1
fi
"""
    docker("exec", container, "bash", "-c", script)


def status() -> list[Node]:
    ensure_daemon()
    ids = docker("ps", "-a", "-q", "--filter", f"label={LABEL}={sandbox_name()}").split()
    if not ids:
        return []
    nodes = [_node_from_inspect(item) for item in json.loads(docker("inspect", *ids))]
    return sorted(nodes, key=lambda n: (len(n.container), n.container))


def _node_from_inspect(item: dict[str, object]) -> Node:
    config = item.get("Config") or {}
    state = item.get("State") or {}
    network = item.get("NetworkSettings") or {}
    assert isinstance(config, dict) and isinstance(state, dict) and isinstance(network, dict)
    port: int | None = None
    for binding in (network.get("Ports") or {}).get("22/tcp") or []:
        port = int(binding["HostPort"])
    address = ((network.get("Networks") or {}).get(network_name()) or {}).get("IPAddress") or None
    return Node(
        name=str(config.get("Hostname", "")),
        container=str(item.get("Name", "")).lstrip("/"),
        state=str(state.get("Status", "unknown")),
        ssh_port=port,
        address=address,
    )


def _write_inventory(nodes: list[Node]) -> None:
    known_hosts = sandbox_dir() / "known_hosts"
    known_hosts.unlink(missing_ok=True)  # ports and host keys change with every node
    hostvars = {
        n.name: {
            "ansible_host": "127.0.0.1",
            "ansible_port": n.ssh_port,
            "nova_sandbox_container": n.container,
            "nova_sandbox_address": n.address,
        }
        for n in nodes
    }
    group_vars = {
        "ansible_user": USER,
        "ansible_become": True,
        "ansible_ssh_private_key_file": str(key_file()),
        "ansible_ssh_common_args": (
            f"-o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=accept-new"
        ),
        "ansible_python_interpreter": "/usr/bin/python3",
    }
    # Every node is also in `vpn`: the sandbox is a small cluster, meshed like a
    # real one; and in `data`, where the data-services phase runs. The first
    # node is the monitoring host (Prometheus and Alertmanager).
    document = {
        "groups": {
            "sandbox": {"hosts": sorted(hostvars), "vars": group_vars},
            "vpn": {"hosts": sorted(hostvars), "vars": {}},
            "monitoring": {"hosts": sorted(hostvars)[:1], "vars": {}},
            "data": {"hosts": sorted(hostvars), "vars": {}},
        },
        "hostvars": hostvars,
    }
    path = inventory_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def _wait_for_ssh(node: Node, timeout: float = 60.0) -> None:
    known_hosts = sandbox_dir() / "known_hosts"
    cmd = [
        "ssh",
        "-i",
        str(key_file()),
        "-p",
        str(node.ssh_port),
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=5",
        "-o",
        f"UserKnownHostsFile={known_hosts}",
        "-o",
        "StrictHostKeyChecking=accept-new",
        f"{USER}@127.0.0.1",
        "true",
    ]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(cmd, capture_output=True, check=False).returncode == 0:
            return
        time.sleep(0.5)
    raise NovaError(f"sandbox node {node.name} did not accept SSH on 127.0.0.1:{node.ssh_port}")


def down() -> list[str]:
    """Remove every sandbox container, the network and the inventory."""
    ensure_daemon()
    removed = [n.container for n in status()]
    if removed:
        docker("rm", "--force", "--volumes", *removed)
    if docker("network", "ls", "-q", "--filter", f"name=^{network_name()}$").strip():
        docker("network", "rm", network_name())
    inventory_file().unlink(missing_ok=True)
    (sandbox_dir() / "known_hosts").unlink(missing_ok=True)
    _forget_facts()
    return removed


def _forget_facts() -> None:
    cache = fact_cache_dir("sandbox")
    if cache.is_dir():
        for entry in cache.iterdir():
            entry.unlink(missing_ok=True)


def inventory_drift() -> str | None:
    """Why the written inventory no longer matches the running nodes, or None.

    A node that was stopped and started again listens on a new SSH port:
    the inventory still names the old one until `nova sandbox up` rewrites it.
    Nodes that are stopped are not drift (a run meets them as unreachable).
    """
    path = inventory_file()
    if not path.exists() or not daemon_running():
        return None
    try:
        hostvars = json.loads(path.read_text(encoding="utf-8")).get("hostvars") or {}
    except (OSError, ValueError):
        return None
    running = {n.name: n for n in status() if n.state == "running"}
    for name in sorted(hostvars, key=lambda h: (len(h), h)):
        written = hostvars[name].get("ansible_port")
        node = running.get(name)
        if node is not None and node.ssh_port != written:
            return f"{name} listens on 127.0.0.1:{node.ssh_port}, not {written}"
    missing = sorted(set(running) - set(hostvars), key=lambda h: (len(h), h))
    if missing:
        return f"{missing[0]} runs but is not in it"
    return None


def as_dicts(nodes: list[Node]) -> list[dict[str, object]]:
    return [asdict(n) for n in nodes]
