"""A restic repository, local or remote, driven with its password kept off command lines.

A local repository's password is generated on first use (mode 0600) and handed
to restic through RESTIC_PASSWORD_FILE (or RESTIC_PASSWORD from the caller's
environment) only: it never appears on a command line, in
output or in errors. A repository that exists is never initialised again.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

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
SNAPSHOT_RE = re.compile(r"^([0-9a-f]{8,64}|latest)\Z")
# A server that refused the login: restic still asks "Is there a repository at ...?"
DENIED_MARKERS = (
    "401 Unauthorized",
    "403 Forbidden",
    "AccessDenied",
    "Access Denied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "Permission denied (publickey",
)


def restic_binary() -> str:
    found = shutil.which("restic")
    if found is None:
        raise NovaError("restic is not installed; install it with `apt-get install restic`")
    return found


@dataclass(frozen=True)
class Repository:
    """One restic repository: a local folder or a remote one (sftp:, rest:, s3:).

    `url` is what restic gets as RESTIC_REPOSITORY and may hold a REST login,
    so it goes to restic's environment only; `display` is what people see.
    The password comes from `password_file`, or from RESTIC_PASSWORD in `env`
    when there is no file; `env` also carries S3 keys. Every message made
    from restic's output has the `secrets` replaced by ***.
    """

    url: str
    display: str
    password_file: Path | None
    env: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    local: Path | None = None

    @property
    def password_source(self) -> str:
        return str(self.password_file) if self.password_file is not None else "RESTIC_PASSWORD"

    def _env(self, password: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RESTIC_")}
        env.update(self.env)
        env["RESTIC_REPOSITORY"] = self.url
        if password is not None:  # a throwaway password, to ask whether a repository exists
            env.pop("RESTIC_PASSWORD_FILE", None)
            env["RESTIC_PASSWORD"] = password
        elif self.password_file is not None:
            env.pop("RESTIC_PASSWORD", None)
            env["RESTIC_PASSWORD_FILE"] = str(self.password_file)
        return env

    def restic(self, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [restic_binary(), *args],
            env=self._env(password),
            capture_output=True,
            text=True,
            check=False,
            timeout=TIMEOUT,
        )

    def reason(self, proc: subprocess.CompletedProcess[str]) -> str:
        """Why restic failed, in one line without secrets: its Fatal line, else its last one."""
        fatal = [ln.strip() for ln in (proc.stderr or "").splitlines() if ln.startswith("Fatal:")]
        text = fatal[0].removeprefix("Fatal:").strip() if fatal else failure_reason(proc)
        return redact(text, self.secrets)

    def state(self, proc: subprocess.CompletedProcess[str]) -> str:
        """`classify`, with a refused login told apart from a missing repository (restic
        asks "Is there a repository at ...?" after a 401 too)."""
        if proc.returncode != 0 and any(m in (proc.stderr or "") for m in DENIED_MARKERS):
            return "denied"
        return classify(proc)

    def exists(self) -> bool:
        if self.local is not None:
            return (self.local / "config").is_file()
        probe = self.restic("cat", "config", password=secrets.token_urlsafe(24))
        state = self.state(probe)
        if state in ("ready", "wrong-password"):
            return True
        if state == "missing":
            return False
        raise self._unreachable(probe, state)

    def _unreachable(self, proc: subprocess.CompletedProcess[str], state: str) -> NovaError:
        if state == "denied":
            return NovaError(
                f"the repository {self.display} refused the credentials: {self.reason(proc)}"
            )
        return NovaError(f"cannot open the repository {self.display}: {self.reason(proc)}")

    def open_or_create(self, create: bool = True) -> bool:
        """Open the repository, creating it and its password when neither exists yet.

        Returns True when it was created. A repository whose password file is
        missing, or that the password does not open, is an error: never a new
        repository over an old one. With `create` False nothing is made.
        """
        if self.password_file is not None and not self.password_file.exists():
            if self.exists():
                raise NovaError(
                    f"the repository {self.display} exists but its password file "
                    f"{self.password_file} is missing; put it back"
                )
            if not create:
                raise NovaError(f"no restic repository at {self.display}")
            create_password_file(self.password_file)
        probe = self.restic("cat", "config")
        if probe.returncode == 0:
            return False
        state = self.state(probe)
        if state == "wrong-password":
            raise NovaError(
                f"the password in {self.password_source} does not open the repository "
                f"{self.display}; put the original password file back"
            )
        if state != "missing":
            raise self._unreachable(probe, state)
        if not create:
            raise NovaError(f"no restic repository at {self.display}")
        created = self.restic("init")
        if created.returncode != 0:
            raise NovaError(f"restic init {self.display} failed: {self.reason(created)}")
        return True

    def backup(self, paths: list[Path], excludes: list[str], tag: str, host: str) -> dict[str, Any]:
        args = ["backup", "--json", "--tag", tag, "--host", host]
        for pattern in excludes:
            args += ["--exclude", pattern]
        proc = self.restic(*args, *(str(p) for p in paths))
        summary = _summary(proc.stdout)
        if proc.returncode not in (0, 3) or not summary.get("snapshot_id"):
            raise NovaError(f"restic backup failed: {self.reason(proc)}")
        return summary

    def snapshots(self, tag: str) -> list[dict[str, Any]]:
        proc = self.restic("snapshots", "--json", "--tag", tag)
        if proc.returncode != 0:
            raise NovaError(f"restic snapshots failed: {self.reason(proc)}")
        found: list[dict[str, Any]] = json.loads(proc.stdout or "[]") or []
        return sorted(found, key=lambda s: str(s.get("time", "")))

    def forget(self, tag: str, keep: dict[str, int]) -> None:
        args = ["forget", "--prune", "--tag", tag, "--group-by", "host,tags"]
        for period, count in keep.items():
            args += [f"--keep-{period}", str(count)]
        proc = self.restic(*args)
        if proc.returncode != 0:
            raise NovaError(f"restic forget --prune failed: {self.reason(proc)}")

    def restore(self, snapshot: str, target: Path) -> None:
        proc = self.restic("restore", snapshot, "--target", str(target))
        if proc.returncode != 0:
            raise NovaError(f"restic restore {snapshot} failed: {self.reason(proc)}")


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with each secret, as written and as escaped in a URL, replaced by ***."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            for form in {secret, quote(secret, safe="")}:
                text = text.replace(form, "***")
    return text


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
