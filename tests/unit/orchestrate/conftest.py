"""Catalogues written to a temporary folder, checked against the project's phase plan."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from orchestrate_catalogues import WriteCatalogue, task

from nova.orchestrate.catalogue import Catalogue, load_catalogue


@pytest.fixture
def write_catalogue(tmp_path: Path) -> WriteCatalogue:
    def write(tasks: list[dict[str, object]]) -> Path:
        path = tmp_path / "catalogue.yml"
        path.write_text(yaml.safe_dump({"apiVersion": "nova/v1", "tasks": tasks}))
        return path

    return write


@pytest.fixture
def small_catalogue(write_catalogue: WriteCatalogue) -> Catalogue:
    """Two foundation tasks in a chain, one observability task after the first."""
    return load_catalogue(
        write_catalogue(
            [
                task("second", depends_on=["first"]),
                task("first"),
                task("watch", agent="aura", phase="observability", depends_on=["first"]),
            ]
        )
    )
