"""The `backup` role's own variables, read from its files.

The plan reads the same defaults/main.yml the role runs with, so the two
cannot disagree; fixed locations come from the role's vars/main.yml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nova.core.errors import InputError
from nova.core.paths import project_root

PREFIX = "backup_"


def role_dir() -> Path:
    return project_root() / "roles" / "backup"


def role_defaults() -> dict[str, Any]:
    return _read_mapping(role_dir() / "defaults" / "main.yml")


def role_vars() -> dict[str, Any]:
    return _read_mapping(role_dir() / "vars" / "main.yml")


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            path, None, f"cannot read the backup role's variables ({exc.strerror})"
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(path, None, f"not valid YAML ({exc})") from None
    if not isinstance(document, dict):
        raise InputError(path, None, "must be a mapping of variables")
    return {str(k): v for k, v in document.items()}
