from __future__ import annotations

from pathlib import Path

import pytest

from nova.audit.log import AuditLog


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("NOVA_HOME", str(home))
    return home


@pytest.fixture
def filled_log(tmp_path: Path) -> AuditLog:
    """Ten entries, a signed checkpoint every five."""
    log = AuditLog(tmp_path / "audit.db", checkpoint_every=5)
    for index in range(1, 11):
        log.append("alice", "provision.phase", f"phase-{index}", None, {"n": index})
    return log
