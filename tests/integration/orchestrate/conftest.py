"""Orchestrations against real worker processes whose handlers time themselves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from orchestrate_runs import MakeCatalogue

from nova.orchestrate.catalogue import Catalogue, load_catalogue

HERE = Path(__file__).resolve().parent


@pytest.fixture
def orchestrate_env(nova_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """NOVA_HOME for the run, and the file the timed handlers append to."""
    times = tmp_path / "times.jsonl"
    monkeypatch.setenv("NOVA_TEST_TIMES", str(times))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    return times


@pytest.fixture
def make_catalogue(tmp_path: Path) -> MakeCatalogue:
    def make(tasks: list[dict[str, object]]) -> Catalogue:
        path = tmp_path / "catalogue.yml"
        path.write_text(yaml.safe_dump({"apiVersion": "nova/v1", "tasks": tasks}))
        return load_catalogue(path)

    return make
