"""Real restic for the backup tests: Debian's `restic` package on this machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def restic() -> str:
    found = shutil.which("restic")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("restic is not installed; CI installs Debian's restic package")
        pytest.skip("restic is not installed (apt-get install restic)")
    return found


@pytest.fixture
def backup_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_backup_cli


def run_backup_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """`nova backup ...` in a child process, registered here if the CLI does not list it yet."""
    code = (
        "import sys\n"
        "from nova.cli import COMMANDS, main\n"
        "COMMANDS.setdefault('backup', ('nova.cli.backup:backup', 'Backups with restic.'))\n"
        "main(sys.argv[1:])\n"
    )
    full_env = {**os.environ, **(env or {})}
    full_env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + full_env.get("PATH", "")
    return subprocess.run(
        [sys.executable, "-c", code, "backup", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )
