"""`nova setup --packages ... --apply` on this machine, for real.

The base_packages role runs through ansible-runner against the `local`
inventory and installs a tiny harmless Debian package that is not yet
installed (sl or cowsay); the test removes it again afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from nova.packages import installed_versions

pytestmark = pytest.mark.integration

CANDIDATES = ("sl", "cowsay")
ABSENT = "nova-no-such-package"


def _require_root_debian() -> None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("installs a Debian package: needs root on a Debian or Ubuntu host")


@pytest.fixture
def uninstalled() -> Iterator[str]:
    """A tiny package that is not installed now, purged again after the test."""
    _require_root_debian()
    present = installed_versions(list(CANDIDATES))
    free = [name for name in CANDIDATES if name not in present]
    if not free:
        pytest.skip(f"{' and '.join(CANDIDATES)} are already installed here")
    yield free[0]
    if free[0] in installed_versions([free[0]]):
        subprocess.run(
            ["apt-get", "purge", "-y", "-q", free[0]],
            check=True,
            capture_output=True,
            timeout=300,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )


def test_apply_installs_the_missing_package(
    nova: Callable[..., Any], nova_home: Any, uninstalled: str
) -> None:
    result = nova("setup", "--packages", "dpkg", uninstalled, "--apply", "-o", "json")
    data = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert data["missing_before"] == [uninstalled]
    assert data["applied"] is True and data["run"]["status"] == "successful"
    assert data["missing"] == []
    assert uninstalled in installed_versions([uninstalled])  # dpkg says so, not Nova
    # ansible-runner's artifacts of the run are kept under NOVA_HOME.
    assert any((nova_home / "setup" / "packages" / "artifacts").iterdir())


def test_apply_refuses_an_unknown_package_by_name(
    nova: Callable[..., Any], nova_home: Any, uninstalled: str
) -> None:
    result = nova("setup", "--packages", uninstalled, ABSENT, "--apply", "-o", "json")
    data = json.loads(result.stdout)
    assert result.returncode == 1
    assert data["run"]["status"] == "failed"
    assert any(
        f"no installable package named {ABSENT}" in failure for failure in data["run"]["failures"]
    )
    # The role stops before installing anything from the list.
    assert uninstalled not in installed_versions([uninstalled])
