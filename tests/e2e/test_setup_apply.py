"""`nova setup --packages ... --apply`, for real, inside a throwaway container.

`nova setup --apply` installs packages on the machine it runs on. Run on the
machine running the tests, it would change that machine; so the test runs it
in a container of the sandbox image that sees this checkout, its virtual
environment and the Python behind it at the same paths, read-only. There the
base_packages role, through ansible-runner against the `local` inventory,
installs a tiny harmless Debian package for real; dpkg in the container says
whether it did, and dpkg on this machine shows that nothing changed here.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nova.controller.packages import installed_versions
from nova.sandbox.docker import docker
from nova.sandbox.image import IMAGE, build_image

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "sl"
ABSENT = "nova-no-such-package"
NOVA_HOME = "/tmp/nova-home"


def _mounts() -> list[Path]:
    """The checkout, the virtual environment and the Python it was made from.

    A Python under /usr is the distribution's, which the image (the same
    Debian release) has at the same path; mounting over /usr would replace
    the container's system.
    """
    wanted = [ROOT, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    mounts: list[Path] = []
    for path in wanted:
        if path == Path("/usr") or path.is_relative_to(Path("/usr")):
            continue
        if not any(path.is_relative_to(m) for m in mounts):
            mounts.append(path)
    return mounts


@pytest.fixture(scope="module")
def control_node(docker_daemon: None) -> Iterator[str]:
    """A container standing in for a control node: Nova runs inside it as root."""
    build_image()
    name = f"nova-setup-test-{os.getpid()}"
    volumes = [arg for m in _mounts() for arg in ("--volume", f"{m}:{m}:ro")]
    docker("run", "--detach", "--name", name, *volumes, IMAGE, "sleep", "infinity")
    try:
        yield name
    finally:
        docker("rm", "--force", name, check=False)


def in_container(container: str, command: str) -> tuple[int, str]:
    """Run a shell command in the container; its exit code and its output."""
    script = f'cd {shlex.quote(str(ROOT))} && {command}; echo "rc=$?"'
    out = docker("exec", container, "sh", "-c", script, check=False)
    body, _, rc = out.rstrip("\n").rpartition("rc=")
    return int(rc), body


def nova_setup(container: str, *args: str) -> tuple[int, dict[str, object]]:
    bin_dir = Path(sys.executable).parent
    command = (
        f"NOVA_HOME={NOVA_HOME} PATH={shlex.quote(str(bin_dir))}:$PATH "
        f"{shlex.quote(sys.executable)} -m nova setup {shlex.join(args)} -o json"
    )
    rc, out = in_container(container, command)
    try:
        data: dict[str, object] = json.loads(out)
    except json.JSONDecodeError:
        pytest.fail(f"nova setup printed no JSON (exit {rc}):\n{out[-3000:]}")
    return rc, data


def dpkg_has(container: str, package: str) -> bool:
    rc, out = in_container(container, f"dpkg-query -W -f='${{Status}}' {package} 2>/dev/null")
    return rc == 0 and out.strip() == "install ok installed"


def test_nova_runs_in_the_container(control_node: str) -> None:
    rc, out = in_container(control_node, f"{shlex.quote(sys.executable)} -m nova --version")
    assert rc == 0, f"the checkout's Nova does not start in the container:\n{out}"
    assert not dpkg_has(control_node, PACKAGE), f"{PACKAGE} is in the image already"


def test_an_unknown_package_is_refused_by_name_before_anything_is_installed(
    control_node: str,
) -> None:
    rc, data = nova_setup(control_node, "--packages", PACKAGE, ABSENT, "--apply")
    assert rc == 1
    run = data["run"]
    assert isinstance(run, dict) and run["status"] == "failed"
    assert any(f"no installable package named {ABSENT}" in f for f in run["failures"])
    # The role stops before installing anything from the list.
    assert not dpkg_has(control_node, PACKAGE)


def test_apply_installs_the_missing_package_there_and_nothing_here(control_node: str) -> None:
    here_before = installed_versions([PACKAGE])
    rc, data = nova_setup(control_node, "--packages", "dpkg", PACKAGE, "--apply")
    assert rc == 0, data
    assert data["missing_before"] == [PACKAGE]
    run = data["run"]
    assert data["applied"] is True and isinstance(run, dict) and run["status"] == "successful"
    assert data["missing"] == []
    assert dpkg_has(control_node, PACKAGE)  # dpkg says so, not Nova
    # ansible-runner's artifacts of the run are kept under NOVA_HOME.
    rc, out = in_container(control_node, f"ls {NOVA_HOME}/setup/packages/artifacts")
    assert rc == 0 and out.split(), out
    assert installed_versions([PACKAGE]) == here_before


def test_a_second_apply_has_nothing_to_install(control_node: str) -> None:
    rc, data = nova_setup(control_node, "--packages", PACKAGE, "--apply")
    assert rc == 0, data
    assert data["missing_before"] == [] and data["applied"] is False
