"""Debian packages on the control node: which named ones are missing, and installing them.

Names people type (`docker`, `kubectl`) are translated with the aliases the
`base_packages` role uses for this distribution, read from the role's own vars
file, so that the report and the install agree on what `docker` means.
Installing always goes through that role, run by ansible-runner against the
`local` inventory; nothing here calls apt itself.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from nova.ansible.runner import EventSink, PlaybookResult, run_playbook
from nova.core.errors import InputError, NovaError
from nova.core.paths import ensure_home, project_root

# Debian policy: lowercase letters, digits, + - . ; at least two characters.
PACKAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+\Z")
OS_RELEASE = Path("/etc/os-release")
ROLE_VARS = Path("roles/base_packages/vars")
PLAYBOOK = Path("playbooks/control-node.yml")
INVENTORY = Path("inventories/local")
DPKG_FORMAT = "${Package}\t${db:Status-Status}\t${Version}\n"


@dataclass(frozen=True)
class PackageState:
    name: str  # as asked for
    package: str  # the distribution's package name
    installed: bool
    version: str  # installed version; empty when missing

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_names(values: Iterable[str]) -> list[str]:
    """Package names from arguments that may also be comma-separated, in order, once each."""
    names: list[str] = []
    for value in values:
        for name in value.replace(",", " ").split():
            if not PACKAGE_NAME.match(name):
                raise InputError(
                    "--packages", name, "not a package name (lowercase letters, digits, + - .)"
                )
            if name not in names:
                names.append(name)
    if not names:
        raise InputError("--packages", None, "name at least one package")
    return names


def distribution(os_release: Path = OS_RELEASE) -> str:
    """`Debian` or `Ubuntu`, the names of the role's vars files; empty when neither."""
    fields: dict[str, str] = {}
    if os_release.is_file():
        for line in os_release.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep:
                fields[key.strip()] = value.strip().strip('"')
    family = {fields.get("ID", ""), *fields.get("ID_LIKE", "").split()}
    if "ubuntu" in family:
        return "Ubuntu"
    if "debian" in family:
        return "Debian"
    return ""


def aliases(distro: str, root: Path | None = None) -> dict[str, str]:
    """The role's alias table for this distribution: tool name -> package name."""
    if not distro:
        return {}
    path = (root or project_root()) / ROLE_VARS / f"{distro}.yml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(path, None, f"not valid YAML: {exc}") from exc
    table = data.get("base_packages_os_aliases") or {}
    if not isinstance(table, dict):
        raise InputError(path, "base_packages_os_aliases", "must be a mapping")
    return {str(k): str(v) for k, v in table.items()}


def parse_dpkg_query(text: str) -> dict[str, str]:
    """Installed packages and versions from `dpkg-query -W -f DPKG_FORMAT` output."""
    installed: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        # Removed packages whose configuration files remain show up as config-files.
        if len(parts) == 3 and parts[1] == "installed":
            installed[parts[0]] = parts[2]
    return installed


def installed_versions(packages: Sequence[str]) -> dict[str, str]:
    """Which of the packages dpkg has installed, with their versions."""
    if shutil.which("dpkg-query") is None:
        raise NovaError("dpkg-query not found: the package check needs a Debian or Ubuntu host")
    # dpkg-query exits 1 when some names are unknown to it; those are simply missing.
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f", DPKG_FORMAT, *packages],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise NovaError(f"dpkg-query failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return parse_dpkg_query(proc.stdout)


def check(names: Sequence[str], table: dict[str, str] | None = None) -> list[PackageState]:
    """The state of each named package on this machine."""
    table = aliases(distribution()) if table is None else table
    resolved = [(name, table.get(name, name)) for name in names]
    versions = installed_versions([package for _, package in resolved])
    return [
        PackageState(name, package, package in versions, versions.get(package, ""))
        for name, package in resolved
    ]


def install(packages: Sequence[str], on_event: EventSink | None = None) -> PlaybookResult:
    """Install the packages with the base_packages role on this machine, through ansible-runner."""
    root = project_root()
    return run_playbook(
        root / PLAYBOOK,
        [root / INVENTORY],
        ensure_home() / "setup" / "packages",
        extravars={
            "base_packages_extra": list(packages),
            # sudo is not needed (and often absent) when Nova already runs as root.
            "control_node_become": os.geteuid() != 0,
        },
        on_event=on_event,
    )
