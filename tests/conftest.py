"""Fixtures shared by every tier: an isolated NOVA_HOME, the `nova` command, Docker.

The tiers are folders: unit/ (a plain `pytest` runs only this one), integration/
(real Redis, gRPC, restic and processes, no containers), molecule/ (every role's
scenario) and e2e/ (the sandbox). `make check`, `make integration`, `make
molecule` and `make e2e` run them; `make test` runs them all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from nova.sandbox.docker import daemon_running

ROOT = Path(__file__).resolve().parents[1]


SESSION_HOME: list[str] = [""]  # set once the session starts


def pytest_configure(config: pytest.Config) -> None:
    """A NOVA_HOME of the session's own, so no test writes the user's ~/.nova.

    Tests that look at what Nova stored take the `nova_home` fixture, a fresh
    folder each; this one catches the rest (a queue server's KPIs, the audit
    entries of its policy decisions).
    """
    os.environ["NOVA_HOME"] = SESSION_HOME[0] = tempfile.mkdtemp(prefix="nova-tests-home.")


def pytest_unconfigure(config: pytest.Config) -> None:
    if SESSION_HOME[0]:
        shutil.rmtree(SESSION_HOME[0], ignore_errors=True)


@pytest.fixture
def nova_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "nova-home"
    monkeypatch.setenv("NOVA_HOME", str(home))
    return home


def run_nova(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """The real command line, in a child process, as a user would run it."""
    full_env = {**os.environ, **(env or {})}
    bin_dir = str(Path(sys.executable).parent)
    full_env["PATH"] = bin_dir + os.pathsep + full_env.get("PATH", "")
    return subprocess.run(
        [sys.executable, "-m", "nova", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


@pytest.fixture
def nova() -> Iterator[object]:
    yield run_nova


def require_docker() -> None:
    """Docker is part of the container tiers' platform: `make molecule` and `make e2e` start it."""
    if not daemon_running():
        if os.environ.get("CI"):
            pytest.fail("no Docker daemon in CI; scripts/bootstrap.sh should have started one")
        pytest.skip("no Docker daemon (run scripts/bootstrap.sh as root)")


@pytest.fixture(scope="session")
def docker_daemon() -> None:
    require_docker()


TIERS = ("unit", "integration", "molecule", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test carries its tier's marker, from its folder: `-m integration` works too."""
    tests_dir = ROOT / "tests"
    for item in items:
        parts = (
            item.path.relative_to(tests_dir).parts if item.path.is_relative_to(tests_dir) else ()
        )
        if parts and parts[0] in TIERS:
            item.add_marker(parts[0])
