from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from opa_data_api import DataApiServer, running_data_api

from nova.policy.source import BUILTIN_DIR


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped policies."""
    target = tmp_path / "policies"
    shutil.copytree(BUILTIN_DIR, target)
    return target


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("NOVA_HOME", str(home))
    monkeypatch.delenv("NOVA_POLICY_DIR", raising=False)
    monkeypatch.delenv("NOVA_POLICY_ENGINE", raising=False)
    return home


@pytest.fixture
def opa_server() -> Iterator[DataApiServer]:
    """No OPA binary can be installed here: a loopback server follows its Data API."""
    with running_data_api() as server:
        yield server
