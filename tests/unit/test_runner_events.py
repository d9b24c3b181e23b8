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
