from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from monitor_helpers import AlertReceiver, alert_receiver


@pytest.fixture
def receiver() -> Iterator[AlertReceiver]:
    with alert_receiver() as state:
        yield state


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("NOVA_HOME", str(path))
    return path
