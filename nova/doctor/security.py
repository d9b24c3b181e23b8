"""What `nova doctor security` checks on the control host, each with the evidence it read.

Every finding names the file or record and what to do. A check whose subject
does not exist yet (no tokens file, no sandbox key) says so rather than
passing: "absent" is reported, and is not a finding.
"""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from nova.audit.log import AuditLog
from nova.audit.signing import KEY_FILE_NAME
from nova.audit.verify import verify
from nova.backup.home import default_password_file, default_repository
from nova.core.errors import InputError
from nova.core.paths import nova_home
from nova.core.secretfile import exposure_of
from nova.queue.auth import read_entries
from nova.queue.tokens import default_tokens_file
from nova.sandbox.nodes import key_file

OK, FINDING, ABSENT = "ok", "finding", "absent"
# How far back an --insecure start of a service is still reported.
INSECURE_LOOKBACK = 30 * 86400.0


@dataclass(frozen=True)
class Result:
    check: str
    target: str
    status: str  # ok, finding, absent
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def security_checks(home: Path | None = None) -> list[Result]:
    home = home or nova_home()
    results = [_home_folder(home)]
    secrets = {
        "audit signing key": home / KEY_FILE_NAME,
        "sandbox SSH key": key_file(),
        "backup password file": default_password_file(default_repository(home)),
        "queue tokens file": default_tokens_file(),
    }
    results += [_secret_file(what, path) for what, path in secrets.items()]
    results += list(_tokens(default_tokens_file()))
    results += _audit(home)
    return results


def _home_folder(home: Path) -> Result:
    if not home.exists():
        return Result("NOVA_HOME", str(home), ABSENT, "not created yet (nova setup makes it)")
    mode = stat.S_IMODE(home.stat().st_mode)
    if mode & 0o077:
        return Result(
            "NOVA_HOME",
            str(home),
            FINDING,
            f"group or others can enter (mode {mode:04o}); its databases and reports are"
            f" then theirs to read: chmod 700 {home}",
        )
    return Result("NOVA_HOME", str(home), OK, f"mode {mode:04o}: its owner only")


def _secret_file(what: str, path: Path) -> Result:
    if not path.exists():
        return Result(what, str(path), ABSENT, "no such file")
    reason = exposure_of(path)
    if reason:
        return Result(what, str(path), FINDING, reason)
    return Result(what, str(path), OK, f"mode {stat.S_IMODE(path.stat().st_mode):04o}")


def _tokens(path: Path) -> Iterator[Result]:
    if not path.exists():
        return
    try:
        entries = read_entries(path)
    except InputError as exc:
        yield Result("queue tokens", str(path), FINDING, str(exc))
        return
    now = time.time()
    for entry in entries:
        target = f"{entry.identity} ({entry.id})"
        if entry.plaintext:
            detail = "the file holds the token itself: replace it with `nova queue token create`"
            yield Result("queue token", target, FINDING, detail)
        elif entry.expired(now):
            detail = f"expired {entry.expires}: `nova queue token revoke {entry.identity}`"
            yield Result("queue token", target, FINDING, detail)
        elif entry.expires is None:
            yield Result("queue token", target, FINDING, "never expires: rotate it with an expiry")
        else:
            yield Result("queue token", target, OK, f"hashed, expires {entry.expires}")


def _audit(home: Path) -> list[Result]:
    path = home / "audit.db"
    if not path.exists():
        return [Result("audit log", str(path), ABSENT, "no entries recorded yet")]
    log = AuditLog(path)
    try:
        checked = verify(log)
    except InputError as exc:  # e.g. a signing key others can read: verified by nobody
        results = [Result("audit log", str(path), FINDING, f"cannot verify: {exc}")]
    else:
        results = [
            Result("audit log", str(path), OK, f"chain of {checked.entries} entries verifies")
            if checked.ok
            else Result("audit log", str(path), FINDING, f"chain broken: {checked.reason}")
        ]
    since = time.time() - INSECURE_LOOKBACK
    for entry in log.entries():
        if entry.action.endswith(".serve.insecure") and _epoch(entry.time) >= since:
            detail = (
                f"started with --insecure at {entry.time} by {entry.actor}"
                f" (audit entry {entry.seq}): serve it with TLS and authentication"
            )
            results.append(Result("insecure service", entry.subject, FINDING, detail))
    return results


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()
