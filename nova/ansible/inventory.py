"""Named inventories and inventory paths, checked before Ansible sees them.

`--inventory spark` means `inventories/spark/` in the project, or
`$NOVA_HOME/inventories/spark/` for inventories Nova writes itself. Any other
value is taken as a path. YAML inventory files are checked here so that a
broken one gets an error naming the file and the field, not a warning from
deep inside Ansible.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nova.ansible.runner import ansible_env
from nova.core.errors import InputError
from nova.core.paths import nova_home, project_root
from nova.core.yamlfile import load_yaml

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
GROUP_KEYS = {"hosts", "vars", "children"}
YAML_SUFFIXES = {".yml", ".yaml", ".json"}
VARS_DIRS = {"group_vars", "host_vars"}


@dataclass(frozen=True)
class Inventory:
    name: str
    sources: tuple[Path, ...]

    @property
    def display(self) -> str:
        return ", ".join(str(s) for s in self.sources)


def known_names() -> list[str]:
    names: set[str] = set()
    for base in (project_root() / "inventories", nova_home() / "inventories"):
        if base.is_dir():
            names.update(p.name for p in base.iterdir() if p.is_dir())
    return sorted(names)


def resolve(value: str) -> Inventory:
    """Turn `--inventory NAME|PATH` into the sources Ansible reads."""
    path = Path(value).expanduser()
    if os.sep in value or path.is_file():
        if not path.exists():
            raise InputError(value, "--inventory", "no such inventory file or folder")
        inventory = Inventory(name=path.name, sources=(path.resolve(),))
    elif NAME_RE.match(value):
        inventory = _resolve_name(value)
    else:
        raise InputError(value, "--inventory", "not an inventory name or path")
    for source in inventory.sources:
        validate_source(source)
    return inventory


def _resolve_name(name: str) -> Inventory:
    project_dir = project_root() / "inventories" / name
    home_dir = nova_home() / "inventories" / name
    if name == "sandbox":
        # The project's sandbox folder holds its group_vars and a script that
        # reads the hosts `nova sandbox up` wrote under NOVA_HOME.
        if not (home_dir / "hosts.json").is_file():
            raise InputError(
                "sandbox", "--inventory", "the sandbox is not up; run `nova sandbox up` first"
            )
        return Inventory(name=name, sources=(project_dir,))
    if project_dir.is_dir():
        return Inventory(name=name, sources=(project_dir,))
    if home_dir.is_dir():
        return Inventory(name=name, sources=(home_dir,))
    known = ", ".join(known_names()) or "none"
    raise InputError(name, "--inventory", f"no inventory with that name (known: {known})")


def validate_source(source: Path) -> None:
    """Check every YAML inventory and vars file under a source."""
    files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
    for file in files:
        if file.suffix not in YAML_SUFFIXES:
            continue
        document = load_yaml(file)
        if VARS_DIRS & set(file.relative_to(source).parts if source.is_dir() else ()):
            if document is not None and not isinstance(document, dict):
                raise InputError(file, None, "variables file must be a mapping")
            continue
        _check_groups(file, document)


def _check_groups(file: Path, document: Any) -> None:
    if document is None:
        return
    if not isinstance(document, dict):
        raise InputError(file, None, "an inventory must be a mapping of groups")
    for group, body in document.items():
        _check_group(file, str(group), body)


def _check_group(file: Path, where: str, body: Any) -> None:
    if body is None:
        return
    if not isinstance(body, dict):
        raise InputError(file, where, "a group must be a mapping of hosts, vars and children")
    for key in sorted(set(body) - GROUP_KEYS, key=str):  # keys may be numbers or null
        raise InputError(file, f"{where}.{key}", "unknown key (expected hosts, vars or children)")
    hosts = body.get("hosts")
    if hosts is not None and not isinstance(hosts, dict):
        raise InputError(file, f"{where}.hosts", "must be a mapping of host names to variables")
    for host, host_vars in (hosts or {}).items():
        if host_vars is not None and not isinstance(host_vars, dict):
            raise InputError(file, f"{where}.hosts.{host}", "host variables must be a mapping")
    group_vars = body.get("vars")
    if group_vars is not None and not isinstance(group_vars, dict):
        raise InputError(file, f"{where}.vars", "must be a mapping")
    children = body.get("children")
    if children is not None and not isinstance(children, dict):
        raise InputError(file, f"{where}.children", "must be a mapping of groups")
    for child, child_body in (children or {}).items():
        _check_group(file, f"{where}.children.{child}", child_body)


def list_hosts(inventory: Inventory, limit: str | None = None) -> dict[str, dict[str, Any]]:
    """Host names and their variables, as Ansible itself resolves them."""
    cmd = ["ansible-inventory", "--list"]
    for source in inventory.sources:
        cmd += ["-i", str(source)]
    if limit:
        cmd += ["--limit", limit]
    env = {**os.environ, **ansible_env(), "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        reason = _first_error_line(proc.stderr) or "ansible-inventory failed"
        raise InputError(inventory.display, None, reason)
    listing = json.loads(proc.stdout)
    hostvars: dict[str, dict[str, Any]] = listing.get("_meta", {}).get("hostvars", {})
    names = _all_hosts(listing)
    return {name: hostvars.get(name, {}) for name in sorted(names)}


def _all_hosts(listing: dict[str, Any]) -> set[str]:
    hosts: set[str] = set()
    for group, body in listing.items():
        if group != "_meta" and isinstance(body, dict):
            hosts.update(body.get("hosts", []))
    return hosts


def _first_error_line(stderr: str) -> str:
    for line in stderr.splitlines():
        text = line.strip()
        if text.startswith(("ERROR", "[ERROR]")):
            return text.split(":", 1)[-1].strip() if text.startswith("ERROR!") else text
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return lines[-1] if lines else ""
