"""Errors that reach the user as one line, and the exit codes they map to."""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class NovaError(Exception):
    """An error Nova reports to the user as one line, without a traceback."""

    exit_code = EXIT_FAILED


class InputError(NovaError):
    """Bad input from the user: a file, a field in it, and what is wrong with it."""

    exit_code = EXIT_USAGE

    def __init__(self, source: str | Path, field: str | None, reason: str) -> None:
        self.source = str(source)
        self.field = field
        self.reason = reason
        where = f"{self.source}: {field}" if field else self.source
        super().__init__(f"{where}: {reason}")
