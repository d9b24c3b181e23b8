from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nova.kpi.store import KpiStore


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("NOVA_HOME", str(home))
    return home


@pytest.fixture
def store(tmp_path: Path) -> Iterator[KpiStore]:
    kpis = KpiStore(tmp_path / "kpi.db")
    yield kpis
    kpis.close()
