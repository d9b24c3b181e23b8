"""Host evidence passes a control only while fresh, and only while its stored data is intact.

The evidence is recorded as provisioning records it (EvidenceSink: the hash
in a real audit log, the data in a real state store); the report is read
through `nova compliance report` in-process, with the same error path as
the installed command.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_harness import run_main

from nova.ansible.runner import HostEvidence, HostStats
from nova.audit.log import AuditLog
from nova.compliance.evidence import Freshness, parse_age
from nova.compliance.report import inventory_report
from nova.core.errors import InputError
from nova.core.paths import state_db
from nova.provisioning.records import EvidenceSink
from nova.runs.evidence import EvidenceStore
from nova.runs.recorder import RunStarted
from nova.runs.state import StateStore

SSHD = {"effective": ["permitrootlogin no", "passwordauthentication no"]}
RULESET = {"ruleset": "table inet nova_filter { chain input { policy drop; } }"}


def recorded(home: Path, *items: HostEvidence) -> tuple[AuditLog, StateStore]:
    """A successful run of the `local` inventory on localhost, with the evidence it recorded."""
    audit = AuditLog(home / "audit.db")
    store = StateStore(state_db())
    store.start_run("r1", "local", ["foundation"], None, False, "ops")
    store.start_phase("r1", 1, "foundation")
    store.finish_phase("r1", 1, "foundation", "successful", 0, {"localhost": HostStats(ok=5)}, [])
    store.finish_run("r1", "successful")
    sink = EvidenceSink(EvidenceStore(store.path), audit)
    run = RunStarted("provision", "r1", "ops", ("foundation",), {"check_mode": False})
    for item in items:
        sink.record(run, "foundation", item)
    return audit, store


def report(*args: str) -> tuple[int, dict[str, Any]]:
    outcome = run_main("compliance", "report", "--inventory", "local", "--output", "json", *args)
    assert outcome.code in (0, 1), outcome.stderr
    return outcome.code, json.loads(outcome.stdout)


def finding(document: dict[str, Any], control: str, check: str) -> dict[str, Any]:
    entry = next(c for c in document["controls"] if c["control"] == control)
    return next(f for f in entry["findings"] if f["check"] == check and f["host"] == "localhost")


def status(document: dict[str, Any], control: str) -> str:
    return str(next(c for c in document["controls"] if c["control"] == control)["status"])


def test_fresh_evidence_passes_and_points_at_its_audit_seq(nova_home: Path) -> None:
    audit, _ = recorded(
        nova_home,
        HostEvidence("localhost", "sshd_config", True, SSHD),
        HostEvidence("localhost", "firewall_ruleset", True, RULESET),
        HostEvidence("localhost", "security_updates", False, {"pending": ["openssl"]}),
    )
    seqs = {e.action: e for e in audit.entries()}
    _, document = report()
    assert document["max_age"] == "7d"
    assert status(document, "5.17") == "pass"
    # 5.15 and 8.20 also rest on os_hardening's evidence, not recorded here.
    assert status(document, "5.15") == "incomplete" and status(document, "8.20") == "incomplete"
    assert finding(document, "8.20", "firewall_ruleset")["status"] == "pass"
    ssh = finding(document, "5.17", "sshd_config")
    assert ssh["status"] == "pass"
    assert ssh["seq"] == seqs["evidence.sshd_config"].seq
    assert ssh["evidence"] == seqs["evidence.sshd_config"].hash
    assert ssh["detail"].startswith(f"seq {ssh['seq']}, sha256 ")
    # Pending security updates: the host showed it does not meet 8.8.
    assert status(document, "8.8") == "fail"
    assert finding(document, "8.8", "security_updates")["status"] == "fail"

    text = run_main("compliance", "report", "--inventory", "local")
    assert f"seq {ssh['seq']}" in text.stdout
    assert "host evidence younger than 7d" in text.stdout.splitlines()[-1]


def test_evidence_older_than_the_maximum_age_is_stale_never_pass(nova_home: Path) -> None:
    recorded(nova_home, HostEvidence("localhost", "sshd_config", True, SSHD))
    log = AuditLog(nova_home / "audit.db")
    later = Freshness(timedelta(hours=24), datetime.now(UTC) + timedelta(hours=25))
    controls = {c.number: c for c in inventory_report("local", [], log, state_db(), later).controls}
    (stale,) = controls["5.17"].findings
    assert stale.status == "stale" and controls["5.17"].status == "stale"
    assert "older than 1d" in stale.detail and stale.seq is not None
    within = Freshness(timedelta(hours=24), datetime.now(UTC) + timedelta(hours=23))
    controls = {
        c.number: c for c in inventory_report("local", [], log, state_db(), within).controls
    }
    assert controls["5.17"].status == "pass"
    # Through the command line: a maximum age the evidence is already older than.
    time.sleep(1.2)
    _, document = report("--max-age", "1s")
    assert finding(document, "5.17", "sshd_config")["status"] == "stale"
    assert "pass" not in {status(document, "5.17"), document["verdict"]}
    assert document["counts"]["stale"] >= 1


def test_stored_data_that_no_longer_matches_its_audited_hash_fails_as_tampered(
    nova_home: Path,
) -> None:
    _, store = recorded(
        nova_home,
        HostEvidence("localhost", "sshd_config", True, SSHD),
        HostEvidence("localhost", "firewall_ruleset", True, RULESET),
    )
    with sqlite3.connect(store.path) as db:
        # Someone loosens the recorded sshd settings and recomputes the row's own hash column:
        # only the audit entry still holds the original sha256.
        db.execute(
            "UPDATE host_evidence SET data = ?, sha256 = ? WHERE check_name = 'sshd_config'",
            (json.dumps({"effective": ["permitrootlogin yes"]}), "0" * 64),
        )
        db.execute("DELETE FROM host_evidence WHERE check_name = 'firewall_ruleset'")
    code, document = report()
    ssh = finding(document, "5.17", "sshd_config")
    assert ssh["status"] == "fail" and "tampered" in ssh["detail"]
    assert status(document, "5.17") == "fail"
    firewall = finding(document, "8.20", "firewall_ruleset")
    assert firewall["status"] == "fail"
    assert "missing from the state store" in firewall["detail"]
    assert (code, document["verdict"]) == (1, "fail")


def test_a_row_moved_to_another_host_is_tampered(nova_home: Path) -> None:
    _, store = recorded(nova_home, HostEvidence("localhost", "sshd_config", True, SSHD))
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE host_evidence SET host = 'elsewhere'")
    _, document = report()
    assert "another host or check" in finding(document, "5.17", "sshd_config")["detail"]


def test_a_host_without_evidence_is_still_no_evidence(nova_home: Path) -> None:
    recorded(nova_home, HostEvidence("localhost", "sshd_config", True, SSHD))
    _, document = report()
    assert status(document, "8.20") == "no evidence"
    assert finding(document, "8.20", "firewall_ruleset")["seq"] is None


@pytest.mark.parametrize(
    ("text", "seconds"), [("24h", 86400), ("7d", 604800), ("90m", 5400), ("2w", 1209600)]
)
def test_ages_are_parsed(text: str, seconds: int) -> None:
    assert parse_age(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "7", "0d", "-1d", "1y", "d7", "1.5d", "7 days"])
def test_a_bad_maximum_age_is_one_line_and_exit_2(nova_home: Path, text: str) -> None:
    with pytest.raises(InputError):
        parse_age(text)
    outcome = run_main("compliance", "report", "--inventory", "local", "--max-age", text)
    assert outcome.code == 2
    assert outcome.stdout == ""
    assert len(outcome.stderr.splitlines()) == 1
    assert "--max-age" in outcome.stderr and "Traceback" not in outcome.stderr
