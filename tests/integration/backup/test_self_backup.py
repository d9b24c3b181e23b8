"""`nova backup self`: NOVA_HOME into a real restic repository on this machine."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def home(tmp_path: Path, restic: str) -> Path:
    """A NOVA_HOME with a live state store, reports, an inventory and run artifacts."""
    home = tmp_path / "nova"
    (home / "reports").mkdir(parents=True)
    (home / "reports" / "run-1.md").write_text("# Nova run run-1\n")
    (home / "inventories" / "lab").mkdir(parents=True)
    (home / "inventories" / "lab" / "hosts.yml").write_text("all: {}\n")
    (home / "runs" / "run-1").mkdir(parents=True)
    (home / "runs" / "run-1" / "stdout").write_text("bulky artifact")
    (home / "sandbox").mkdir()
    (home / "sandbox" / "id_ed25519").write_text("throwaway key")
    with sqlite3.connect(home / "state.db") as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE runs (id TEXT)")
        db.execute("INSERT INTO runs VALUES ('run-1')")
    return home


def restic_json(repo: Path, password: Path, *args: str) -> object:
    proc = subprocess.run(
        ["restic", *args, "--json"],
        env={**os.environ, "RESTIC_REPOSITORY": str(repo), "RESTIC_PASSWORD_FILE": str(password)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(proc.stdout.splitlines()[0]) if args[0] == "snapshots" else proc.stdout


def test_backs_up_home_beside_it_and_restores_it(
    home: Path, tmp_path: Path, backup_cli: Cli
) -> None:
    env = {"NOVA_HOME": str(home)}
    # a writer holds the state store open while the backup runs
    live = sqlite3.connect(home / "state.db")
    live.execute("INSERT INTO runs VALUES ('run-2')")
    live.commit()
    result = backup_cli("self", "-o", "json", env=env)
    live.close()
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    repo = tmp_path / "nova-backup"
    password = tmp_path / "nova-backup.password"
    assert report["repository"] == str(repo) and report["created"] is True
    assert report["password_file"] == str(password)
    assert stat.S_IMODE(password.stat().st_mode) == 0o600
    assert password.read_text().strip() not in result.stdout + result.stderr
    assert report["databases"] == ["state.db"]
    assert not (home / "backup-staging").exists()

    snapshots = restic_json(repo, password, "snapshots")
    assert isinstance(snapshots, list)
    assert [s["id"] for s in snapshots] == [report["snapshot"]]
    assert "nova-home" in snapshots[0]["tags"]

    target = tmp_path / "restored"
    subprocess.run(
        ["restic", "restore", report["snapshot"], "--target", str(target)],
        env={**os.environ, "RESTIC_REPOSITORY": str(repo), "RESTIC_PASSWORD_FILE": str(password)},
        capture_output=True,
        check=True,
        timeout=120,
    )
    restored = target / str(home).lstrip("/")
    assert (restored / "reports" / "run-1.md").read_text() == "# Nova run run-1\n"
    assert (restored / "inventories" / "lab" / "hosts.yml").exists()
    assert not (restored / "runs").exists()
    assert not (restored / "sandbox").exists()
    assert not (restored / "state.db").exists()  # the live file is replaced by its copy
    with sqlite3.connect(restored / "backup-staging" / "state.db") as db:
        rows = sorted(r[0] for r in db.execute("SELECT id FROM runs"))
    assert rows == ["run-1", "run-2"]


def test_second_run_reuses_the_repository_and_applies_retention(
    home: Path, tmp_path: Path, backup_cli: Cli
) -> None:
    env = {"NOVA_HOME": str(home)}
    first = json.loads(backup_cli("self", "-o", "json", env=env).stdout)
    (home / "reports" / "run-2.md").write_text("# Nova run run-2\n")
    second = backup_cli("self", "-o", "json", env=env)
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["created"] is False
    assert report["snapshot"] != first["snapshot"]
    # keep-daily keeps the last snapshot of each day: the morning's one is pruned
    assert report["snapshots"] == 1


def test_wrong_password_is_a_clear_error_and_no_new_repository(
    home: Path, tmp_path: Path, backup_cli: Cli
) -> None:
    env = {"NOVA_HOME": str(home)}
    assert backup_cli("self", env=env).returncode == 0
    password = tmp_path / "nova-backup.password"
    keys = sorted((tmp_path / "nova-backup" / "keys").iterdir())
    password.write_text("guess\n")
    result = backup_cli("self", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"nova: the password in {password} does not open the repository "
        f"{tmp_path / 'nova-backup'}; put the original password file back"
    )
    password.unlink()
    missing = backup_cli("self", env=env)
    assert missing.returncode == 1
    assert "exists but its password file" in missing.stderr
    assert not password.exists()
    assert sorted((tmp_path / "nova-backup" / "keys").iterdir()) == keys


def test_repository_inside_home_is_refused(home: Path, backup_cli: Cli) -> None:
    result = backup_cli("self", "--repo", str(home / "repo"), env={"NOVA_HOME": str(home)})
    assert result.returncode == 2
    assert result.stderr.strip().endswith(f"--repo: must be outside NOVA_HOME ({home})")
    assert not (home / "repo").exists()


def test_explicit_repository_and_password_file(home: Path, tmp_path: Path, backup_cli: Cli) -> None:
    repo, secret = tmp_path / "elsewhere" / "repo", tmp_path / "keys" / "pw"
    result = backup_cli(
        "self", "--repo", str(repo), "--password-file", str(secret), env={"NOVA_HOME": str(home)}
    )
    assert result.returncode == 0, result.stderr
    assert (repo / "config").is_file()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert "snapshot " in result.stdout and str(repo) in result.stdout
