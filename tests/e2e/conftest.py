"""The end-to-end tier: Nova against a 2-node sandbox of systemd containers.

The tests that build on the shared sandbox run first, in the order an
operator would meet them (SANDBOX_CHAIN); the tests with containers of their
own follow.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SANDBOX_CHAIN = (
    "test_orchestrate_sandbox.py",
    "test_sandbox_provision.py",
    # After provisioning, the backup role's packages are on both nodes already.
    "test_backup_cli.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SANDBOX_CHAIN.index(name) if name in SANDBOX_CHAIN else len(SANDBOX_CHAIN)

    items.sort(key=rank)  # stable: file order holds within each rank


@pytest.fixture(scope="session")
def sandbox_env(
    docker_daemon: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """NOVA_HOME and sandbox name of a 2-node sandbox, removed at the end."""
    from nova.sandbox import nodes

    home = tmp_path_factory.mktemp("sandbox-home")
    env = {"NOVA_HOME": str(home), "NOVA_SANDBOX": f"nova-test-{os.getpid()}"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        nodes.up(2)
        yield env
    finally:
        nodes.down()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def sandbox_home(sandbox_env: dict[str, str]) -> Path:
    return Path(sandbox_env["NOVA_HOME"])
