"""A local restic repository, driven with its password in a file of its own.

The password is generated here on first use (mode 0600) and handed to restic
through RESTIC_PASSWORD_FILE only: it never appears on a command line, in
output or in errors. A repository that exists is never initialised again.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nova.core.errors import NovaError

# restic 0.17+ exit codes; older versions exit 1 and are recognised by their
# messages. These constants, `classify`, `last_line` and `failure_reason` are
# also defined in the backup role's files/nova-backup.py, which runs on hosts
# without Nova; tests/unit/backup/test_restic_outcomes.py holds both copies to
# the same cases.
EXIT_NO_REPOSITORY = 10
EXIT_WRONG_PASSWORD = 12
MISSING_MARKERS = ("Is there a repository at the following location?", "repository does not exist")
WRONG_PASSWORD_MARKERS = ("wrong password", "no key found")
TIMEOUT = 3600


def restic_binary() -> str:
    found = shutil.which("restic")
    if found is None:
        raise NovaError("restic is not installed; install it with `apt-get install restic`")
    return found


@dataclass(frozen=True)
class Repository:
    path: Path
    password_file: Path

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RESTIC_")}
        env["RESTIC_REPOSITORY"] = str(self.path)
        env["RESTIC_PASSWORD_FILE"] = str(self.password_file)
        return env

    def restic(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [restic_binary(), *args],
            env=self._env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=TIMEOUT,
        )

    def exists(self) -> bool:
        return (self.path / "config").is_file()

    def open_or_create(self) -> bool:
        """Open the repository, creating it and its password when neither exists yet.

        Returns True when it was created. A repository whose password file is
        missing, or that the password does not open, is an error: never a new
        repository over an old one.
        """
        if not self.password_file.exists():
            if self.exists():
                raise NovaError(
                    f"the repository {self.path} exists but its password file "
                    f"{self.password_file} is missing; put it back"
                )
            create_password_file(self.password_file)
        probe = self.restic("cat", "config")
        if probe.returncode == 0:
            return False
        state = classify(probe)
        if state == "wrong-password":
            raise NovaError(
                f"the password in {self.password_file} does not open the repository "
                f"{self.path}; put the original password file back"
            )
        if state != "missing":
            raise NovaError(f"cannot open the repository {self.path}: {failure_reason(probe)}")
        created = self.restic("init")
        if created.returncode != 0:
            raise NovaError(f"restic init {self.path} failed: {failure_reason(created)}")
        return True

    def backup(self, paths: list[Path], excludes: list[str], tag: str, host: str) -> dict[str, Any]:
        args = ["backup", "--json", "--tag", tag, "--host", host]
        for pattern in excludes:
            args += ["--exclude", pattern]
        proc = self.restic(*args, *(str(p) for p in paths))
        summary = _summary(proc.stdout)
        if proc.returncode not in (0, 3) or not summary.get("snapshot_id"):
            raise NovaError(f"restic backup failed: {failure_reason(proc)}")
        return summary

    def snapshots(self, tag: str) -> list[dict[str, Any]]:
        proc = self.restic("snapshots", "--json", "--tag", tag)
        if proc.returncode != 0:
            raise NovaError(f"restic snapshots failed: {failure_reason(proc)}")
        found: list[dict[str, Any]] = json.loads(proc.stdout or "[]") or []
        return sorted(found, key=lambda s: str(s.get("time", "")))

    def forget(self, tag: str, keep: dict[str, int]) -> None:
        args = ["forget", "--prune", "--tag", tag, "--group-by", "host,tags"]
        for period, count in keep.items():
            args += [f"--keep-{period}", str(count)]
        proc = self.restic(*args)
        if proc.returncode != 0:
            raise NovaError(f"restic forget --prune failed: {failure_reason(proc)}")


def create_password_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")


def classify(proc: subprocess.CompletedProcess[str]) -> str:
    """What a restic call says about the repository: ready, missing, wrong-password or error."""
    text = proc.stderr or ""
    if proc.returncode == 0:
        return "ready"
    if proc.returncode == EXIT_NO_REPOSITORY or any(m in text for m in MISSING_MARKERS):
        return "missing"
    if proc.returncode == EXIT_WRONG_PASSWORD or any(m in text for m in WRONG_PASSWORD_MARKERS):
        return "wrong-password"
    return "error"


def last_line(text: str | None) -> str:
    """The last non-blank line of the text, or "" when there is none (callers say what instead)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def failure_reason(proc: subprocess.CompletedProcess[str]) -> str:
    """Why a command failed: its last line of errors, or its exit code when it printed none."""
    return last_line(proc.stderr) or f"exit code {proc.returncode}"


def _summary(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and message.get("message_type") == "summary":
            return message
    return {}
