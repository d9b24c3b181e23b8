"""The control registry: numbers, short titles, and the checks that evidence them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Control:
    number: str
    title: str
    checks: tuple[str, ...]


CONTROLS: tuple[Control, ...] = (
    Control("5.15", "Access control", ("sshd_config", "brute_force")),
    Control("5.17", "Authentication information", ("sshd_config",)),
    Control("5.18", "Access rights", ("policy_gate",)),
    Control("5.28", "Collection of evidence", ("audit_chain",)),
    Control("5.33", "Protection of records", ("audit_chain",)),
    Control("8.2", "Privileged access rights", ("policy_gate", "sshd_config", "sudo_users")),
    Control("8.5", "Secure authentication", ("sshd_config",)),
    Control("8.8", "Management of technical vulnerabilities", ("security_updates", "auto_updates")),
    Control("8.9", "Configuration management", ("last_run", "kernel_sysctl", "file_integrity")),
    Control("8.13", "Information backup", ("backup", "restore_check")),
    Control("8.15", "Logging", ("audit_chain", "audit_rules")),
    Control(
        "8.16", "Monitoring activities", ("monitor", "audit_rules", "file_integrity", "brute_force")
    ),
    Control("8.17", "Clock synchronization", ("clock_sync",)),
    Control(
        "8.19",
        "Installation of software on operational systems",
        ("auto_updates", "file_integrity"),
    ),
    Control("8.20", "Networks security", ("firewall_ruleset", "kernel_sysctl")),
    Control("8.21", "Security of network services", ("vpn_handshake",)),
    Control("8.22", "Segregation of networks", ("firewall_ruleset",)),
    Control("8.24", "Use of cryptography", ("vpn_handshake", "sshd_config", "openvpn_crl")),
    Control("8.32", "Change management", ("run_decision_link",)),
)


def control(number: str) -> Control | None:
    return next((c for c in CONTROLS if c.number == number), None)
