"""The sandbox image boots as a host that Ansible can reach at once.

Molecule runs its first task as soon as a container is up, while systemd is
still booting. Before the image kept /tmp at boot, systemd-tmpfiles emptied it
then, and a module whose payload was already in /tmp failed ("No such file or
directory: /tmp/ansible_..._payload.zip").
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from nova.sandbox.docker import docker
from nova.sandbox.image import IMAGE, build_image


@pytest.fixture
def booting_container(docker_daemon: None) -> Iterator[str]:
    build_image()
    name = f"nova-image-test-{os.getpid()}"
    # A Molecule platform's flags (molecule/*/molecule.yml), whose first task
    # met the race; nodes.RUN_FLAGS adds what sandbox nodes need besides.
    docker(
        "run", "--detach", "--name", name, "--cap-add", "SYS_ADMIN",
        "--tmpfs", "/run", "--tmpfs", "/run/lock",
        "--volume", "/sys/fs/cgroup:/sys/fs/cgroup:ro", "--cgroupns", "host",
        IMAGE, "/sbin/init",
    )  # fmt: skip
    try:
        yield name
    finally:
        docker("rm", "--force", name, check=False)


def test_files_written_to_tmp_during_boot_survive_it(booting_container: str) -> None:
    docker("exec", booting_container, "sh", "-c", "mkdir /tmp/payload && touch /tmp/payload/zip")
    state = ""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = docker("exec", booting_container, "systemctl", "is-system-running", check=False)
        if state.strip() in ("running", "degraded"):
            break
        time.sleep(1)
    assert state.strip() in ("running", "degraded"), f"the container never booted: {state}"
    assert docker("exec", booting_container, "ls", "/tmp/payload").split() == ["zip"]
