"""The Molecule tier: every role's scenario, started together in the background."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from molecule_runs import MoleculeRuns

MOLECULE_PARALLEL = int(os.environ.get("NOVA_MOLECULE_PARALLEL", "4"))


@pytest.fixture(scope="session", autouse=True)
def molecule_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MoleculeRuns | None]:
    """Start every selected scenario when the session begins; each test awaits its own."""
    scenarios = [
        item.callspec.params["scenario"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_molecule_scenario"
    ]
    if not scenarios:
        yield None
        return
    request.getfixturevalue("docker_daemon")
    from nova.sandbox.image import build_image

    build_image()
    # `make molecule` keeps each scenario's log where `nova report tests
    # --molecule` reads them; elsewhere they go with the session's temporary files.
    log_dir = os.environ.get("NOVA_MOLECULE_LOGS")
    if log_dir:
        logs = Path(log_dir)
        logs.mkdir(parents=True, exist_ok=True)
    else:
        logs = tmp_path_factory.mktemp("molecule")
    runs = MoleculeRuns(scenarios, logs, MOLECULE_PARALLEL)
    try:
        yield runs
    finally:
        runs.close()
