"""`nova backup self` to remote restic repositories served by real servers on loopback.

- REST: `rclone serve restic` (Debian's rclone), a real restic REST server
  with HTTP basic authentication.
- S3: moto's server (`moto[server]` from PyPI), an S3-compatible HTTP
  endpoint. It does not prove real AWS behaviour: moto accepts any access
  key and does not check request signatures, regions, bucket policies or
  TLS, so wrong keys are not tested against it.
- SFTP: OpenSSH's own sshd (Debian's openssh-server) run as a plain process
  on a free port with its own host key, and restic's ssh reaching it through
  an ssh config (the way an operator's ~/.ssh/config does), put first on
  PATH as an `ssh` that adds `-F`. `rclone serve sftp` is not used: it ends
  the session without an exit status, ssh then exits 255 and restic 0.14's
  `init` fails on that.

Each NOVA_HOME here holds real runs (written by the state store) and a real
audit log (written by AuditLog, with signed checkpoints); after a restore
into an empty NOVA_HOME, `nova audit verify` and `nova runs list` read them
back through the command line.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from nova.audit.log import AuditLog
from nova.runs.state import StateStore

RUN_IDS = ("20261203-101500-spark-aaaa", "20261203-111500-spark-bbbb")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listens on 127.0.0.1:{port} after 30 s: {log.read_text()[-2000:]}")


def start(command: list[str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    wait_for_port(port, proc, log)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def need(binary: str, package: str) -> str:
    found = shutil.which(binary) or (binary if Path(binary).is_file() else None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(
                f"{binary} is missing; CI installs Debian's {package} (scripts/bootstrap.sh)"
            )
        pytest.skip(f"{binary} is not installed (apt-get install {package})")
    return found


def nova(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The real `nova` command line in a child process, with NOVA_HOME and credentials in env."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("RESTIC_", "AWS_"))}
    full.update(env)
    full["PATH"] = env.get(
        "PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
    )
    return subprocess.run(
        [sys.executable, "-m", "nova", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=timeout,
        check=False,
    )


def make_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A NOVA_HOME with two finished runs and an audit log with a signed checkpoint."""
    monkeypatch.setenv("NOVA_HOME", str(home))
    home.mkdir(mode=0o700)
    store = StateStore()
    log = AuditLog(checkpoint_every=2)
    for run_id in RUN_IDS:
        store.start_run(run_id, "spark", ["foundation"], None, False, "cli")
        store.finish_run(run_id, "successful")
        log.append(actor="operator", action="provision.run", subject=run_id, payload={"ok": 1})
    (home / "reports").mkdir()
    (home / "reports" / f"{RUN_IDS[0]}.md").write_text("# run\n")
    monkeypatch.delenv("NOVA_HOME")


def run_ids(env: dict[str, str]) -> list[str]:
    listed = nova("runs", "list", "-o", "json", env=env)
    assert listed.returncode == 0, listed.stderr
    return sorted(r["id"] for r in json.loads(listed.stdout))


def audit_entries(home: Path) -> list[tuple[str, str, dict[str, object]]]:
    with closing(sqlite3.connect(home / "audit.db")) as db:  # closed here, not when collected
        rows = db.execute("SELECT action, subject, payload FROM entries ORDER BY seq").fetchall()
    return [(a, s, json.loads(p)) for a, s, p in rows]


def assert_restores(
    source: Path,
    tmp_path: Path,
    env: dict[str, str],
    anchor: Path,
    *extra: str,
    runs: tuple[str, ...] = RUN_IDS,
) -> Path:
    """Restore into an empty NOVA_HOME and read its runs and audit log back through `nova`."""
    target = tmp_path / "restored" / "nova"
    target.mkdir(parents=True)  # empty: allowed
    restored = nova(
        "backup", "self", "--restore", *extra, "-o", "json", env={**env, "NOVA_HOME": str(target)}
    )
    assert restored.returncode == 0, restored.stderr
    report = json.loads(restored.stdout)
    assert report["source"] == str(source)
    assert sorted(report["databases"]) == ["audit.db", "state.db"]
    assert not (target / "backup-staging").exists()
    assert [p.name for p in target.parent.iterdir()] == ["nova"]  # no scratch folder left
    restored_env = {**env, "NOVA_HOME": str(target)}
    verify = nova("audit", "verify", env=restored_env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stdout.startswith("OK: ")
    # and against the checkpoints exported before the backup, kept away from NOVA_HOME
    anchored = nova(
        "audit", "verify", "--trusted", str(anchor), "--output", "json", env=restored_env
    )
    assert anchored.returncode == 0, anchored.stdout + anchored.stderr
    checked = json.loads(anchored.stdout)
    assert checked["ok"] is True and checked["checkpoint_seq"] == 2
    assert run_ids(restored_env) == sorted(runs)
    # the restore itself is the newest entry of the restored chain
    action, _subject, payload = audit_entries(target)[-1]
    assert action == "backup.self-restore" and payload["snapshot"] == report["snapshot"]
    return target


def anchor_of(home: Path, tmp_path: Path, env: dict[str, str]) -> Path:
    """The audit log's signed checkpoints, exported before the backup and kept aside."""
    anchor = tmp_path / "anchor.json"
    exported = nova(
        "audit",
        "export",
        "--checkpoints-only",
        "--to",
        str(anchor),
        env={**env, "NOVA_HOME": str(home)},
    )
    assert exported.returncode == 0, exported.stderr
    return anchor


@dataclass(frozen=True)
class RestServer:
    url: str
    user: str
    password: str
    root: Path


@pytest.fixture
def rest_server(tmp_path: Path, restic: str) -> Iterator[RestServer]:
    rclone = need("rclone", "rclone")
    port, root = free_port(), tmp_path / "rest-root"
    root.mkdir()
    user, password = "nova", "p@ss:" + secrets.token_urlsafe(16)
    proc = start(
        [
            rclone,
            "serve",
            "restic",
            "--addr",
            f"127.0.0.1:{port}",
            "--user",
            user,
            "--pass",
            password,
            str(root),
        ],
        port,
        tmp_path / "rclone.log",
    )
    yield RestServer(f"rest:http://127.0.0.1:{port}/nova/", user, password, root)
    stop(proc)


@pytest.fixture
def s3_server(tmp_path: Path, restic: str) -> Iterator[str]:
    if importlib.util.find_spec("moto") is not None:
        command = [sys.executable, "-m", "moto.server"]
    else:
        command = [need("moto_server", "moto[server] from PyPI (the test extra)")]
    port = free_port()
    proc = start([*command, "-H", "127.0.0.1", "-p", str(port)], port, tmp_path / "moto.log")
    yield f"http://127.0.0.1:{port}"
    stop(proc)


def private_file(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_rest_backup_and_restore_keeps_runs_and_audit_chain(
    rest_server: RestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "nova"
    make_home(home, monkeypatch)
    password = tmp_path / "keys" / "nova.password"
    creds = private_file(
        tmp_path / "rest.env",
        f"RESTIC_REST_USERNAME={rest_server.user}\nRESTIC_REST_PASSWORD={rest_server.password}\n",
    )
    env = {"NOVA_HOME": str(home)}
    anchor = anchor_of(home, tmp_path, env)
    options = (
        "--repo",
        rest_server.url,
        "--password-file",
        str(password),
        "--credentials-file",
        str(creds),
    )
    result = nova("backup", "self", *options, "-o", "json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["backend"] == "rest" and report["created"] is True
    assert report["repository"] == rest_server.url
    assert report["credentials"] == {
        "RESTIC_REST_USERNAME": "--credentials-file",
        "RESTIC_REST_PASSWORD": "--credentials-file",
    }
    # the snapshot is on the server, not in a folder under the working directory
    assert (rest_server.root / "nova" / "snapshots" / report["snapshot"]).is_file()
    for secret in (rest_server.password, password.read_text().strip()):
        assert secret not in result.stdout + result.stderr
        assert secret.encode() not in (home / "audit.db").read_bytes()
    action, subject, payload = audit_entries(home)[-1]
    assert (action, subject) == ("backup.self", rest_server.url)
    assert payload["status"] == "successful" and payload["snapshot"] == report["snapshot"]

    # a non-empty NOVA_HOME is refused, and nothing in it changes
    before = sorted((p, p.stat().st_mtime_ns) for p in home.rglob("*"))
    refused = nova("backup", "self", "--restore", *options, env=env)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"nova: {home}: NOVA_HOME: is not empty; restore into an empty or missing NOVA_HOME"
    )
    assert sorted((p, p.stat().st_mtime_ns) for p in home.rglob("*")) == before

    assert_restores(home, tmp_path, env, anchor, *options)


def test_rest_login_refused_is_one_line_and_makes_no_password_file(
    rest_server: RestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "nova"
    make_home(home, monkeypatch)
    password = tmp_path / "nova.password"
    wrong = "wrong-" + secrets.token_urlsafe(8)
    env = {
        "NOVA_HOME": str(home),
        "RESTIC_REST_USERNAME": rest_server.user,
        "RESTIC_REST_PASSWORD": wrong,
    }
    result = nova(
        "backup", "self", "--repo", rest_server.url, "--password-file", str(password), env=env
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"the repository {rest_server.url} refused the credentials" in result.stderr
    assert wrong not in result.stdout + result.stderr
    assert not password.exists()
    action, _subject, payload = audit_entries(home)[-1]
    assert action == "backup.self" and payload["status"] == "failed"
    assert wrong.encode() not in (home / "audit.db").read_bytes()


def test_remote_repository_without_its_password_is_never_made_again(
    rest_server: RestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The repository exists on the server; a missing or wrong password file is an error
    found with a throwaway password, and no second repository or key is made."""
    home = tmp_path / "nova"
    make_home(home, monkeypatch)
    password = tmp_path / "nova.password"
    env = {
        "NOVA_HOME": str(home),
        "RESTIC_REST_USERNAME": rest_server.user,
        "RESTIC_REST_PASSWORD": rest_server.password,
    }
    options = ("--repo", rest_server.url, "--password-file", str(password))
    assert nova("backup", "self", *options, env=env).returncode == 0
    keys = sorted((rest_server.root / "nova" / "keys").iterdir())
    original = password.read_text()
    password.unlink()
    missing = nova("backup", "self", *options, env=env)
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        f"nova: the repository {rest_server.url} exists but its password file "
        f"{password} is missing; put it back"
    )
    assert not password.exists()
    password.write_text("not-the-password\n")
    wrong = nova("backup", "self", *options, env=env)
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == (
        f"nova: the password in {password} does not open the repository "
        f"{rest_server.url}; put the original password file back"
    )
    assert sorted((rest_server.root / "nova" / "keys").iterdir()) == keys
    statuses = [p["status"] for a, _s, p in audit_entries(home) if a == "backup.self"]
    assert statuses == ["successful", "failed", "failed"]
    password.write_text(original)
    assert nova("backup", "self", *options, env=env).returncode == 0


def test_s3_backup_restores_the_chosen_snapshot(
    s3_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "nova"
    make_home(home, monkeypatch)
    key, secret = "AKIANOVATEST", "s3-" + secrets.token_urlsafe(24)
    env = {
        "NOVA_HOME": str(home),
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "RESTIC_PASSWORD": "repo-" + secrets.token_urlsafe(16),
    }
    repo = f"s3:{s3_server}/nova-backups/spark-controller"
    anchor = anchor_of(home, tmp_path, env)
    first = nova("backup", "self", "--repo", repo, "-o", "json", env=env)
    assert first.returncode == 0, first.stderr
    first_report = json.loads(first.stdout)
    assert first_report["backend"] == "s3" and first_report["password_source"] == "RESTIC_PASSWORD"
    assert first_report["password_file"] is None
    for text in (secret, env["RESTIC_PASSWORD"]):
        assert text not in first.stdout + first.stderr
        assert text.encode() not in (home / "audit.db").read_bytes()
    # a later run, which only the second snapshot holds
    later = "20261203-121500-spark-cccc"
    monkeypatch.setenv("NOVA_HOME", str(home))
    StateStore().start_run(later, "spark", ["foundation"], None, False, "cli")
    monkeypatch.delenv("NOVA_HOME")
    second = nova("backup", "self", "--repo", repo, "-o", "json", env=env)
    assert second.returncode == 0, second.stderr
    second_report = json.loads(second.stdout)
    # retention keeps one snapshot a day: the first is gone, and asking for it is one line
    assert second_report["snapshots"] == 1
    gone = nova(
        "backup", "self", "--restore", "--repo", repo, "--snapshot", first_report["snapshot"][:8],
        env={**env, "NOVA_HOME": str(tmp_path / "elsewhere")},
    )  # fmt: skip
    assert gone.returncode == 2
    assert gone.stderr.strip() == (
        f"nova: {first_report['snapshot'][:8]}: --snapshot: no nova-home snapshot in {repo} matches"
    )
    assert not (tmp_path / "elsewhere").exists()

    chosen = second_report["snapshot"][:8]
    restored = assert_restores(
        home, tmp_path, env, anchor, "--repo", repo, "--snapshot", chosen, runs=(*RUN_IDS, later)
    )
    assert audit_entries(restored)[-1][2]["snapshot"] == second_report["snapshot"]

    missing = nova("backup", "self", "--repo", repo, env={**env, "AWS_SECRET_ACCESS_KEY": ""})
    assert missing.returncode == 2
    assert missing.stderr.strip().endswith(
        "--credentials-file: an S3 repository needs AWS_SECRET_ACCESS_KEY "
        "(in the environment or in --credentials-file)"
    )


def test_sftp_backup_and_restore_through_openssh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restic: str
) -> None:
    sshd = need("/usr/sbin/sshd", "openssh-server")
    need("ssh", "openssh-client")
    if os.geteuid() == 0 and not Path("/run/sshd").is_dir():
        Path("/run/sshd").mkdir(mode=0o755)  # sshd's privilege separation folder when root
    keys = tmp_path / "ssh"
    keys.mkdir(mode=0o700)
    for name in ("client", "host"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True
        )
    port = free_port()
    shutil.copy(keys / "client.pub", keys / "authorized_keys")
    (keys / "sshd_config").write_text(
        f"ListenAddress 127.0.0.1:{port}\nHostKey {keys / 'host'}\n"
        f"AuthorizedKeysFile {keys / 'authorized_keys'}\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nPermitRootLogin prohibit-password\n"
        f"StrictModes no\nPidFile {keys / 'sshd.pid'}\n"
        "Subsystem sftp internal-sftp\n"
    )
    host_key = (keys / "host.pub").read_text().split()
    (keys / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    (keys / "config").write_text(
        f"Host nova-backup-host\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n"
        f"  IdentityFile {keys / 'client'}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {keys / 'known_hosts'}\n"
        "  StrictHostKeyChecking yes\n  BatchMode yes\n"
    )
    wrapper = tmp_path / "bin" / "ssh"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nexec {shutil.which("ssh")} -F {keys / "config"} "$@"\n')
    wrapper.chmod(0o755)
    proc = start([sshd, "-D", "-e", "-f", str(keys / "sshd_config")], port, tmp_path / "sshd.log")
    try:
        home = tmp_path / "nova"
        make_home(home, monkeypatch)
        path = os.pathsep.join(
            [str(wrapper.parent), str(Path(sys.executable).parent), os.environ["PATH"]]
        )
        env = {"NOVA_HOME": str(home), "PATH": path, "RESTIC_PASSWORD_FILE": str(tmp_path / "pw")}
        anchor = anchor_of(home, tmp_path, env)
        repo = f"sftp:nova-backup-host:{tmp_path / 'sftp-repo'}"
        result = nova("backup", "self", "--repo", repo, "-o", "json", env=env)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["backend"] == "sftp" and report["password_source"] == "RESTIC_PASSWORD_FILE"
        assert (tmp_path / "sftp-repo" / "snapshots" / report["snapshot"]).is_file()
        assert_restores(home, tmp_path, env, anchor, "--repo", repo)
    finally:
        stop(proc)
