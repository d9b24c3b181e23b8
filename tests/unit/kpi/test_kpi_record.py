"""The record_* functions other modules call: they write to NOVA_HOME/kpi.db."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from nova.kpi import (
    default_store,
    record_phase,
    record_policy_decision,
    record_run,
    record_task,
)
from nova.kpi.catalogue import spec_for


def totals(name: str) -> dict[tuple[str, ...], tuple[float, float]]:
    names = spec_for(name).labels
    return {tuple(s.labels[n] for n in names): (s.count, s.sum) for s in default_store().read(name)}


def test_record_run_writes_counter_duration_and_phases(isolated_home: Path) -> None:
    record_run("failed", 42.5, 3)
    record_run("successful", 10.0, 5)
    record_run("failed", 7.5, 1)
    assert default_store().path == isolated_home / "kpi.db"
    assert totals("provision_runs_total") == {("failed",): (2.0, 2.0), ("successful",): (1.0, 1.0)}
    assert totals("provision_run_duration_seconds")[("failed",)] == (2.0, 50.0)
    assert totals("provision_run_phases") == {(): (3.0, 9.0)}


def test_record_phase_policy_and_task() -> None:
    record_phase("base", "successful", 12.0)
    record_policy_decision("provision", False, 0.0002)
    record_task("shell", "done", 1.5)
    record_task("shell", "leased")
    assert totals("provision_phases_total") == {("base", "successful"): (1.0, 1.0)}
    assert totals("policy_decisions_total") == {("provision", "deny"): (1.0, 1.0)}
    assert totals("policy_decision_duration_seconds")[("provision",)][0] == 1.0
    assert set(totals("queue_tasks_total")) == {("shell", "done"), ("shell", "leased")}
    assert totals("queue_task_duration_seconds") == {("shell",): (1.0, 1.5)}


def test_an_unwritable_store_never_fails_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where NOVA_HOME should be")
    monkeypatch.setenv("NOVA_HOME", str(blocker))
    with caplog.at_level(logging.WARNING, logger="nova.kpi"):
        record_run("failed", 1.0, 1)
    assert "could not record provision run KPI" in caplog.text


def test_wrong_label_values_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="non-empty string"):
        record_phase("", "failed", 1.0)


def test_one_store_per_nova_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = default_store()
    monkeypatch.setenv("NOVA_HOME", str(tmp_path / "other"))
    second = default_store()
    assert first is not second
    assert second.path == tmp_path / "other" / "kpi.db"
    assert default_store() is second
