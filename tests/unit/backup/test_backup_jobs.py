"""Backup job results come from the data the role hands back through set_stats."""

from __future__ import annotations

from nova.ansible.runner import HostStats, PlaybookResult, TaskResult, data_from_event
from nova.backup.jobs import collect

SNAPSHOT = "9bc116fce82d17746edc5df0783b5655080db1d66ef8054d50a027cdb33361e1"


def test_stats_event_carries_set_stats_data() -> None:
    event = {
        "event": "playbook_on_stats",
        "event_data": {"ok": {"n1": 3}, "artifact_data": {"nova_backup_run": {"n1": {"a": 1}}}},
    }
    assert data_from_event(event) == {"nova_backup_run": {"n1": {"a": 1}}}
    assert data_from_event({"event": "playbook_on_stats", "event_data": {}}) == {}
    assert data_from_event({"event_data": {"artifact_data": "junk"}}) == {}


def test_collect_reports_each_hosts_own_record() -> None:
    result = PlaybookResult(
        "successful",
        0,
        {"n1": HostStats(ok=5, changed=1), "repo": HostStats(ok=1)},
        data={"nova_backup_run": {"n1": {"status": "ok", "snapshot": SNAPSHOT}}},
    )
    outcome = collect("run", "sandbox", "backup-run-1", result)
    assert outcome.succeeded
    assert outcome.hosts["n1"] == {"status": "ok", "snapshot": SNAPSHOT}
    assert outcome.hosts["repo"]["status"] == "skipped"


def test_collect_keeps_the_hosts_error_and_the_failure() -> None:
    failure = TaskResult("n2", "Fail when the backup failed", "failed", "backup failed on n2: x")
    result = PlaybookResult(
        "failed",
        2,
        {"n1": HostStats(ok=5), "n2": HostStats(ok=3, failed=1)},
        failures=[failure],
        data={
            "nova_backup_run": {
                "n1": {"status": "ok", "snapshot": SNAPSHOT},
                "n2": {"status": "failed", "error": "restic backup failed: Fatal: wrong password"},
            }
        },
    )
    outcome = collect("run", "sandbox", "backup-run-2", result)
    assert not outcome.succeeded
    assert outcome.hosts["n2"]["error"] == "restic backup failed: Fatal: wrong password"
    assert outcome.to_dict()["failures"][0]["host"] == "n2"


def test_unreachable_host_without_record_is_failed() -> None:
    failure = TaskResult("n2", "Gathering", "unreachable", "ssh: connect refused")
    result = PlaybookResult(
        "failed", 4, {"n2": HostStats(unreachable=1)}, failures=[failure], data={}
    )
    outcome = collect("snapshots", "sandbox", "r", result)
    assert outcome.hosts["n2"] == {"status": "failed", "error": "ssh: connect refused"}
