"""Load the node_exporter role's collector scripts as modules for the tests."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from nova.core.paths import project_root

FILES = project_root() / "roles" / "node_exporter" / "files"


def load(name: str) -> ModuleType:
    path = FILES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def gpu_collector() -> ModuleType:
    return load("nova-gpu-collector")


@pytest.fixture(scope="session")
def facts_collector() -> ModuleType:
    return load("nova-facts-collector")
