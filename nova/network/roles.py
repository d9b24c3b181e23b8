"""The VPN roles' own files, read so that a plan and the role cannot disagree."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from nova.core.errors import InputError, NovaError
from nova.core.paths import collection_dir, project_root

VPN_TYPES = ("wireguard", "openvpn")


def check_vpn(vpn: str) -> str:
    if vpn not in VPN_TYPES:
        raise InputError("--vpn", None, f"unknown VPN type {vpn!r} (known: {', '.join(VPN_TYPES)})")
    return vpn


def role_dir(vpn: str) -> Path:
    return project_root() / "roles" / check_vpn(vpn)


def defaults(vpn: str) -> dict[str, Any]:
    """The role's defaults/main.yml."""
    path = role_dir(vpn) / "defaults" / "main.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise NovaError(f"{path}: cannot read the role's defaults ({exc})") from None
    if not isinstance(data, dict):
        raise NovaError(f"{path}: the role's defaults are not a mapping")
    return data


def filter_module(vpn: str, name: str) -> ModuleType:
    """One of the collection's filter plugins, for the computations the VPN role makes with it."""
    path = collection_dir() / "plugins" / "filter" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"nova_{check_vpn(vpn)}_{name}", path)
    if spec is None or spec.loader is None:
        raise NovaError(f"{path}: cannot load the role's filter plugin")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
