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
    assert "| node1 | ok | 10 | 2 |" in report
    assert "| node2 | unreachable |" in report
    assert "**node2** (unreachable)" in report
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
