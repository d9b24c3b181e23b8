"""An inventory on disk, the shape the VPN plans read."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml


@pytest.fixture
def write_inventory(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(vpn_hosts: dict[str, dict[str, object]], group: str = "vpn") -> Path:
        path = tmp_path / "hosts.yml"
        document = {"all": {"children": {group: {"hosts": vpn_hosts}}}}
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return path

    return write
