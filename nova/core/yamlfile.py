"""Reading a YAML file a person wrote: any error names the file, the line and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nova.core.errors import InputError


def load_yaml(path: Path, missing: str = "file not found") -> Any:
    """The parsed document (None for an empty file); InputError when unreadable or invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, None, missing) from None
    except UnicodeDecodeError:
        raise InputError(path, None, "not UTF-8 text (a binary file?)") from None
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(path, where, f"not valid YAML ({problem})") from None
