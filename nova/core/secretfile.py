"""Files that hold secrets (keys, tokens, passwords) are readable by their owner only.

A secret file that group or others can read is refused where it is loaded,
naming the file, its mode and the fix; `nova doctor security` reports the
same check over every such file Nova knows of.
"""

from __future__ import annotations

import stat
from pathlib import Path

from nova.core.errors import InputError


def exposure_of(path: Path) -> str | None:
    """Why `path` is not private (its mode lets group or others in), or None when it is."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return f"readable by group or others (mode {mode:04o}); run: chmod 600 {path}"
    return None


def require_private(path: Path, what: str, field: str | None = None) -> Path:
    """`path` if only its owner can read it; InputError naming the file and mode otherwise."""
    try:
        reason = exposure_of(path)
    except FileNotFoundError:
        raise InputError(path, field, f"{what} not found") from None
    except OSError as exc:
        raise InputError(path, field, f"cannot read {what}: {exc.strerror or exc}") from None
    if reason is not None:
        raise InputError(path, field, f"{what} must not be {reason}")
    return path
