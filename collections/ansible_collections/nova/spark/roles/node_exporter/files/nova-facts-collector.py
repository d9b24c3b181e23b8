#!/usr/bin/python3
"""Nova's host facts as metrics for node exporter's textfile collector.

Writes nova_facts.prom atomically: system_check's fact, the backup role's
records of the last backup and restore verification, WireGuard handshakes,
pending security updates, the OpenVPN CRL's next update and agent restarts.
Each part is read on its own, so one that fails leaves the others and is
reported as nova_facts_part_success 0; the collector itself never fails.
Times are exported as timestamps, so the alert rules compute ages at
evaluation time instead of reading an age that went stale between runs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any

OUTPUT_NAME = "nova_facts.prom"
COMMAND_TIMEOUT = 60

HELP = {
    "nova_system_check_present": ("gauge", "1 when system_check's local fact exists."),
    "nova_system_check_cpu_cores": ("gauge", "CPU cores system_check recorded."),
    "nova_system_check_memory_bytes": ("gauge", "Memory system_check recorded."),
    "nova_system_check_gpus": ("gauge", "NVIDIA GPUs system_check found."),
    "nova_backup_record_present": ("gauge", "1 when the backup role's record exists."),
    "nova_backup_last_run_timestamp_seconds": ("gauge", "When the last backup job ended."),
    "nova_backup_last_run_ok": ("gauge", "1 when the last backup job succeeded."),
    "nova_backup_max_age_seconds": ("gauge", "Oldest a backup may be before it is late."),
    "nova_backup_restore_verify_timestamp_seconds": (
        "gauge",
        "When restore verification last ran.",
    ),
    "nova_backup_restore_verify_ok": ("gauge", "1 when the last restore verification passed."),
    "nova_wireguard_peer_last_handshake_timestamp_seconds": (
        "gauge",
        "Latest handshake with the peer (0: never).",
    ),
    "nova_security_updates_pending": ("gauge", "Upgrades waiting from a security suite."),
    "nova_openvpn_crl_next_update_timestamp_seconds": ("gauge", "When the OpenVPN CRL expires."),
    "nova_systemd_unit_restarts": ("gauge", "Restarts systemd made of the unit since it loaded."),
    "nova_facts_part_success": ("gauge", "1 when the part was read without error."),
    "nova_facts_collector_duration_seconds": ("gauge", "Time the collector took."),
    "nova_facts_collector_last_run_timestamp_seconds": ("gauge", "When the collector last ran."),
}

Sample = tuple[str, dict[str, str], float]


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(samples: Iterable[Sample]) -> str:
    by_name: dict[str, list[Sample]] = {}
    for sample in samples:
        by_name.setdefault(sample[0], []).append(sample)
    lines: list[str] = []
    for name, group in by_name.items():
        kind, text = HELP[name]
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        for _, labels, value in group:
            inner = ",".join(f'{k}="{escape(v)}"' for k, v in sorted(labels.items()))
            lines.append(
                f"{name}{{{inner}}} {float(value)!r}" if inner else f"{name} {float(value)!r}"
            )
    return "\n".join(lines) + "\n"


def write_atomically(folder: str, name: str, text: str) -> None:
    """node exporter reads only *.prom, so the partial file is never scraped."""
    fd, partial = tempfile.mkstemp(dir=folder, prefix="." + name + ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(partial, 0o644)
        os.replace(partial, os.path.join(folder, name))
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise


def read_json(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object")
    return data


def timestamp(value: Any) -> float | None:
    """The backup jobs write ISO 8601 times with their offset."""
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.timestamp()


def run_command(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=True)
    return done.stdout


def system_check(args: argparse.Namespace) -> list[Sample]:
    fact = read_json(args.system_check_fact)
    if fact is None:
        return [("nova_system_check_present", {}, 0)]
    samples: list[Sample] = [("nova_system_check_present", {}, 1)]
    cores = (fact.get("cpu") or {}).get("cores")
    if cores is not None:
        samples.append(("nova_system_check_cpu_cores", {}, float(cores)))
    if fact.get("memory_mb") is not None:
        samples.append(("nova_system_check_memory_bytes", {}, float(fact["memory_mb"]) * 2**20))
    if fact.get("gpu_count") is not None:
        samples.append(("nova_system_check_gpus", {}, float(fact["gpu_count"])))
    return samples


def backup(args: argparse.Namespace) -> list[Sample]:
    run = read_json(os.path.join(args.backup_dir, "last-run.json"))
    verify = read_json(os.path.join(args.backup_dir, "verify.json"))
    if verify is None:
        verify = read_json(args.backup_fact)
    samples: list[Sample] = [
        ("nova_backup_record_present", {"record": "backup"}, 0 if run is None else 1),
        ("nova_backup_record_present", {"record": "restore_verify"}, 0 if verify is None else 1),
        ("nova_backup_max_age_seconds", {}, args.backup_max_age_hours * 3600),
    ]
    when = timestamp(run.get("time")) if run else None
    if run is not None and when is not None:
        samples.append(("nova_backup_last_run_timestamp_seconds", {}, when))
        samples.append(("nova_backup_last_run_ok", {}, 1 if run.get("status") == "ok" else 0))
    checked = timestamp(verify.get("time")) if verify else None
    if verify is not None and checked is not None:
        samples.append(("nova_backup_restore_verify_timestamp_seconds", {}, checked))
        ok = 1 if verify.get("result") == "pass" else 0
        samples.append(("nova_backup_restore_verify_ok", {}, ok))
    return samples


def parse_handshakes(output: str) -> list[Sample]:
    """`wg show all latest-handshakes`: interface, peer public key, epoch seconds."""
    samples: list[Sample] = []
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].isdigit():
            labels = {"interface": parts[0], "peer": parts[1]}
            samples.append(
                ("nova_wireguard_peer_last_handshake_timestamp_seconds", labels, float(parts[2]))
            )
    return samples


def wireguard(args: argparse.Namespace) -> list[Sample]:
    if not os.path.exists(args.wg):
        return []
    return parse_handshakes(run_command([args.wg, "show", "all", "latest-handshakes"]))


def count_security_updates(simulated: str) -> int:
    """Lines like "Inst openssl [old] (new Debian-Security:12/stable-security [amd64])"."""
    return sum(
        1
        for line in simulated.splitlines()
        if line.startswith("Inst ") and "security" in line.lower()
    )


def apt_state(paths: list[str]) -> list[float]:
    """What a simulated upgrade depends on: the package lists and the installed set."""
    stamps = []
    for path in paths:
        try:
            stamps.append(os.stat(path).st_mtime)
        except OSError:
            stamps.append(0.0)
    return stamps


def security_updates(args: argparse.Namespace) -> list[Sample]:
    if not os.path.exists(args.apt_get):
        return []
    # A simulated upgrade takes seconds; its answer only changes when apt's
    # lists or dpkg's status do, so it is kept beside the output until then.
    cache = os.path.join(args.output, ".nova_facts_apt.json")
    state = apt_state(args.apt_state)
    try:
        with open(cache, encoding="utf-8") as handle:
            kept = json.load(handle)
        if kept.get("state") == state and kept.get("apt_get") == args.apt_get:
            return [("nova_security_updates_pending", {}, float(kept["pending"]))]
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    # Simulated, without the lock: nothing changes and a running apt is not disturbed.
    out = run_command([args.apt_get, "--simulate", "-o", "Debug::NoLocking=true", "dist-upgrade"])
    pending = count_security_updates(out)
    text = json.dumps({"state": state, "apt_get": args.apt_get, "pending": pending})
    write_atomically(args.output, ".nova_facts_apt.json", text)
    return [("nova_security_updates_pending", {}, pending)]


def parse_next_update(output: str) -> float:
    """`openssl crl -nextupdate -noout`: "nextUpdate=Dec  4 14:00:00 2027 GMT"."""
    value = output.strip().partition("=")[2].strip()
    parsed = datetime.datetime.strptime(" ".join(value.split()), "%b %d %H:%M:%S %Y GMT")
    return parsed.replace(tzinfo=datetime.UTC).timestamp()


def openvpn_crl(args: argparse.Namespace) -> list[Sample]:
    if not os.path.exists(args.openvpn_crl):
        return []
    out = run_command(["openssl", "crl", "-in", args.openvpn_crl, "-noout", "-nextupdate"])
    return [("nova_openvpn_crl_next_update_timestamp_seconds", {}, parse_next_update(out))]


def parse_restarts(output: str) -> list[Sample]:
    """`systemctl show -p Id -p NRestarts UNITS`: blocks separated by blank lines."""
    samples: list[Sample] = []
    for block in output.strip().split("\n\n"):
        fields = dict(line.partition("=")[::2] for line in block.splitlines() if "=" in line)
        if fields.get("Id") and fields.get("NRestarts", "").isdigit():
            samples.append(
                ("nova_systemd_unit_restarts", {"unit": fields["Id"]}, float(fields["NRestarts"]))
            )
    return samples


def agent_restarts(args: argparse.Namespace) -> list[Sample]:
    listed = run_command(
        [
            "systemctl",
            "list-units",
            "--all",
            "--plain",
            "--no-legend",
            "--type=service",
            *args.units,
        ]
    )
    units = [line.split()[0] for line in listed.splitlines() if line.strip()]
    if not units:
        return []
    return parse_restarts(run_command(["systemctl", "show", "-p", "Id", "-p", "NRestarts", *units]))


PARTS: dict[str, Callable[[argparse.Namespace], list[Sample]]] = {
    "system_check": system_check,
    "backup": backup,
    "wireguard": wireguard,
    "security_updates": security_updates,
    "openvpn_crl": openvpn_crl,
    "agent_restarts": agent_restarts,
}


def collect(args: argparse.Namespace) -> list[Sample]:
    samples: list[Sample] = []
    for name in args.parts:
        try:
            samples += PARTS[name](args)
            ok = 1
        except Exception as error:  # noqa: BLE001 - one broken part must not hide the others
            print(f"nova-facts-collector: {name}: {error}", file=sys.stderr)
            ok = 0
        samples.append(("nova_facts_part_success", {"part": name}, ok))
    return samples


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--output", required=True, help="node exporter's textfile folder")
    p.add_argument("--parts", nargs="+", default=list(PARTS), choices=list(PARTS))
    p.add_argument("--system-check-fact", default="/etc/ansible/facts.d/nova.fact")
    p.add_argument("--backup-dir", default="/var/lib/nova-backup")
    p.add_argument("--backup-fact", default="/etc/ansible/facts.d/nova_backup.fact")
    p.add_argument("--backup-max-age-hours", type=float, default=48)
    p.add_argument("--wg", default="/usr/bin/wg")
    p.add_argument("--apt-get", default="/usr/bin/apt-get")
    p.add_argument("--apt-state", nargs="+", default=["/var/lib/apt/lists", "/var/lib/dpkg/status"])
    p.add_argument("--openvpn-crl", default="/etc/openvpn/server/nova-crl.pem")
    p.add_argument("--units", nargs="+", default=["nova-agent*", "nova-queue*"])
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    started = time.monotonic()
    samples = collect(args)
    samples += [
        ("nova_facts_collector_duration_seconds", {}, time.monotonic() - started),
        ("nova_facts_collector_last_run_timestamp_seconds", {}, time.time()),
    ]
    write_atomically(args.output, OUTPUT_NAME, render(samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
