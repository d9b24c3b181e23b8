"""Writing what a command exports (`--export FILE`): folders made, atomic, one-line refusals.

Every command that writes a view, plan or report to a file the user named
goes through `write_export`: missing parent folders are created, the file is
replaced atomically (an interrupted export never leaves half a file), and
anything that cannot be written is refused as an InputError,
`PATH: --export: reason`, which reaches the user as one line with exit 2.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from nova.core.errors import InputError

EXPORT_OPTION = "--export"


def write_export(path: Path, text: str, option: str = EXPORT_OPTION) -> Path:
    """Write `text` to `path`, creating its folders; InputError naming path and option if not."""

    def refuse(reason: str) -> InputError:
        return InputError(path, option, reason)

    if not path.name or path.name in (".", ".."):
        raise refuse("names a folder, not a file")
    if path.is_dir():
        raise refuse("is a folder, not a file")
    blocking = _file_in_the_way(path.parent)
    if blocking is not None:
        where = "the parent" if blocking == path.parent else f"{blocking}"
        raise refuse(f"{where} is a file, not a folder")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise refuse(f"cannot be written as UTF-8 ({exc.reason})") from None
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise refuse(os_reason(exc)) from None
    except ValueError as exc:  # an embedded NUL byte, say
        raise refuse(str(exc)) from None
    return path


def _file_in_the_way(folder: Path) -> Path | None:
    """The nearest existing ancestor of `folder` (itself included) when it is not a folder."""
    for candidate in (folder, *folder.parents):
        try:
            if candidate.exists():
                return None if candidate.is_dir() else candidate
        except OSError:
            return None  # unreadable: let the write itself say why
    return None


def os_reason(exc: OSError) -> str:
    """Why a file could not be read or written, in a few words for a one-line error."""
    reasons = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "read-only file system",
        errno.ENOSPC: "no space left on the device",
        errno.EISDIR: "is a folder, not a file",
        errno.ENOTDIR: "a parent is a file, not a folder",
        errno.EEXIST: "exists and is not a folder",
        errno.ENAMETOOLONG: "file name too long",
        errno.ENOENT: "cannot be created there",
    }
    if exc.errno in reasons:
        return reasons[exc.errno]
    return (exc.strerror or str(exc)).lower()
