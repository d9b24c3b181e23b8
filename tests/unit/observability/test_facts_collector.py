"""The Nova facts textfile collector, run for real against files and commands
laid out in a temporary folder (the backup role's records, system_check's fact,
`wg`, `apt-get` and `systemctl` stand-ins are small scripts printing what the
real tools print, since the test machine has no WireGuard peers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

from nova.core.paths import project_root

SCRIPT = project_root() / "roles" / "node_exporter" / "files" / "nova-facts-collector.py"


def metrics(path: Path) -> dict[str, float]:
    found: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


def tool(folder: Path, name: str, output: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\ncat <<'OUT'\n{output}\nOUT\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def run(tmp_path: Path, *extra: str) -> dict[str, float]:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(out), *extra],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return metrics(out / "nova_facts.prom")


def test_backup_records_and_system_check_become_metrics(tmp_path: Path) -> None:
    backups = tmp_path / "backup"
    backups.mkdir()
    (backups / "last-run.json").write_text(
        json.dumps({"time": "2026-12-01T02:00:07+00:00", "status": "ok", "snapshot": "ab12"})
    )
    (backups / "verify.json").write_text(
        json.dumps({"time": "2026-12-02T03:00:00+00:00", "result": "fail", "snapshot": "ab12"})
    )
    fact = tmp_path / "nova.fact"
    fact.write_text(json.dumps({"cpu": {"cores": 20}, "memory_mb": 131072, "gpu_count": 1}))
    found = run(
        tmp_path,
        "--parts", "system_check", "backup",
        "--backup-dir", str(backups),
        "--system-check-fact", str(fact),
        "--backup-max-age-hours", "26",
    )  # fmt: skip
    assert found["nova_backup_last_run_timestamp_seconds"] == 1796090407  # 2026-12-01T02:00:07Z
    assert found["nova_backup_last_run_ok"] == 1
    assert found["nova_backup_max_age_seconds"] == 26 * 3600
    assert found["nova_backup_restore_verify_ok"] == 0
    assert found['nova_backup_record_present{record="backup"}'] == 1
    assert found["nova_system_check_cpu_cores"] == 20
    assert found["nova_system_check_memory_bytes"] == 131072 * 2**20
    assert found["nova_system_check_gpus"] == 1
    assert found['nova_facts_part_success{part="backup"}'] == 1


def test_a_host_without_records_reports_absence_not_failure(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "--parts", "system_check", "backup", "wireguard", "openvpn_crl",
        "--backup-dir", str(tmp_path / "none"),
        "--backup-fact", str(tmp_path / "none.fact"),
        "--system-check-fact", str(tmp_path / "none.fact"),
        "--wg", str(tmp_path / "no-wg"),
        "--openvpn-crl", str(tmp_path / "no-crl.pem"),
    )  # fmt: skip
    assert found['nova_backup_record_present{record="backup"}'] == 0
    assert found["nova_system_check_present"] == 0
    assert "nova_backup_last_run_timestamp_seconds" not in found
    assert all(v == 1 for k, v in found.items() if k.startswith("nova_facts_part_success"))


def test_a_broken_part_is_reported_and_the_others_still_written(tmp_path: Path) -> None:
    backups = tmp_path / "backup"
    backups.mkdir()
    (backups / "last-run.json").write_text("{not json")
    wg = tool(tmp_path, "wg", "wg0\tPEERKEY1=\t1764860000\nwg0\tPEERKEY2=\t0")
    found = run(
        tmp_path,
        "--parts", "backup", "wireguard",
        "--backup-dir", str(backups),
        "--wg", str(wg),
    )  # fmt: skip
    assert found['nova_facts_part_success{part="backup"}'] == 0
    assert found['nova_facts_part_success{part="wireguard"}'] == 1
    key = 'nova_wireguard_peer_last_handshake_timestamp_seconds{interface="wg0",peer="PEERKEY1="}'
    assert found[key] == 1764860000
    never = 'nova_wireguard_peer_last_handshake_timestamp_seconds{interface="wg0",peer="PEERKEY2="}'
    assert found[never] == 0


def test_pending_security_updates_are_counted(tmp_path: Path) -> None:
    simulated = "\n".join(
        [
            "Inst openssl [3.0.15-1~deb12u1]"
            " (3.0.16-1~deb12u1 Debian-Security:12/stable-security [amd64])",
            "Inst libc6 [2.36-9] (2.36-9+deb12u9 Debian:12.9/stable [amd64])",
            "Conf openssl (3.0.16-1~deb12u1 Debian-Security:12/stable-security [amd64])",
        ]
    )
    apt = tool(tmp_path, "apt-get", simulated)
    status = tmp_path / "status"
    status.write_text("installed\n")
    options = ("--parts", "security_updates", "--apt-get", str(apt), "--apt-state", str(status))
    found = run(tmp_path, *options)
    assert found["nova_security_updates_pending"] == 1
    # Until dpkg's status changes the answer is reused, not simulated again.
    tool(tmp_path, "apt-get", simulated + "\n" + simulated.replace("openssl", "libssl3"))
    assert run(tmp_path, *options)["nova_security_updates_pending"] == 1
    status.write_text("upgraded\n")
    os.utime(status, (time.time() + 5, time.time() + 5))
    assert run(tmp_path, *options)["nova_security_updates_pending"] == 2


def test_crl_and_restart_parsers(facts_collector: ModuleType) -> None:
    stamp = facts_collector.parse_next_update("nextUpdate=Dec  4 14:00:00 2027 GMT\n")
    assert stamp == 1827928800
    shown = "Id=nova-agent.service\nNRestarts=4\n\nId=nova-queue.service\nNRestarts=0\n"
    assert facts_collector.parse_restarts(shown) == [
        ("nova_systemd_unit_restarts", {"unit": "nova-agent.service"}, 4.0),
        ("nova_systemd_unit_restarts", {"unit": "nova-queue.service"}, 0.0),
    ]


def test_the_real_crl_of_openssl_is_read(tmp_path: Path, facts_collector: ModuleType) -> None:
    """A CRL made by openssl here, read back through the collector's own command."""
    key, cert, crl = tmp_path / "ca.key", tmp_path / "ca.crt", tmp_path / "crl.pem"
    conf = tmp_path / "ca.cnf"
    (tmp_path / "index.txt").write_text("")
    conf.write_text(
        "[ca]\ndefault_ca=d\n[d]\ndatabase=" + str(tmp_path / "index.txt") + "\n"
        "default_md=sha256\ndefault_crl_days=30\n"
    )
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-subj", "/CN=test-ca", "-days", "2"],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "ca", "-gencrl", "-config", str(conf), "-keyfile", str(key), "-cert",
         str(cert), "-out", str(crl)],
        check=True, capture_output=True,
    )  # fmt: skip
    found = run(tmp_path, "--parts", "openvpn_crl", "--openvpn-crl", str(crl))
    expires = found["nova_openvpn_crl_next_update_timestamp_seconds"]
    assert abs(expires - (time.time() + 30 * 86400)) < 3600
