"""Runner events become typed events; the stats event becomes per-host numbers."""

from __future__ import annotations

from nova.ansible.runner import (
    HostStats,
    PlaybookResult,
    TaskResult,
    TaskStarted,
    map_event,
    stats_from_event,
)


def event(name: str, **data: object) -> dict[str, object]:
    return {"event": name, "event_data": data}


def test_task_start() -> None:
    assert map_event(event("playbook_on_task_start", task="Install", play="Foundation")) == (
        TaskStarted(task="Install", play="Foundation")
    )


def test_ok_changed_and_skipped() -> None:
    ok = map_event(event("runner_on_ok", host="n1", task="t", res={"changed": False}))
    changed = map_event(event("runner_on_ok", host="n1", task="t", res={"changed": True}))
    skipped = map_event(event("runner_on_skipped", host="n1", task="t"))
    assert isinstance(ok, TaskResult) and ok.status == "ok"
    assert isinstance(changed, TaskResult) and changed.status == "changed"
    assert isinstance(skipped, TaskResult) and skipped.status == "skipped"
    assert ok.message == ""


def test_failures_carry_a_one_line_message() -> None:
    failed = map_event(
        event("runner_on_failed", host="n2", task="apt", res={"msg": "No package\n  matching 'x'"})
    )
    assert failed == TaskResult(
        host="n2", task="apt", status="failed", message="No package matching 'x'"
    )
    ignored = map_event(
        event("runner_on_failed", host="n2", task="t", ignore_errors=True, res={"msg": "m"})
    )
    assert isinstance(ignored, TaskResult) and ignored.status == "ignored"


def test_unreachable() -> None:
    result = map_event(
        event("runner_on_unreachable", host="n2", task="Gather", res={"msg": "ssh: refused"})
    )
    assert result == TaskResult("n2", "Gather", "unreachable", "ssh: refused")


def test_other_events_are_dropped() -> None:
    assert map_event(event("verbose")) is None
    assert map_event({"event": "playbook_on_start"}) is None


def test_stats_map_to_host_stats() -> None:
    stats = stats_from_event(
        event(
            "playbook_on_stats",
            ok={"n1": 10, "n2": 1},
            changed={"n1": 2},
            failures={},
            dark={"n2": 1},
            skipped={"n1": 1},
            processed={"n1": 1, "n2": 1, "n3": 1},
        )
    )
    assert stats["n1"] == HostStats(ok=10, changed=2, skipped=1)
    assert stats["n2"] == HostStats(ok=1, unreachable=1)
    assert stats["n3"] == HostStats()
    assert stats["n1"].succeeded and not stats["n2"].succeeded


def test_playbook_succeeds_only_when_every_host_did() -> None:
    good = PlaybookResult("successful", 0, {"n1": HostStats(ok=3)})
    bad = PlaybookResult("successful", 0, {"n1": HostStats(ok=3), "n2": HostStats(failed=1)})
    assert good.succeeded
    assert not bad.succeeded
    assert not PlaybookResult("failed", 2, {}).succeeded


def test_set_stats_data_is_carried_by_the_stats_event() -> None:
    from nova.ansible.runner import data_from_event

    stats = event("playbook_on_stats", ok={"n1": 1}, artifact_data={"snapshots": ["abc"]})
    assert data_from_event(stats) == {"snapshots": ["abc"]}
    assert data_from_event(event("playbook_on_stats", ok={})) == {}


def evidence_event(task: str, res: dict[str, object], host: str = "node1") -> dict[str, object]:
    """A `runner_on_ok` event as ansible-runner 2 hands it to the event handler.

    Captured from a real run of a `set_fact` task (ansible-core, connection
    local); only the host, task name and result vary between the tests.
    """
    return {
        "uuid": "1ae2dba8-af9c-4f56-a3c2-01817122b2db",
        "counter": 5,
        "stdout": "\u001b[0;32mok: [localhost]\u001b[0m",
        "start_line": 4,
        "end_line": 5,
        "runner_ident": "c3c4d888-ad7f-49c6-a7eb-bc342b8f4cf7",
        "event": "runner_on_ok",
        "pid": 15155,
        "created": "2026-12-03T19:11:03.225765+00:00",
        "parent_uuid": "02fc0000-0001-8b3b-3a4c-000000000004",
        "event_data": {
            "playbook": "/tmp/ev17/pb.yml",
            "playbook_uuid": "98c73024-31ed-47af-918b-ef5f72bb6ff2",
            "play": "all",
            "play_uuid": "02fc0000-0001-8b3b-3a4c-000000000002",
            "play_pattern": "all",
            "task": task,
            "task_uuid": "02fc0000-0001-8b3b-3a4c-000000000004",
            "task_action": "ansible.builtin.set_fact",
            "resolved_action": "ansible.builtin.set_fact",
            "task_args": "",
            "task_path": "/tmp/ev17/pb.yml:4",
            "host": host,
            "remote_addr": host,
            "res": res,
            "start": "2026-12-03T19:11:03.209777+00:00",
            "end": "2026-12-03T19:11:03.225015+00:00",
            "duration": 0.015238,
            "event_loop": None,
            "uuid": "1ae2dba8-af9c-4f56-a3c2-01817122b2db",
        },
    }


def facts(evidence: object) -> dict[str, object]:
    return {
        "ansible_facts": {"nova_evidence": evidence},
        "changed": False,
        "_ansible_no_log": False,
    }


def test_the_evidence_fact_of_a_set_fact_task_becomes_host_evidence() -> None:
    from nova.ansible.runner import HostEvidence, evidence_from_event

    raw = evidence_event(
        "Record evidence: sshd_config",
        facts({"check": "sshd_config", "ok": True, "data": {"effective": ["permitrootlogin no"]}}),
    )
    assert evidence_from_event(raw) == HostEvidence(
        host="node1",
        check="sshd_config",
        ok=True,
        data={"effective": ["permitrootlogin no"]},
        task="Record evidence: sshd_config",
        collected_at="2026-12-03T19:11:03.225765+00:00",
    )
    # The same event still counts as an ordinary ok task for the displays.
    assert map_event(raw) == TaskResult("node1", "Record evidence: sshd_config", "ok")


def test_what_is_not_evidence_is_left_out() -> None:
    from nova.ansible.runner import evidence_from_event

    # A no_log result is censored by Ansible before the event is written.
    censored = evidence_event(
        "Hidden",
        {"censored": "the output has been hidden due to the fact that 'no_log: true' was "
                     "specified for this result"},
    )  # fmt: skip
    other_fact = evidence_event("t", {"ansible_facts": {"something": 1}, "changed": False})
    no_check = evidence_event("t", facts({"ok": True, "data": {}}))
    not_a_dict = evidence_event("t", facts("sshd_config"))
    failed = {**evidence_event("t", facts({"check": "x", "ok": True})), "event": "runner_on_failed"}
    for raw in (censored, other_fact, no_check, not_a_dict, failed):
        assert evidence_from_event(raw) is None, raw


def test_evidence_that_is_not_plainly_ok_is_not_ok() -> None:
    from nova.ansible.runner import evidence_from_event

    for ok in ("true", "yes", 1, None):
        got = evidence_from_event(evidence_event("t", facts({"check": "backup", "ok": ok})))
        assert got is not None and got.ok is False and got.data == {"value": None}


def test_the_latest_evidence_of_a_check_per_host_is_kept() -> None:
    from nova.ansible.runner import HostEvidence

    result = PlaybookResult("successful", 0)
    result.add_evidence(HostEvidence("n1", "sshd_config", False, {"v": 1}))
    result.add_evidence(HostEvidence("n2", "sshd_config", True, {"v": 1}))
    result.add_evidence(HostEvidence("n1", "firewall_ruleset", True, {}))
    result.add_evidence(HostEvidence("n1", "sshd_config", True, {"v": 2}))
    assert [(e.host, e.check, e.ok, e.data) for e in result.evidence] == [
        ("n1", "sshd_config", True, {"v": 2}),
        ("n2", "sshd_config", True, {"v": 1}),
        ("n1", "firewall_ruleset", True, {}),
    ]


def test_a_failed_loop_names_its_failed_items_reasons() -> None:
    res = {
        "msg": "One or more items failed",
        "results": [
            {"item": "curl", "failed": False, "msg": ""},
            {"item": "nope", "failed": True, "msg": "No package matching 'nope' is available"},
            {"_ansible_item_label": "gone", "item": {"name": "gone"}, "unreachable": True,
             "msg": "Failed to connect to the host via ssh"},
        ],
    }  # fmt: skip
    failed = map_event(event("runner_on_failed", host="n3", task="Install", res=res))
    assert isinstance(failed, TaskResult)
    assert failed.message == (
        "nope: No package matching 'nope' is available; gone: Failed to connect to the host via ssh"
    )


def test_a_loop_with_a_message_of_its_own_keeps_it() -> None:
    res = {"msg": "disk full", "results": [{"item": "a", "failed": True, "msg": "other"}]}
    failed = map_event(event("runner_on_failed", host="n3", task="t", res=res))
    assert isinstance(failed, TaskResult) and failed.message == "disk full"
