"""Debian packages on the control node: which named ones are missing, and installing them.

Names people type (`docker`, `kubectl`) are translated with the aliases the
`base_packages` role uses for this distribution, read from the role's own vars
file, so that the report and the install agree on what `docker` means. A name
that stands for several tools (`kubernetes`: kubectl and the containerd
runtime) is listed there too, as a bundle of names. A package that is missing
is looked up in the apt sources (`apt-cache madison`, as the role does), so
the report tells one that apt can install from a name no source offers.
Installing always goes through that role, run by ansible-runner against the
`local` inventory; nothing here calls apt itself.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
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
APT_LISTS = Path("/var/lib/apt/lists")


@dataclass(frozen=True)
class PackageState:
    name: str  # the tool's name: as asked for, or one of the names a bundle stands for
    package: str  # the distribution's package name
    installed: bool
    version: str  # installed version; empty when missing
    asked: str = ""  # the name typed, when it is a bundle (`kubernetes`); else empty
    # Missing packages: whether an apt source offers it (None: not known, e.g. no
    # package lists yet), and the version apt would install.
    available: bool | None = None
    candidate: str = ""

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


def vars_file(distro: str, root: Path | None = None) -> Path:
    return (root or project_root()) / ROLE_VARS / f"{distro}.yml"


def _role_vars(distro: str, root: Path | None) -> tuple[Path, dict[str, Any]]:
    path = vars_file(distro, root)
    if not distro or not path.is_file():
        return path, {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(path, None, f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(path, None, "must be a mapping of variables")
    return path, data


def aliases(distro: str, root: Path | None = None) -> dict[str, str]:
    """The role's alias table for this distribution: tool name -> package name."""
    path, data = _role_vars(distro, root)
    table = data.get("base_packages_os_aliases") or {}
    if not isinstance(table, dict):
        raise InputError(path, "base_packages_os_aliases", "must be a mapping")
    return {str(k): str(v) for k, v in table.items()}


def bundles(distro: str, root: Path | None = None) -> dict[str, list[str]]:
    """Names that stand for several tools (`kubernetes`): name -> the tools' names."""
    path, data = _role_vars(distro, root)
    table = data.get("base_packages_os_bundles") or {}
    field = "base_packages_os_bundles"
    if not isinstance(table, dict):
        raise InputError(path, field, "must be a mapping of names to lists of names")
    found: dict[str, list[str]] = {}
    for name, members in table.items():
        if not isinstance(members, list) or not members:
            raise InputError(path, f"{field}.{name}", "must be a list of names")
        found[str(name)] = [str(m) for m in members]
    return found


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


def parse_madison(text: str) -> dict[str, str]:
    """Packages an apt source offers, with the first (highest) version, from `apt-cache madison`."""
    offered: dict[str, str] = {}
    for line in text.splitlines():
        parts = [part.strip() for part in line.split("|")]
        if len(parts) >= 3 and parts[0] and parts[0] not in offered:
            offered[parts[0]] = parts[1]
    return offered


def offered_versions(packages: Sequence[str], lists: Path = APT_LISTS) -> dict[str, str] | None:
    """Which packages the apt sources offer, and in which version; None when apt cannot say.

    `apt-cache madison` reads the package lists on disk (no network) and prints
    nothing for names no source offers. Without apt-cache, or before the first
    `apt-get update` (no lists), there is no answer.
    """
    if not packages or shutil.which("apt-cache") is None:
        return None
    if not lists.is_dir() or not any(lists.glob("*_Packages*")):
        return None
    try:
        proc = subprocess.run(
            ["apt-cache", "madison", *packages],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return parse_madison(proc.stdout)


def resolve(
    names: Sequence[str], table: dict[str, str], groups: dict[str, list[str]]
) -> list[tuple[str, str, str]]:
    """(asked, tool, package) for each name: bundles expanded, aliases applied, once each."""
    resolved: list[tuple[str, str, str]] = []
    for name in names:
        members = groups.get(name)
        for tool in members or [name]:
            entry = (name if members else "", tool, table.get(tool, tool))
            if entry not in resolved:
                resolved.append(entry)
    return resolved


def check(
    names: Sequence[str],
    table: dict[str, str] | None = None,
    groups: dict[str, list[str]] | None = None,
    offered: Callable[[Sequence[str]], dict[str, str] | None] = offered_versions,
) -> list[PackageState]:
    """The state of each named package on this machine, and whether apt offers a missing one."""
    distro = distribution() if table is None or groups is None else ""
    table = aliases(distro) if table is None else table
    groups = bundles(distro) if groups is None else groups
    resolved = resolve(names, table, groups)
    versions = installed_versions([package for _, _, package in resolved])
    missing = [package for _, _, package in resolved if package not in versions]
    candidates = offered(missing) if missing else {}
    states = []
    for asked, tool, package in resolved:
        installed = package in versions
        available = None if installed or candidates is None else package in candidates
        candidate = "" if installed or candidates is None else candidates.get(package, "")
        states.append(
            PackageState(
                tool, package, installed, versions.get(package, ""), asked, available, candidate
            )
        )
    return states


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
