"""`nova backup self`: NOVA_HOME's state, audit log, reports and configuration, with restic.

SQLite files may be written while the backup runs, so each one is copied
first with SQLite's online backup into NOVA_HOME/backup-staging/, and the
snapshot holds those consistent copies instead of the live files. Run
artifacts (runs/, large and reproducible from the state store's records)
and the throwaway sandbox keys are left out.

The repository defaults to a folder beside NOVA_HOME (~/.nova-backup for
~/.nova), never inside it, and its password file sits beside the
repository, so losing NOVA_HOME loses neither. Any other repository is
given as location.py describes (a folder, sftp:, rest:, s3:), with its
password and credentials from files or the environment, never arguments.

`restore_home` brings a snapshot back into an empty NOVA_HOME. Both record
what they did in the audit log, with where secrets came from but no secret.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import tempfile
from collections.abc import Mapping
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nova.audit.log import AuditLog, current_actor
from nova.audit.mask import register_secret
from nova.backup.defaults import role_defaults
from nova.backup.location import (
    Location,
    credentials_for,
    parse_repository,
    restic_repository,
    sends_login_in_clear,
)
from nova.backup.restic import SNAPSHOT_RE, Repository
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
    backend: str
    password_file: str | None
    password_source: str
    credentials: dict[str, str]
    created: bool
    snapshot: str
    files: int
    bytes_added: int
    databases: list[str]
    snapshots: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SelfRestore:
    time: str
    home: str
    repository: str
    backend: str
    snapshot: str
    snapshot_time: str
    source: str
    files: int
    databases: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_repository(home: Path) -> Path:
    return home.parent / f"{home.name}-backup"


def default_password_file(repository: Path) -> Path:
    return repository.parent / f"{repository.name}.password"


def open_repository(
    home: Path,
    repo: str | None,
    password_file: Path | None,
    credentials_file: Path | None,
    insecure: bool = False,
    environ: Mapping[str, str] | None = None,
) -> tuple[Repository, Location, str, dict[str, str]]:
    """The repository named on the command line (or the default beside NOVA_HOME), with its
    password and credentials found as location.py says: nothing is run yet.

    Returns it with its location, where its password comes from and where each credential
    came from (names, never values)."""
    env = dict(os.environ if environ is None else environ)
    location = (
        parse_repository(repo)
        if repo is not None
        else Location("local", str(default_repository(home)), default_repository(home))
    )
    local = location.path.expanduser().resolve() if location.path is not None else None
    if local is not None:
        location = Location("local", location.text, local)
        if local == home or home in local.parents:
            raise InputError(local, "--repo", f"must be outside NOVA_HOME ({home})")
        if local.exists() and not local.is_dir():
            raise InputError(local, "--repo", "is not a folder")
    if credentials_file is not None and not location.remote:
        raise InputError(credentials_file, "--credentials-file", "a local repository takes none")
    credentials = credentials_for(location, credentials_file, env)
    clear = sends_login_in_clear(location, credentials)
    if clear is not None and not insecure:
        raise InputError(
            location.text,
            "--repo",
            f"would send the REST password unencrypted to {clear}; "
            "use https:// (or --insecure, which is audited)",
        )
    extra = dict(credentials.env)
    extra.pop("RESTIC_REST_USERNAME", None)
    extra.pop("RESTIC_REST_PASSWORD", None)  # these are in the URL restic gets
    secrets = list(credentials.secrets)
    secret_file: Path | None
    if password_file is not None:
        secret_file, source = password_file.expanduser().resolve(), "--password-file"
    elif env.get("RESTIC_PASSWORD_FILE"):
        secret_file = Path(env["RESTIC_PASSWORD_FILE"]).expanduser().resolve()
        source = "RESTIC_PASSWORD_FILE"
    elif env.get("RESTIC_PASSWORD"):
        secret_file, source = None, "RESTIC_PASSWORD"
        extra["RESTIC_PASSWORD"] = env["RESTIC_PASSWORD"]
        secrets.append(env["RESTIC_PASSWORD"])
    elif local is not None:
        secret_file, source = default_password_file(local), "default"
    else:
        raise InputError(
            location.display,
            "--password-file",
            "a remote repository needs its password from --password-file, "
            "RESTIC_PASSWORD_FILE or RESTIC_PASSWORD",
        )
    if secret_file is not None and home in secret_file.parents:
        option = "--password-file" if source == "default" else source
        raise InputError(secret_file, option, f"must be outside NOVA_HOME ({home})")
    for value in secrets:
        register_secret(value)  # masked in the audit log wherever it might appear
    store = Repository(
        url=restic_repository(location, credentials),
        display=location.display,
        password_file=secret_file,
        env=extra,
        secrets=tuple(secrets),
        local=local,
    )
    return store, location, source, dict(credentials.sources)


def backup_home(
    repo: str | None = None,
    password_file: Path | None = None,
    credentials_file: Path | None = None,
    insecure: bool = False,
) -> SelfBackup:
    home = nova_home().resolve()
    if not home.is_dir():
        raise NovaError(f"NOVA_HOME {home} does not exist; nothing to back up")
    store, location, source, sources = open_repository(home, repo, password_file, credentials_file)
    record = {
        "backend": location.kind,
        "key_source": source,
        "credentials_from": sources,
    }
    try:
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
    except (NovaError, OSError) as exc:
        _audit("backup.self", store.display, {**record, "status": "failed", "error": str(exc)})
        raise
    short = str(summary["snapshot_id"])
    full = next((str(s["id"]) for s in snapshots if str(s.get("id", "")).startswith(short)), short)
    result = SelfBackup(
        time=datetime.now(UTC).isoformat(timespec="seconds"),
        home=str(home),
        repository=store.display,
        backend=location.kind,
        password_file=str(store.password_file) if store.password_file is not None else None,
        password_source=source,
        credentials=sources,
        created=created,
        snapshot=full,
        files=int(summary.get("total_files_processed", 0)),
        bytes_added=int(summary.get("data_added", 0)),
        databases=databases,
        snapshots=len(snapshots),
    )
    _audit(
        "backup.self",
        store.display,
        {
            **record,
            "status": "successful",
            "created": created,
            "snapshot": full,
            "files": result.files,
            "bytes_added": result.bytes_added,
            "databases": databases,
        },
    )
    return result


def restore_home(
    repo: str | None = None,
    password_file: Path | None = None,
    credentials_file: Path | None = None,
    snapshot: str = "latest",
    insecure: bool = False,
) -> SelfRestore:
    """Restore a NOVA_HOME snapshot into an empty (or missing) NOVA_HOME.

    The snapshot is restored beside NOVA_HOME first, its consistent database
    copies are put back in place of the live files, and only then is the
    whole folder moved into place: a failure leaves NOVA_HOME as it was.
    The restore is recorded in the restored audit log, after its own chain.
    """
    home = nova_home().expanduser().absolute()
    _require_empty(home)
    if not SNAPSHOT_RE.match(snapshot):
        raise InputError(
            snapshot, "--snapshot", "must be a snapshot id (8-64 hex digits) or latest"
        )
    store, location, _source, _sources = open_repository(
        home, repo, password_file, credentials_file, insecure
    )
    store.open_or_create(create=False)
    chosen = _choose(store, snapshot)
    paths = [str(p) for p in chosen.get("paths") or []]
    if len(paths) != 1:
        raise NovaError(f"snapshot {chosen['id']} holds {len(paths)} paths, not one NOVA_HOME")
    home.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    scratch = Path(tempfile.mkdtemp(prefix=f".{home.name}-restore-", dir=home.parent))
    try:
        store.restore(str(chosen["id"]), scratch)
        restored = scratch / paths[0].lstrip("/")
        if not restored.is_dir():
            raise NovaError(f"snapshot {chosen['id']} does not hold {paths[0]}")
        databases = unstage_databases(restored)
        files = sum(1 for p in restored.rglob("*") if p.is_file())
        _require_empty(home)
        if home.exists():
            home.rmdir()
        restored.rename(home)
        home.chmod(0o700)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result = SelfRestore(
        time=datetime.now(UTC).isoformat(timespec="seconds"),
        home=str(home),
        repository=store.display,
        backend=location.kind,
        snapshot=str(chosen["id"]),
        snapshot_time=str(chosen.get("time", "")),
        source=paths[0],
        files=files,
        databases=databases,
    )
    _audit(
        "backup.self-restore",
        store.display,
        {
            "status": "successful",
            "backend": location.kind,
            **({"insecure": True} if insecure else {}),
            "snapshot": result.snapshot,
            "snapshot_time": result.snapshot_time,
            "source": result.source,
            "files": files,
            "databases": databases,
        },
    )
    return result


def _require_empty(home: Path) -> None:
    if home.is_symlink() or (home.exists() and not home.is_dir()):
        raise InputError(home, "NOVA_HOME", "is not a folder; restore into an empty NOVA_HOME")
    if home.is_dir() and any(home.iterdir()):
        raise InputError(
            home, "NOVA_HOME", "is not empty; restore into an empty or missing NOVA_HOME"
        )


def _choose(store: Repository, snapshot: str) -> dict[str, Any]:
    found = store.snapshots(TAG)
    if not found:
        raise NovaError(f"the repository {store.display} holds no {TAG} snapshot")
    if snapshot == "latest":
        return found[-1]
    matches = [s for s in found if str(s.get("id", "")).startswith(snapshot)]
    if len(matches) != 1:
        why = "no" if not matches else "more than one"
        raise InputError(snapshot, "--snapshot", f"{why} {TAG} snapshot in {store.display} matches")
    return matches[0]


def unstage_databases(restored: Path) -> list[str]:
    """Put the snapshot's consistent database copies where the live files belong."""
    staging = restored / STAGING
    if not staging.is_dir():
        return []
    moved = []
    for copy in sorted(staging.glob("*.db")):
        copy.replace(restored / copy.name)
        moved.append(copy.name)
    shutil.rmtree(staging)
    return moved


def _audit(action: str, subject: str, payload: dict[str, Any]) -> None:
    AuditLog().append(actor=current_actor(), action=action, subject=subject, payload=payload)


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
