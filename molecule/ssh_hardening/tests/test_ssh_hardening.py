"""What ssh_hardening leaves on a host, probed by logging in to 127.0.0.1.

The probes run `ssh` inside the container against its own sshd with a key
that prepare installed for operator (in ssh-users), outsider (in no allowed
group) and root.
"""

import json
import os
import re
from pathlib import Path

import pytest

SSH = (
    "ssh -i /root/probe_key -o BatchMode=yes -o StrictHostKeyChecking=no "
    "-o UserKnownHostsFile=/dev/null -o ConnectTimeout=10"
)


def effective(host):
    """sshd's own view of its configuration, keyword -> value."""
    lines = host.check_output("sshd -T").splitlines()
    return dict(line.split(" ", 1) for line in lines if " " in line)


def test_converge_recorded_the_effective_settings_as_evidence(host):
    """The role's nova_evidence fact, kept by converge, is what `sshd -T` prints on the host."""
    kept = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / (
        "evidence-ssh-hardening-bookworm-sshd_config.json"
    )
    evidence = json.loads(kept.read_text())
    assert evidence["check"] == "sshd_config" and evidence["ok"] is True
    data = evidence["data"]
    assert data["intended"] == ["permitrootlogin no", "passwordauthentication no"]
    assert data["effective"] == host.check_output("sshd -T").splitlines()
    assert set(data["intended"]) <= set(data["effective"])


def test_config_file(host):
    config = host.file("/etc/ssh/sshd_config")
    assert config.user == "root" and config.mode == 0o600
    # The include comes after the settings, so drop-ins cannot override them.
    lines = [line for line in config.content_string.splitlines() if line.strip()]
    assert lines[-1] == "Include /etc/ssh/sshd_config.d/*.conf"
    host.run_expect([0], "sshd -t")


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("permitrootlogin", "no"),
        ("passwordauthentication", "no"),
        ("kbdinteractiveauthentication", "no"),
        ("permitemptypasswords", "no"),
        ("pubkeyauthentication", "yes"),
        ("allowgroups", "ssh-users"),
        ("maxauthtries", "3"),
        ("x11forwarding", "no"),
        ("allowtcpforwarding", "no"),
        (
            "ciphers",
            "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,"
            "aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr",
        ),
        (
            "macs",
            "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com",
        ),
    ],
)
def test_effective_setting(host, keyword, value):
    assert effective(host)[keyword] == value


def test_drop_in_cannot_weaken_the_settings(host):
    host.run_expect(
        [0], "printf 'PasswordAuthentication yes\\n' > /etc/ssh/sshd_config.d/50-probe.conf"
    )
    try:
        assert effective(host)["passwordauthentication"] == "no"
    finally:
        host.run_expect([0], "rm -f /etc/ssh/sshd_config.d/50-probe.conf")


def test_sshd_running_and_listening(host):
    assert host.service("ssh").is_running
    assert host.service("ssh").is_enabled
    assert host.socket("tcp://0.0.0.0:22").is_listening


def test_allowed_group_member_logs_in_with_key(host):
    assert host.check_output(f"{SSH} operator@127.0.0.1 id -un") == "operator"


def test_root_login_refused(host):
    result = host.run(f"{SSH} root@127.0.0.1 id -un")
    assert result.rc == 255
    assert "Permission denied" in result.stderr


def test_account_outside_allowed_groups_refused(host):
    result = host.run(f"{SSH} outsider@127.0.0.1 id -un")
    assert result.rc == 255
    assert "Permission denied" in result.stderr


def test_password_login_not_offered(host):
    # operator has a password; the server must offer public keys only.
    result = host.run(
        "ssh -v -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
        "-o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive "
        "operator@127.0.0.1 true"
    )
    assert result.rc == 255
    offered = re.findall(r"Authentications that can continue: (\S+)", result.stderr)
    assert offered and set(offered) == {"publickey"}
    assert "Permission denied (publickey)" in result.stderr


def test_weak_cipher_refused(host):
    result = host.run(f"{SSH} -c aes128-cbc operator@127.0.0.1 true")
    assert result.rc == 255
    assert "no matching cipher" in result.stderr
