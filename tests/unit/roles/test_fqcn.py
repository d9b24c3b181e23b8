"""Playbooks name the collection's roles and filters by FQCN: nova.spark.<name>.

A short name (`role: firewall`) only works where roles_path reaches the roles
of a clone; `nova.spark.firewall` also works from the collection's tarball.
Inside a role the collection loads, Ansible ignores the role's own
filter_plugins/: the filters live in the collection's plugins/filter/ and are
called as `nova.spark.<filter>`.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from nova.core.paths import project_root

ROOT = project_root()
ROLES_DIR = ROOT / "roles"
COLLECTION = ROLES_DIR.resolve().parent
ROLES = sorted(p.name for p in ROLES_DIR.iterdir() if (p / "tasks").is_dir())
ROLE_ACTIONS = re.compile(r"^(ansible\.(builtin|legacy)\.)?(include_role|import_role)$")


def playbook_files() -> list[Path]:
    """Every YAML file of the repository that holds plays."""
    found = []
    for folder in ("playbooks", "molecule"):
        for path in sorted((ROOT / folder).rglob("*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if isinstance(data, list) and any(
                isinstance(p, dict)
                and (
                    "hosts" in p or "import_playbook" in p or "ansible.builtin.import_playbook" in p
                )
                for p in data
            ):
                found.append(path)
    return found


def role_references(node: Any) -> Iterator[str]:
    """Role names in `roles:` lists and in include_role / import_role tasks, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "roles" and isinstance(value, list):
                for entry in value:
                    if isinstance(entry, str):
                        yield entry
                    elif isinstance(entry, dict):
                        yield str(entry.get("role", entry.get("name")))
            elif ROLE_ACTIONS.match(str(key)) and isinstance(value, dict):
                yield str(value.get("name"))
            yield from role_references(value)
    elif isinstance(node, list):
        for item in node:
            yield from role_references(item)


def collection_filters() -> set[str]:
    names: set[str] = set()
    for path in sorted((COLLECTION / "plugins" / "filter").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"nova_spark_filter_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        names |= set(module.FilterModule().filters())
    return names


PLAYBOOKS = playbook_files()


def test_playbooks_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in PLAYBOOKS}
    assert {"playbooks/foundation.yml", "molecule/firewall/converge.yml"} <= names


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_roles_are_called_by_fqcn(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    wrong = [
        r
        for r in role_references(data)
        if r.removeprefix("nova.spark.") not in ROLES or not r.startswith("nova.spark.")
    ]
    assert wrong == [], "roles must be nova.spark.<role>, one of " + ", ".join(ROLES)


# Roles of the data-services phase (playbooks/data-services.yml), not the foundation's.
DATA_SERVICES_ROLES = {"mongodb"}


def test_every_foundation_role_is_referenced() -> None:
    data = yaml.safe_load((ROOT / "playbooks" / "foundation.yml").read_text(encoding="utf-8"))
    foundation = [r for r in ROLES if r != "nova_agent" and r not in DATA_SERVICES_ROLES]
    assert set(role_references(data)) == {f"nova.spark.{r}" for r in foundation}


def test_every_data_services_role_is_referenced() -> None:
    data = yaml.safe_load((ROOT / "playbooks" / "data-services.yml").read_text(encoding="utf-8"))
    assert {f"nova.spark.{r}" for r in DATA_SERVICES_ROLES} <= set(role_references(data))


def test_the_collection_has_the_filters() -> None:
    assert {
        "wireguard_layout",
        "wireguard_pairs",
        "openvpn_network_netmask",
    } <= collection_filters()


@pytest.mark.parametrize("role", ROLES)
def test_roles_call_the_collection_filters_by_fqcn(role: str) -> None:
    filters = collection_filters()
    bare = []
    for path in sorted((ROLES_DIR / role).rglob("*")):
        if path.suffix not in (".yml", ".j2") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\|\s*([A-Za-z_][\w.]*)", text):
            if match.group(1) in filters:
                line = text.count("\n", 0, match.start()) + 1
                bare.append(f"{path.relative_to(ROLES_DIR)}:{line}: {match.group(1)}")
    assert bare == [], "call them as nova.spark.<filter>"


def test_molecule_finds_the_collection() -> None:
    """Molecule writes its own ansible.cfg, so the repository's collections_path is not read."""
    shared = yaml.safe_load((ROOT / ".config" / "molecule" / "config.yml").read_text())
    env = shared["provisioner"]["env"]
    assert env["ANSIBLE_COLLECTIONS_PATH"] == "${MOLECULE_PROJECT_DIRECTORY}/collections"
    for scenario in sorted((ROOT / "molecule").glob("*/molecule.yml")):
        own = yaml.safe_load(scenario.read_text()).get("provisioner", {}).get("env", {})
        assert "ANSIBLE_COLLECTIONS_PATH" not in own, scenario
