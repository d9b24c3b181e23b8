"""A playbook of the installed nova.spark tarball changes a real host, and a second run does not.

The collection is built and installed away from the repository (as in the
integration tier's collection tests), then `ansible-playbook nova.spark.site`
runs from that install against a container of the sandbox image over the
docker connection. The system_check role (tag `system_check`) is the part of
the site playbook run here: it writes its local fact file, which the test
reads back from the container. The rest of the foundation runs in the
sandbox chain from the repository's own copy.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from collection_tarball import BIN, SOURCE, build, install, isolated_env, run

from nova.sandbox.docker import docker
from nova.sandbox.image import IMAGE, build_image


@pytest.fixture(scope="module")
def host(docker_daemon: None) -> Iterator[str]:
    build_image()
    name = f"nova-collection-test-{os.getpid()}"
    docker("run", "--detach", "--name", name, IMAGE, "sleep", "infinity")
    try:
        yield name
    finally:
        docker("rm", "--force", name, check=False)


def recap(output: str, host: str) -> dict[str, int]:
    match = re.search(rf"^{re.escape(host)}\s+:\s+(.*)$", output, re.MULTILINE)
    assert match, output
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


def test_site_from_the_installed_tarball_converges_a_host(host: str, tmp_path: Path) -> None:
    installed = install(build(SOURCE, tmp_path / "build"), tmp_path / "installed")
    env = isolated_env(tmp_path, installed)
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(
        f"{host} ansible_connection=community.docker.docker"
        " ansible_python_interpreter=/usr/bin/python3\n"
    )
    command = (
        str(BIN / "ansible-playbook"), "-i", str(inventory), "nova.spark.site",
        "--tags", "system_check",
    )  # fmt: skip

    first = run(*command, cwd=tmp_path, env=env, timeout=600)
    assert "PLAY [Foundation - each host's own base]" in first.stdout
    counts = recap(first.stdout, host)
    assert counts["failed"] == 0 and counts["unreachable"] == 0
    assert counts["changed"] >= 1, first.stdout  # the fact folder and file are new
    fact = json.loads(docker("exec", host, "cat", "/etc/ansible/facts.d/nova.fact"))
    assert int(fact["cpu"]["cores"]) >= 1

    second = run(*command, cwd=tmp_path, env=env, timeout=600)
    assert recap(second.stdout, host)["changed"] == 0, second.stdout
