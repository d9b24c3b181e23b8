"""The integration tier: real Redis, gRPC servers, restic and worker processes.

No containers here: a test that needs Docker belongs to tests/e2e/ (or to a
role's Molecule scenario), so this tier runs on any machine with the Debian
packages bootstrap installs, without root and without a Docker daemon.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def docker_daemon() -> None:
    pytest.fail("the integration tier runs no containers; move this test to tests/e2e/")
