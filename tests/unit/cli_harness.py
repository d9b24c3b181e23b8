"""Running `nova` in-process, through the same error path as the installed command.

`nova.cli.main` turns NovaError into one line and click's errors into usage
messages, then exits; `run_main` calls it inside click's CliRunner isolation
(so output is captured and no real terminal is touched) and returns the exit
code and what went to stdout and stderr.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from nova.cli import main


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


@contextmanager
def _cwd(folder: Path | None) -> Iterator[None]:
    if folder is None:
        yield
        return
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def run_main(
    *args: str, env: Mapping[str, str | None] | None = None, cwd: Path | None = None
) -> Outcome:
    """`nova ARGS` in-process; an exception that escapes main is a traceback the user would see."""
    runner = CliRunner()
    code: int
    with _cwd(cwd), runner.isolation(env=dict(env or {})) as streams:
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        else:
            code = 0
        stdout, stderr = streams[0].getvalue(), streams[1].getvalue()
    return Outcome(code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))
