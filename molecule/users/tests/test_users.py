"""What users leaves on a host: accounts, groups, keys, locks and sudo rules."""

ALICE_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIAAYwv1NQzwCW6BI97gg4kq/nyDI57eyR9bvyduo2W7K"
BOB_KEYS = (
    "AAAAC3NzaC1lZDI1NTE5AAAAICkbyyokZ1d423k/3OVKQ11VklEBkGtN/7yhJP0J30SS",
    "AAAAC3NzaC1lZDI1NTE5AAAAIO3aT3sxPu9vU+j1GUTXf0h5GmrH68ccQLL8dyeZw+MP",
)
STALE_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIF8wRoSLJBWpZl27O1/YfrlVHlcm5CCJWjrNb72oCzzq"


def shadow_password(host, name):
    return host.check_output(f"getent shadow {name}").split(":")[1]


def test_alice_account(host):
    alice = host.user("alice")
    assert alice.exists
    assert alice.uid == 2001
    assert alice.gecos == "Alice Admin"
    assert alice.shell == "/bin/bash"
    assert "developers" in alice.groups
    assert host.group("developers").gid == 2100


def test_alice_key_installed_with_safe_modes(host):
    ssh_dir = host.file("/home/alice/.ssh")
    keys = host.file("/home/alice/.ssh/authorized_keys")
    assert ssh_dir.mode == 0o700 and ssh_dir.user == "alice"
    assert keys.mode == 0o600 and keys.user == "alice"
    assert ALICE_KEY in keys.content_string


def test_bob_keys_are_exclusive(host):
    content = host.file("/home/bob/.ssh/authorized_keys").content_string
    assert all(key in content for key in BOB_KEYS)
    assert STALE_KEY not in content


def test_bob_password_is_locked(host):
    assert shadow_password(host, "bob").startswith("!$")


def test_keeper_password_stays_unlocked(host):
    # The role refused to lock the account Ansible connected as.
    assert shadow_password(host, "keeper").startswith("$")


def test_absent_account_and_group_are_gone(host):
    assert not host.user("mallory").exists
    assert not host.file("/home/mallory").exists
    assert not host.group("oldteam").exists


def test_root_still_exists(host):
    assert host.user("root").exists


def test_sudo_rule_files(host):
    alice = host.file("/etc/sudoers.d/nova-alice")
    auditors = host.file("/etc/sudoers.d/nova-group-auditors")
    for rule in (alice, auditors):
        assert rule.user == "root" and rule.mode == 0o440
    assert "alice ALL=(ALL:ALL) NOPASSWD: ALL" in alice.content_string
    assert "%auditors ALL=(root) NOPASSWD: /usr/bin/journalctl" in auditors.content_string
    assert not host.file("/etc/sudoers.d/nova-bob").exists
    host.run_expect([0], "visudo -c")


def test_sudo_rules_take_effect(host):
    assert host.check_output("sudo -n -u alice sudo -n id -un") == "root"
    assert "/usr/bin/journalctl" in host.check_output("sudo -l -U bob")
    # bob may run journalctl only, so anything else is refused without a password.
    assert host.run("sudo -n -u bob sudo -n id -un").rc != 0
