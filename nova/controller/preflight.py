"""`nova setup`: a real preflight of the control node.

Each check measures something on this machine; none is assumed. A failed
check makes the whole preflight fail (exit 1); warnings do not.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path

import psutil

from nova.ansible import inventory as inventories
from nova.ansible.runner import ansible_env
from nova.controller.checks import FAIL, INFO, OK, WARN, Check, nvidia_gpus
from nova.core.paths import ensure_home
from nova.sandbox.docker import daemon_running

MIN_PYTHON = (3, 11)
MIN_ANSIBLE_CORE = (2, 17)
MIN_FREE_DISK_GB = 5.0
MIN_CPUS = 2
MIN_MEMORY_GB = 4.0


def run_preflight(inventory: str | None = None) -> list[Check]:
    home = ensure_home()
    checks = [
        check_python(),
        check_ansible(),
        check_docker(),
        check_disk(home),
        check_cpu(),
        check_memory(),
        check_gpu(),
        Check("nova home", OK, str(home)),
    ]
    if inventory:
        checks.extend(check_reachability(inventory))
    return checks


def check_python() -> Check:
    version = ".".join(str(v) for v in sys.version_info[:3])
    status = OK if sys.version_info[:2] >= MIN_PYTHON else FAIL
    return Check("python", status, f"{version} (need >= {'.'.join(map(str, MIN_PYTHON))})")


def check_ansible() -> Check:
    try:
        version = metadata.version("ansible-core")
    except metadata.PackageNotFoundError:
        return Check("ansible-core", FAIL, "not installed; pip install ansible-core")
    parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    status = OK if parts >= MIN_ANSIBLE_CORE else FAIL
    return Check(
        "ansible-core", status, f"{version} (need >= {'.'.join(map(str, MIN_ANSIBLE_CORE))})"
    )


def check_docker() -> Check:
    if daemon_running():
        return Check("docker", OK, "daemon reachable")
    return Check(
        "docker", WARN, "no reachable daemon; the sandbox needs one (apt-get install docker.io)"
    )


def check_disk(home: Path) -> Check:
    free_gb = psutil.disk_usage(str(home)).free / 1024**3
    status = OK if free_gb >= MIN_FREE_DISK_GB else FAIL
    return Check(
        "disk", status, f"{free_gb:.1f} GiB free under {home} (need >= {MIN_FREE_DISK_GB:g})"
    )


def check_cpu() -> Check:
    count = os.cpu_count() or 0
    status = OK if count >= MIN_CPUS else WARN
    return Check("cpu", status, f"{count} logical CPUs")


def check_memory() -> Check:
    total_gb = psutil.virtual_memory().total / 1024**3
    status = OK if total_gb >= MIN_MEMORY_GB else WARN
    return Check("memory", status, f"{total_gb:.1f} GiB total")


def check_gpu() -> Check:
    gpus = nvidia_gpus()
    if not gpus:
        return Check("gpu", INFO, "no NVIDIA GPU found (nvidia-smi absent or failing)")
    models = ", ".join(f"{g['model']} ({g['memory_mb']} MiB, driver {g['driver']})" for g in gpus)
    return Check("gpu", OK, f"{len(gpus)}: {models}")


def check_reachability(inventory_name: str) -> list[Check]:
    """Ping every host of the inventory through Ansible."""
    import ansible_runner

    inventory = inventories.resolve(inventory_name)
    hosts = inventories.list_hosts(inventory)
    run_dir = ensure_home() / "setup" / "ping"
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    runner = ansible_runner.run(
        private_data_dir=str(run_dir),
        host_pattern="all",
        module="ansible.builtin.ping",
        inventory=[str(s) for s in inventory.sources],
        envvars=ansible_env(),
        quiet=True,
        suppress_env_files=True,
    )
    stats = runner.stats or {}
    unreachable = set((stats.get("dark") or {}).keys()) | set((stats.get("failures") or {}).keys())
    return [
        Check(
            f"reach {host}",
            FAIL if host in unreachable else OK,
            "unreachable" if host in unreachable else "ping ok",
        )
        for host in hosts
    ]
