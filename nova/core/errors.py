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
        super().__init__(one_line(f"{where}: {reason}"))


def one_line(text: str) -> str:
    """`text` with line breaks and other unprintable characters escaped (`\\n`, `\\x1b`).

    File names, keys and values in a message may come from the input itself;
    escaped, they can neither split the message nor drive the terminal.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
