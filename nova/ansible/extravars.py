"""`-e` values, read the way ansible-playbook reads them, but checked first."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

from nova.core.errors import InputError
from nova.core.yamlfile import load_yaml


def parse_extra_vars(values: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Merge `-e @file.yml`, `-e '{"k": 1}'` and `-e k=v k2=v2`, later values winning."""
    merged: dict[str, Any] = {}
    for value in values:
        merged.update(_parse_one(value))
    return merged


def _parse_one(value: str) -> dict[str, Any]:
    text = value.strip()
    if text.startswith("@"):
        return _load_file(Path(text[1:]).expanduser())
    if text.startswith(("{", "[")):
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError("-e", text[:40], f"not valid YAML or JSON ({exc})") from None
        if not isinstance(loaded, dict):
            raise InputError("-e", text[:40], "extra variables must be a mapping")
        return loaded
    pairs: dict[str, Any] = {}
    for token in shlex.split(text):
        key, sep, raw = token.partition("=")
        if not sep or not key.isidentifier():
            raise InputError("-e", token, "expected key=value, @file or a YAML mapping")
        pairs[key] = raw
    return pairs


def _load_file(path: Path) -> dict[str, Any]:
    loaded = load_yaml(path, missing="extra-vars file not found")
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InputError(path, None, "extra-vars file must hold a mapping")
    for key in loaded:
        if not isinstance(key, str) or not key.isidentifier():
            raise InputError(path, str(key), "not a valid variable name")
    return loaded
