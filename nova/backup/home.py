"""`nova backup self`: NOVA_HOME's state, audit log, reports and configuration, with restic.

SQLite files may be written while the backup runs, so each one is copied
first with SQLite's online backup into NOVA_HOME/backup-staging/, and the
snapshot holds those consistent copies instead of the live files. Run
artifacts (runs/, large and reproducible from the state store's records)
and the throwaway sandbox keys are left out.

The repository defaults to a folder beside NOVA_HOME (~/.nova-backup for
~/.nova), never inside it, and its password file sits beside the
repository, so losing NOVA_HOME loses neither.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nova.audit.log import AuditLog, current_actor
from nova.backup.defaults import role_defaults
from nova.backup.restic import Repository
from nova.core.errors import InputError, NovaError
from nova.core.paths import nova_home

TAG = "nova-home"
STAGING = "backup-staging"
SKIPPED = ("runs", "sandbox")
LIVE_DATABASE_PATTERNS = ("*.db", "*.db-wal", "*.db-shm", "*.db-journal")


@dataclass(frozen=True)
class SelfBackup:
    time: str
    home: str
    repository: str
    password_file: str
    created: bool
    snapshot: str
    files: int
    bytes_added: int
    databases: list[str]
    snapshots: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_repository(home: Path) -> Path:
    return home.parent / f"{home.name}-backup"


def default_password_file(repository: Path) -> Path:
    return repository.parent / f"{repository.name}.password"


def backup_home(repo: Path | None = None, password_file: Path | None = None) -> SelfBackup:
    home = nova_home().resolve()
    if not home.is_dir():
        raise NovaError(f"NOVA_HOME {home} does not exist; nothing to back up")
    repository = (repo or default_repository(home)).expanduser().resolve()
    if repository == home or home in repository.parents:
        raise InputError(repository, "--repo", f"must be outside NOVA_HOME ({home})")
    secret = (password_file or default_password_file(repository)).expanduser().resolve()
    if home in secret.parents:
        raise InputError(secret, "--password-file", f"must be outside NOVA_HOME ({home})")
    store = Repository(repository, secret)
    created = store.open_or_create()
    staging = home / STAGING
    try:
        databases = stage_databases(home, staging)
        excludes = [str(home / name) for name in SKIPPED]
        excludes += [str(home / pattern) for pattern in LIVE_DATABASE_PATTERNS]
        summary = store.backup([home], excludes, TAG, socket.gethostname())
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    store.forget(TAG, retention())
    snapshots = store.snapshots(TAG)
    short = str(summary["snapshot_id"])
    full = next((str(s["id"]) for s in snapshots if str(s.get("id", "")).startswith(short)), short)
    result = SelfBackup(
        time=datetime.now(UTC).isoformat(timespec="seconds"),
        home=str(home),
        repository=str(repository),
        password_file=str(secret),
        created=created,
        snapshot=full,
        files=int(summary.get("total_files_processed", 0)),
        bytes_added=int(summary.get("data_added", 0)),
        databases=databases,
        snapshots=len(snapshots),
    )
    AuditLog().append(
        actor=current_actor(),
        action="backup.self",
        subject=str(repository),
        payload={"snapshot": full, "files": result.files, "databases": databases},
    )
    return result


def stage_databases(home: Path, staging: Path) -> list[str]:
    """Consistent copies of NOVA_HOME's SQLite files, taken while they may be in use."""
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(mode=0o700)
    copied = []
    for source in sorted(home.glob("*.db")):
        target = staging / source.name
        try:
            with (
                closing(sqlite3.connect(source, timeout=30)) as live,
                closing(sqlite3.connect(target)) as copy,
            ):
                live.backup(copy)
        except sqlite3.DatabaseError as exc:
            raise NovaError(f"cannot copy {source} for the backup: {exc}") from None
        target.chmod(0o600)
        copied.append(source.name)
    return copied


def retention() -> dict[str, int]:
    """The same retention the `backup` role applies to hosts."""
    defaults = role_defaults()
    return {
        period: int(defaults[f"backup_keep_{period}"]) for period in ("daily", "weekly", "monthly")
    }
