"""Nova and the program the backup role installs read restic's outcomes alike.

roles/backup/files/nova-backup.py runs on hosts where Nova is not installed, so
it cannot import nova.backup.restic and carries its own copy of the exit codes,
the message markers, `classify`, `last_line` and `failure_reason`. Both copies
are held here to one table of cases.
"""

from __future__ import annotations

import importlib.util
import subprocess
from types import ModuleType

import pytest

from nova.backup import restic
from nova.core.paths import project_root

SCRIPT = project_root() / "roles" / "backup" / "files" / "nova-backup.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nova_backup_program", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PROGRAM = load_script()
COPIES = pytest.mark.parametrize("copy", [restic, PROGRAM], ids=["nova", "role-program"])

SHARED = ("EXIT_NO_REPOSITORY", "EXIT_WRONG_PASSWORD", "MISSING_MARKERS", "WRONG_PASSWORD_MARKERS")

# restic 0.16 (Debian 12) exits 1 for every fatal error; 0.17+ exits 10 and 12.
NO_CONFIG_016 = (
    "Fatal: unable to open config file: stat /srv/repo/config: no such file or directory\n"
    "Is there a repository at the following location?\n"
    "/srv/repo\n"
)
NO_REPO_017 = "Fatal: repository does not exist: unable to open config file\n"
WRONG_PASSWORD = "Fatal: wrong password or no key found\n"

CLASSIFY = [
    (0, "", "ready"),
    (0, None, "ready"),
    (10, "", "missing"),
    (10, NO_REPO_017, "missing"),
    (1, NO_CONFIG_016, "missing"),
    (1, NO_REPO_017, "missing"),
    (12, "", "wrong-password"),
    (12, WRONG_PASSWORD, "wrong-password"),
    (1, WRONG_PASSWORD, "wrong-password"),
    (1, "Fatal: no key found\n", "wrong-password"),
    (1, "Fatal: unable to create lock in backend: repository is already locked\n", "error"),
    (1, "", "error"),
    (1, None, "error"),
    (3, "error: open /srv/x: permission denied\n", "error"),
    (130, "signal interrupt received, cleaning up\n", "error"),
]

LAST_LINE = [
    ("", ""),
    (None, ""),
    ("\n   \n\t\n", ""),
    ("one", "one"),
    ("first\nsecond\n", "second"),
    ("first\n  second  \n\n  \n", "second"),
    (NO_CONFIG_016, "/srv/repo"),
]

FAILURE_REASON = [
    (1, WRONG_PASSWORD, "Fatal: wrong password or no key found"),
    (1, "", "exit code 1"),
    (3, None, "exit code 3"),
    (2, "\n\n", "exit code 2"),
]


def completed(rc: int, stderr: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(["restic"], rc, stdout="", stderr=stderr)


@pytest.mark.parametrize("name", SHARED)
def test_the_constants_are_the_same(name: str) -> None:
    assert getattr(PROGRAM, name) == getattr(restic, name)


def test_the_exit_codes_are_restics() -> None:
    assert (restic.EXIT_NO_REPOSITORY, restic.EXIT_WRONG_PASSWORD) == (10, 12)


@COPIES
@pytest.mark.parametrize(("rc", "stderr", "expected"), CLASSIFY)
def test_classify(copy: ModuleType, rc: int, stderr: str | None, expected: str) -> None:
    assert copy.classify(completed(rc, stderr)) == expected


@COPIES
@pytest.mark.parametrize(("text", "expected"), LAST_LINE)
def test_last_line(copy: ModuleType, text: str | None, expected: str) -> None:
    assert copy.last_line(text) == expected


@COPIES
@pytest.mark.parametrize(("rc", "stderr", "expected"), FAILURE_REASON)
def test_failure_reason(copy: ModuleType, rc: int, stderr: str | None, expected: str) -> None:
    assert copy.failure_reason(completed(rc, stderr)) == expected
