"""Forks from the host count and the controller's memory; the fact cache per inventory."""

from __future__ import annotations

from pathlib import Path

import pytest

from nova.ansible.tuning import FORK_MIB, MAX_FORKS, choose_forks, tune

MIB = 1024 * 1024


def test_one_fork_per_host_when_memory_allows() -> None:
    forks, reason = choose_forks(5, 8192 * MIB)
    assert forks == 5
    assert reason.startswith("one per host (5)")


def test_memory_bounds_the_forks() -> None:
    # Half of 1 GiB at FORK_MIB each.
    forks, reason = choose_forks(50, 1024 * MIB)
    assert forks == 512 // FORK_MIB
    assert "50 hosts, but 1024 MiB available" in reason


def test_never_more_than_the_cap_nor_fewer_than_one() -> None:
    assert choose_forks(500, 1024 * 1024 * MIB)[0] == MAX_FORKS
    assert choose_forks(10, 10 * MIB)[0] == 1
    assert choose_forks(0, 8192 * MIB)[0] == 1


def test_unknown_memory_still_gives_a_bounded_count() -> None:
    forks, reason = choose_forks(100, None)
    assert forks == MAX_FORKS and "memory unknown" in reason


def test_the_override_wins_and_is_checked() -> None:
    assert choose_forks(50, 10 * MIB, override=7) == (7, "given with --forks")
    with pytest.raises(ValueError):
        choose_forks(5, None, override=0)


def test_the_fact_cache_is_per_inventory_and_can_be_refreshed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVA_HOME", str(tmp_path))
    first = tune("sandbox", 3)
    assert first.fact_cache == tmp_path / "facts" / "sandbox"
    assert first.fact_cache.stat().st_mode & 0o777 == 0o700
    (first.fact_cache / "s1_node1").write_text("{}", encoding="utf-8")
    assert (tune("sandbox", 3).fact_cache / "s1_node1").exists()
    assert not (tune("sandbox", 3, refresh_facts=True).fact_cache / "s1_node1").exists()
    by_path = tune("/etc/ansible/hosts", 1).fact_cache
    assert by_path.parent == tmp_path / "facts" and by_path.name.startswith("path-")
    env = first.env()
    assert env["ANSIBLE_FORKS"] == str(first.forks)
    assert int(env["ANSIBLE_CACHE_PLUGIN_TIMEOUT"]) >= 3600
