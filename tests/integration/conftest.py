"""Real hosts for integration tests: a 2-node sandbox of systemd containers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from molecule_runs import MoleculeRuns

from nova.sandbox.docker import daemon_running

MOLECULE_PARALLEL = int(os.environ.get("NOVA_MOLECULE_PARALLEL", "4"))


def require_docker() -> None:
    """Docker is part of the test platform: CI installs and starts it (scripts/bootstrap.sh)."""
    if not daemon_running():
        if os.environ.get("CI"):
            pytest.fail("no Docker daemon in CI; scripts/bootstrap.sh should have started one")
        pytest.skip("no Docker daemon (run scripts/bootstrap.sh as root)")


@pytest.fixture
def docker_daemon() -> None:
    require_docker()


# The tests that build on one shared sandbox, longest path of the run: they go
# first (in this order), beside the Molecule scenarios. In a full run the other
# tests run at the same time, in a session of their own (see TEST_PARTS).
SANDBOX_CHAIN = (
    "orchestrate/test_orchestrate_sandbox.py",
    "test_sandbox_provision.py",
    # After provisioning, the backup role's packages are on both nodes already.
    "test_backup_cli.py",
)


# scripts/run-tests.sh runs a full suite as two sessions side by side, so the
# short tests do not wait for the sandbox chain to end: NOVA_TEST_PART=long
# selects the chain and the Molecule scenarios, NOVA_TEST_PART=short the rest.
TEST_PARTS = ("long", "short")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The sandbox chain first, the Molecule results last, everything else between."""
    rest = len(SANDBOX_CHAIN)

    def rank(item: pytest.Item) -> int:
        if getattr(item, "originalname", "") == "test_molecule_scenario":
            return rest + 1
        path = item.path.as_posix()
        for n, name in enumerate(SANDBOX_CHAIN):
            if path.endswith("tests/integration/" + name):
                return n
        return rest

    part = os.environ.get("NOVA_TEST_PART", "")
    if part:
        if part not in TEST_PARTS:
            raise pytest.UsageError(f"NOVA_TEST_PART: {part!r} is not one of {TEST_PARTS}")
        keep = [item for item in items if (rank(item) == rest) == (part == "short")]
        kept = set(map(id, keep))
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in kept])
        items[:] = keep
    items.sort(key=rank)  # stable: file order holds within each rank


@pytest.fixture(scope="session", autouse=True)
def molecule_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MoleculeRuns | None]:
    """Start every selected Molecule scenario when the integration tests begin."""
    scenarios = [
        item.callspec.params["scenario"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_molecule_scenario"
    ]
    if not scenarios:
        yield None
        return
    require_docker()
    from nova.sandbox.image import build_image

    build_image()
    runs = MoleculeRuns(scenarios, tmp_path_factory.mktemp("molecule"), MOLECULE_PARALLEL)
    try:
        yield runs
    finally:
        runs.close()


@pytest.fixture(scope="session")
def sandbox_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """NOVA_HOME and sandbox name of a 2-node sandbox, removed at the end."""
    require_docker()
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
