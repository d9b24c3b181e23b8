"""What os_hardening leaves on a node that the foundation already set up:
the measures in force, and SSH, Docker and WireGuard still working, probed
from a second container. The fail2ban test bans the peer and lifts the ban
again, so it runs last."""

import json
import os
import time
from pathlib import Path

import pytest
import testinfra

testinfra_hosts = ["os-hardening-node"]

BANNER = "Authorised access only."
RULES = "/etc/audit/rules.d/60-nova-hardening.rules"
SYSCTL_FILE = "/etc/sysctl.d/60-nova-hardening.conf"
# The network namespace's own keys, which the role sets on the node.
NET_SYSCTLS = {
    "net.ipv4.conf.all.accept_redirects": "0",
    "net.ipv4.conf.all.send_redirects": "0",
    "net.ipv4.conf.all.accept_source_route": "0",
    "net.ipv6.conf.all.accept_redirects": "0",
    "net.ipv4.conf.all.rp_filter": "1",
    "net.ipv4.conf.all.log_martians": "1",
    "net.ipv4.tcp_syncookies": "1",
    "net.ipv4.icmp_echo_ignore_broadcasts": "1",
    # Kept on for Docker and WireGuard.
    "net.ipv4.ip_forward": "1",
}
# The whole machine's keys: written to the file, never applied from a container.
HOST_SYSCTLS = {
    "kernel.kptr_restrict": "2",
    "kernel.dmesg_restrict": "1",
    "kernel.yama.ptrace_scope": "1",
    "fs.protected_hardlinks": "1",
    "fs.protected_regular": "2",
    "fs.suid_dumpable": "0",
}
ORIGIN = "origin=Debian,codename=${distro_codename}-security,label=Debian-Security"
AIDE_LOG = "/var/lib/aide/nova-last-check.txt.log"
MODULES = ["cramfs", "freevxfs", "hfs", "hfsplus", "udf", "dccp", "sctp", "rds", "tipc"]


def peer_of(host):
    return testinfra.get_host(
        "os-hardening-peer", connection="ansible", ansible_inventory=host.backend.ansible_inventory
    )


def address_of(host):
    return host.check_output("ip -4 -o addr show dev eth0").split()[3].split("/")[0]


def ssh(peer, user, address, command="id -gn && id -Gn"):
    return peer.run(
        "ssh -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=no "
        "-o UserKnownHostsFile=/dev/null %s@%s %s",
        user,
        address,
        command,
    )


def sysctl_file(host):
    pairs = {}
    for line in host.file(SYSCTL_FILE).content_string.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            pairs[key.strip().lstrip("-")] = value.strip()
    return pairs


def test_network_sysctls_are_live_in_the_kernel(host):
    for key, value in NET_SYSCTLS.items():
        live = host.file("/proc/sys/" + key.replace(".", "/")).content_string.strip()
        assert live == value, key


def test_every_sysctl_is_in_the_boot_file(host):
    written = sysctl_file(host)
    assert {**NET_SYSCTLS, **HOST_SYSCTLS}.items() <= written.items()
    assert host.file(SYSCTL_FILE).mode == 0o644


def test_host_wide_sysctls_are_left_to_the_host_in_a_container(host):
    """/proc/sys is writable on this node (prepare), yet the machine-wide keys
    keep the values the host had before: the role never sets them from a container."""
    before = host.file("/root/host-sysctls-before").content_string.splitlines()
    assert len(before) == len(HOST_SYSCTLS) - 1  # no Yama in this kernel
    assert host.check_output("sysctl -e " + " ".join(HOST_SYSCTLS)).splitlines() == before
    assert host.file("/proc/sys/kernel/kptr_restrict").is_file


def test_ssh_still_admits_the_group_and_shows_the_banner(host):
    peer = peer_of(host)
    login = ssh(peer, "alice", address_of(host))
    assert login.rc == 0, login.stderr
    assert "ssh-users" in login.stdout.split()
    assert BANNER in login.stderr
    assert host.run("sshd -T").stdout.count("banner /etc/issue.net") == 1


def test_ssh_still_refuses_accounts_outside_the_group(host):
    refused = ssh(peer_of(host), "mallory", address_of(host))
    assert refused.rc == 255
    assert "Permission denied" in refused.stderr


def test_docker_still_runs(host):
    assert host.service("docker").is_running
    info = host.run("docker info --format '{{.ServerVersion}}'")
    assert info.rc == 0 and info.stdout.strip()
    assert host.run("nft list chain ip nat DOCKER").rc == 0


def test_wireguard_still_carries_traffic(host):
    assert host.service("wg-quick@wg0").is_running
    assert "wireguard-go" in host.check_output("ps -eo comm")
    ping = host.run("ping -c 3 -W 2 -I wg0 10.77.0.2")
    assert ping.rc == 0, ping.stdout
    handshakes = host.check_output("wg show wg0 latest-handshakes").split()
    assert int(handshakes[1]) > 0


def test_blacklisted_modules_resolve_to_a_refusal(host):
    """Containers cannot load modules at all, so the proof is modprobe's own
    resolution of the configuration, and modprobe running the refusal."""
    for module in MODULES:
        resolved = host.run("modprobe -n -v %s", module)
        assert resolved.stdout.split() == ["install", "/bin/false"], module
    refused = host.run("modprobe cramfs")
    assert refused.rc != 0
    assert "Error running install command '/bin/false' for module cramfs" in refused.stderr
    conf = host.file("/etc/modprobe.d/nova-hardening.conf").content_string
    assert "blacklist tipc" in conf
    assert "wireguard" not in conf and "tun" not in conf.split()


def test_accounts_policy(host):
    defs = host.file("/etc/login.defs").content_string
    settings = dict(
        line.split(None, 1) for line in defs.splitlines() if line and not line.startswith("#")
    )
    assert settings["PASS_MAX_DAYS"].strip() == "365"
    assert settings["ENCRYPT_METHOD"].strip() == "YESCRYPT"
    assert settings["UMASK"].strip() == "027"
    # A real login shell over SSH: sshd's PAM session (pam_limits), then the profile.
    login = ssh(peer_of(host), "alice", address_of(host), "bash -lc 'umask; ulimit -Hc'")
    assert login.stdout.split() == ["0027", "0"], login.stderr
    # pam_pwquality refuses a short password, even set by root.
    weak = host.run("echo 'alice:Sh0rt!' | chpasswd")
    assert weak.rc != 0 and "shorter than 14 characters" in weak.stdout + weak.stderr
    assert host.file("/etc/systemd/coredump.conf.d/60-nova-hardening.conf").contains("Storage=none")


def test_sudo_writes_its_own_log(host):
    marker = f"nova-sudo-probe-{time.time_ns()}"
    assert host.run("sudo -u nobody /bin/echo %s", marker).rc == 0
    assert marker in host.file("/var/log/sudo.log").content_string
    assert host.run("visudo -c").rc == 0


def test_login_banner_files(host):
    for path in ("/etc/issue", "/etc/issue.net"):
        assert host.file(path).content_string.startswith(BANNER)


def audit_refused(host):
    status = host.run("auditctl -s")
    return status.rc != 0 and "Operation not permitted" in status.stderr


def test_the_kernel_refuses_audit_control_in_this_container(host):
    """The kernel takes audit rules and the audit daemon only from its initial
    PID namespace (kernel/audit.c, audit_netlink_ok returns EPERM), whatever
    capabilities the container holds: AUDIT_CONTROL, AUDIT_WRITE and AUDIT_READ
    are granted here. So the role leaves auditd stopped and its rules in place."""
    caps = int(host.file("/proc/1/status").content_string.split("CapEff:")[1].split()[0], 16)
    assert caps & (1 << 30)  # CAP_AUDIT_CONTROL held
    assert audit_refused(host)
    assert not host.service("auditd").is_running
    assert not host.service("auditd").is_enabled


def test_every_audit_rule_passes_auditctl_and_only_the_kernel_refuses_it(host):
    """auditctl parses each rule (syscall names, fields, paths) before it
    sends it: with -c it goes on after an error, so every rule must be refused
    by the kernel (EPERM) and none by the parser."""
    rules = [
        line for line in host.file(RULES).content_string.splitlines() if line[:3] in ("-a ", "-w ")
    ]
    assert len(rules) >= 20
    keys = {line.split("-k ")[1] for line in rules}
    assert keys == {
        "identity",
        "sudoers",
        "sshd",
        "firewall",
        "time-change",
        "modules",
        "privileged",
    }
    assert "-w /etc/sudoers.d/ -p wa -k sudoers" in rules
    assert "-w /etc/nova/firewall.nft -p wa -k firewall" in rules
    loaded = host.run(
        "(echo -c; cat %s) > /tmp/nova-rules-check && auditctl -R /tmp/nova-rules-check", RULES
    )
    lines = loaded.stderr.splitlines() + loaded.stdout.splitlines()
    refused = [
        line
        for line in lines
        if line == "Error sending add rule data request (Operation not permitted)"
    ]
    located = [line for line in lines if line.startswith("There was an error in line")]
    assert len(refused) == len(rules) == len(located), loaded.stderr
    assert not [line for line in lines if line not in refused and line not in located]
    conf = host.file("/etc/audit/auditd.conf").content_string
    assert (
        "max_log_file = 50" in conf
        and "num_logs = 5" in conf
        and "max_log_file_action = ROTATE" in conf
    )


@pytest.mark.skipif(
    "os.environ.get('NOVA_AUDIT_IN_CONTAINER') != '1'",
    reason="the kernel refuses audit control outside its initial PID namespace (test above)",
)
def test_auditd_records_a_sudoers_change(host):
    """Where a kernel lets the node audit (set NOVA_AUDIT_IN_CONTAINER=1 there):
    a change to /etc/sudoers.d is read back with ausearch."""
    assert not audit_refused(host)
    host.run("touch /etc/sudoers.d/nova-audit-probe && rm -f /etc/sudoers.d/nova-audit-probe")
    found = host.run("ausearch -k sudoers -f /etc/sudoers.d/nova-audit-probe --input-logs")
    assert found.rc == 0 and "nova-audit-probe" in found.stdout


def test_security_updates_only_from_the_security_origin(host):
    dump = host.check_output("apt-config dump")
    prefix = "Unattended-Upgrade::Origins-Pattern:: "
    origins = [line for line in dump.splitlines() if line.startswith(prefix)]
    assert origins == [f'{prefix}"{ORIGIN}";']
    assert 'APT::Periodic::Unattended-Upgrade "1";' in dump
    assert 'Unattended-Upgrade::Automatic-Reboot "true";' in dump  # no GPU on this node
    listed = host.file("/etc/apt/sources.list.d/nova-security.list").content_string
    assert "deb http://deb.debian.org/debian-security bookworm-security main" in listed
    assert "bookworm-security/main" in host.check_output("apt-cache policy")
    dry = host.run("unattended-upgrade --dry-run --debug")
    assert dry.rc == 0, dry.stderr
    said = (dry.stdout + dry.stderr).splitlines()
    allowed = [line for line in said if line.startswith("Allowed origins are:")]
    assert allowed == ["Allowed origins are: " + ORIGIN.replace("${distro_codename}", "bookworm")]
    assert host.service("apt-daily-upgrade.timer").is_enabled


def test_aide_has_a_baseline_and_a_daily_check_that_sees_changes(host):
    db = host.file("/var/lib/aide/nova.db")
    assert db.is_file and db.mode == 0o600 and db.size > 0
    assert host.service("nova-aide-check.timer").is_enabled
    # Debian's full check (aide-common, not installed here) never runs beside it.
    assert host.run("systemctl is-enabled dailyaidecheck.timer").stdout.strip() != "enabled"
    first = result_of(host)
    assert first["exit_code"] == "0", host.file(AIDE_LOG).content_string
    host.run_expect([0], "touch /etc/nova-aide-probe")
    try:
        host.run_expect([0], "systemctl start nova-aide-check.service")
        changed = result_of(host)
        assert int(changed["exit_code"]) & 1  # an entry added
        assert "/etc/nova-aide-probe" in host.file(AIDE_LOG).content_string
    finally:
        host.run("rm -f /etc/nova-aide-probe")


def result_of(host):
    text = host.file("/var/lib/aide/nova-last-check.txt").content_string
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def kept_evidence(host, check):
    name = f"evidence-{host.backend.host}-{check}.json"
    return json.loads((Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / name).read_text())


def banned(host):
    return host.check_output("fail2ban-client status sshd")


def test_fail2ban_bans_a_peer_that_keeps_failing_and_leaves_the_firewall_alone(host):
    peer = peer_of(host)
    node, source = address_of(host), address_of(peer)
    assert "Currently banned:\t0" in banned(host)
    try:
        for _ in range(10):  # maxretry is 5; each refused user counts once or more
            ssh(peer, "nosuchuser", node)
            if source in banned(host):
                break
        assert source in banned(host)
        assert "Currently banned:\t1" in banned(host)
        table = host.check_output("nft list table inet f2b-table")
        assert source in table
        # Banned: the peer's SSH connections no longer get an answer.
        assert ssh(peer, "alice", node).rc == 255
        # The firewall's table is untouched next to fail2ban's.
        assert "hook input priority filter; policy drop;" in host.check_output(
            "nft list table inet nova_filter"
        )
    finally:
        host.run("fail2ban-client set sshd unbanip %s", source)
    assert ssh(peer, "alice", node).rc == 0


def test_converge_recorded_the_ban_count_as_evidence(host):
    evidence = kept_evidence(host, "brute_force")
    assert evidence["ok"] is True
    assert evidence["data"]["jail_active"] is True
    assert evidence["data"]["currently_banned"] == 0
