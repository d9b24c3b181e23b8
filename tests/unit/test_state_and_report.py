from __future__ import annotations

from pathlib import Path

from nova.ansible.runner import HostStats, TaskResult
from nova.runs.report import render_run_report, write_run_report
from nova.runs.state import StateStore


def test_a_run_round_trips_through_the_store_and_report(nova_home: Path) -> None:
    store = StateStore(nova_home / "state.db")
    store.start_run("r1", "sandbox", ["foundation", "observability"], "node*", False, "ops")
    store.start_phase("r1", 1, "foundation")
    store.finish_phase(
        "r1",
        1,
        "foundation",
        "failed",
        4,
        {"node1": HostStats(ok=10, changed=2), "node2": HostStats(ok=1, unreachable=1)},
        [TaskResult("node2", "Gather hardware facts", "unreachable", "ssh: refused")],
    )
    store.finish_run("r1", "failed", str(nova_home / "reports" / "r1.md"))

    run = store.get_run("r1")
    assert run is not None
    assert run.status == "failed" and run.limit == "node*" and run.launcher == "ops"
    assert run.phase_results[0].hosts["node2"].unreachable == 1
    assert run.phase_results[0].failures[0].message == "ssh: refused"
    assert [r.id for r in store.list_runs()] == ["r1"]
    assert store.get_run("r") is not None  # unique prefix
    assert store.get_run("zz") is None

    report = render_run_report(run)
    assert "2 host(s): 1 unreachable, 1 changed." in report
    assert "| node1 | changed | 10 | 2 |" in report
    assert "| node2 | unreachable |" in report
    # Worst first: the unreachable host's row comes before the changed one's.
    assert report.index("| node2 |") < report.index("| node1 |")
    assert '**unreachable** in task "Gather hardware facts" on 1 host(s): node2. ssh: refused' in (
        report
    )
    assert "observability: skipped because an earlier phase did not succeed" in report
    path = write_run_report(run)
    assert path == nova_home / "reports" / "r1.md"
    assert path.read_text() == report


def test_resume_takes_the_phases_that_did_not_succeed(nova_home: Path) -> None:
    import pytest

    from nova.core.errors import InputError
    from nova.provisioning.provision import resume_request

    store = StateStore(nova_home / "state.db")
    store.start_run("r2", "sandbox", ["foundation", "data-services", "experience"], "n1", True, "u")
    store.start_phase("r2", 1, "foundation")
    store.finish_phase("r2", 1, "foundation", "successful", 0, {}, [])
    store.start_phase("r2", 2, "data-services")
    store.finish_phase("r2", 2, "data-services", "failed", 2, {}, [])
    store.finish_run("r2", "failed")

    request = resume_request("r2", {"x": 1}, store=store)
    assert request.phases == ("data-services", "experience")
    assert (request.inventory, request.limit, request.check) == ("sandbox", "n1", True)
    assert request.extra_vars == {"x": 1}

    with pytest.raises(InputError, match="no run with that id"):
        resume_request("nope", {}, store=store)


def test_a_fifty_host_report_groups_hosts_and_failures(nova_home: Path) -> None:
    store = StateStore(nova_home / "state.db")
    store.start_run("big", "sandbox", ["foundation"], None, False, "ops")
    store.start_phase("big", 1, "foundation")
    hosts = {f"node{n}": HostStats(ok=40, changed=1 if n % 2 else 0) for n in range(1, 51)}
    failures = []
    for n in (7, 12, 30, 41, 49):
        hosts[f"node{n}"] = HostStats(ok=3, unreachable=1)
        failures.append(TaskResult(f"node{n}", "Install packages", "unreachable", "ssh: timeout"))
    hosts["node3"] = HostStats(ok=5, failed=1)
    failures.append(TaskResult("node3", "Install packages", "failed", "nope: no such package"))
    store.finish_phase("big", 1, "foundation", "failed", 2, hosts, failures)
    store.finish_run("big", "failed")
    run = store.get_run("big")
    assert run is not None

    report = render_run_report(run)
    assert "50 host(s): 5 unreachable, 1 failed, 21 changed, 23 ok." in report
    # One line for the five hosts that share a reason, named in order; failures before rows.
    line = (
        '- **unreachable** in task "Install packages" on 5 host(s): '
        "node7, node12, node30, node41, node49. ssh: timeout"
    )
    assert line in report
    assert report.index(line) < report.index('**failed** in task "Install packages"')
    assert report.index("### What failed") < report.index("| Host | Result |")
    # Rows only for the six hosts that did not succeed; the 44 others on two lines.
    rows = [r for r in report.splitlines() if r.startswith("| node")]
    assert len(rows) == 6
    assert rows[0].startswith("| node7 | unreachable |") and rows[-1].startswith("| node3 | failed")
    assert "- **changed** (21): node1, node5, node9," in report
    assert "- **ok** (23): node2, node4, node6, node8, node10," in report
    assert len(report.splitlines()) < 40
