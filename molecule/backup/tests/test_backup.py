"""What the backup role and the recovery drill (side_effect.yml) leave on the hosts.

backup-client backs up over SFTP to backup-repo. The drill wrote data, backed
it up, deleted it and restored it; it then lost the password file and
converged again; finally it verified a restore. These tests read the result
on both containers.
"""

import json
import os

import pytest
import testinfra

testinfra_hosts = ["backup-client"]

REPOSITORY = "/var/backups/restic/backup-client"
JOBS = {"nova-backup": "run", "nova-backup-check": "check", "nova-backup-verify": "verify"}


@pytest.fixture(scope="module")
def repo():
    inventory = os.environ["MOLECULE_INVENTORY_FILE"]
    return testinfra.get_host(f"ansible://backup-repo?ansible_inventory={inventory}")


def snapshot_id(host):
    return host.file("/root/snapshot.id").content_string.strip()


def test_restored_data_matches_the_checksums_taken_before_the_backup(host):
    result = host.run("cd /srv/data && sha256sum --check --strict /root/data.sha256")
    assert result.rc == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == 2


def test_postgresql_dump_was_backed_up_and_restored(host):
    dump = host.file("/var/backups/postgresql/pg_dumpall.sql")
    assert dump.exists
    assert "backed-up-by-nova" in dump.content_string


def test_snapshot_is_in_the_repository(host):
    listing = json.loads(host.check_output("/usr/local/sbin/nova-backup snapshots"))
    ids = [s["id"] for s in listing["snapshots"]]
    assert snapshot_id(host) in ids
    assert all(s["hostname"] == "backup-client" and "nova" in s["tags"] for s in listing["snapshots"])


@pytest.mark.parametrize(("job", "command"), JOBS.items())
def test_timers_are_active_with_a_random_delay(host, job, command):
    timer = host.service(f"{job}.timer")
    assert timer.is_enabled
    assert timer.is_running
    unit = host.file(f"/etc/systemd/system/{job}.timer").content_string
    assert "RandomizedDelaySec=5min" in unit
    service = host.file(f"/etc/systemd/system/{job}.service").content_string
    assert f"ExecStart=/usr/local/sbin/nova-backup {command}\n" in service


def test_restore_verification_passed_and_is_a_local_fact(host):
    fact = json.loads(host.file("/etc/ansible/facts.d/nova_backup.fact").content_string)
    record = json.loads(host.file("/var/lib/nova-backup/verify.json").content_string)
    assert fact == record
    assert fact["result"] == "pass"
    assert fact["checked"] == 2 and fact["mismatched"] == [] and fact["missing"] == []
    # the drill made one snapshot after converging; verify restored it
    assert fact["snapshot"] == snapshot_id(host)
    assert fact["time"]
    assert not host.file("/var/tmp/nova-backup-verify").exists


def test_password_is_private_and_never_in_the_settings(host):
    password = host.file("/etc/nova-backup/password")
    assert password.user == "root" and password.mode == 0o600
    secret = password.content_string.strip()
    assert len(secret) >= 32
    settings = host.file("/etc/nova-backup/backup.json")
    assert settings.mode == 0o600
    assert secret not in settings.content_string
    assert secret not in host.run("journalctl --no-pager -u 'nova-backup*'").stdout


def test_wrong_password_fails_clearly_and_creates_no_repository(host, repo):
    message = host.file("/root/wrong-password.txt").content_string
    assert "does not open it" in message
    assert "a new repository is never created" in message
    keys = repo.check_output(f"ls {REPOSITORY}/keys").split()
    assert len(keys) == 1


def test_client_key_is_authorised_for_sftp_only(host, repo):
    public = host.file("/etc/nova-backup/id_ed25519.pub").content_string.split()[1]
    private = host.file("/etc/nova-backup/id_ed25519")
    assert private.mode == 0o600
    authorized = repo.file("/var/backups/restic/.ssh/authorized_keys").content_string
    line = next(ln for ln in authorized.splitlines() if public in ln)
    assert line.startswith('restrict,command="/usr/lib/openssh/sftp-server" ssh-ed25519 ')
    assert not repo.file("/etc/nova-backup/id_ed25519").exists
    # the key opens sftp-server, not a shell: the command is ignored
    shell = host.run(
        "timeout 20 ssh -F /etc/nova-backup/ssh_config nova-backup-repository"
        " cat /etc/hostname < /dev/null"
    )
    assert shell.rc == 0, shell.stderr
    assert shell.stdout.strip() == ""


def test_repository_lives_on_the_repository_host(host, repo):
    assert repo.file(f"{REPOSITORY}/config").exists
    assert repo.file(REPOSITORY).user == "restic"
    assert repo.file("/var/backups/restic").mode == 0o700
    # an sshd hardened to AllowGroups ssh-users (the ssh_hardening role) admits it
    assert "ssh-users" in repo.user("restic").groups
    assert not host.file(REPOSITORY).exists
