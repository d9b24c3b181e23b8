"""The runner's tuning reaches a real ansible-playbook, and failures say why.

Each test runs a small playbook on the control node itself (connection
local) through ansible-runner, as `nova provision` does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nova.ansible.runner import run_playbook
from nova.ansible.tuning import Tuning

INVENTORY = f"""\
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: {sys.executable}
"""

SETTINGS_PLAY = """\
- name: Show what Ansible was given
  hosts: all
  gather_facts: false
  tasks:
    - name: Gather the distribution facts, as the roles do
      ansible.builtin.setup:
        gather_subset: ["!all", "!min", "distribution"]
      when: ansible_facts['distribution'] is not defined
    - name: Hand back the fork count
      ansible.builtin.set_stats:
        data:
          forks: "{{ lookup('ansible.builtin.config', 'DEFAULT_FORKS') }}"
        per_host: false
"""

LOOP_PLAY = """\
- name: A loop in which one item fails
  hosts: all
  gather_facts: false
  tasks:
    - name: Check the files
      ansible.builtin.stat:
        path: "{{ item }}"
      register: found
      failed_when: not found.stat.exists
      loop: ["/", "/nonexistent-nova-path"]
"""


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "hosts.yml"
    path.write_text(INVENTORY, encoding="utf-8")
    return path


def play(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "play.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_forks_and_a_lasting_fact_cache_reach_ansible(tmp_path: Path, inventory: Path) -> None:
    cache = tmp_path / "facts"
    cache.mkdir()
    tuning = Tuning(forks=7, reason="test", fact_cache=cache)
    first = run_playbook(play(tmp_path, SETTINGS_PLAY), [inventory], tmp_path / "r1", tuning=tuning)
    assert first.succeeded, first.failures
    assert str(first.data.get("forks")) == "7"
    assert first.stats["localhost"].ok >= 2
    cached = [p for p in cache.iterdir() if "localhost" in p.name]
    assert cached, f"no facts cached in {cache}: {list(cache.iterdir())}"
    assert "distribution" in cached[0].read_text(encoding="utf-8")
    # The second run finds the facts in the cache and skips gathering them.
    second = run_playbook(
        play(tmp_path, SETTINGS_PLAY), [inventory], tmp_path / "r2", tuning=tuning
    )
    assert second.succeeded
    assert second.stats["localhost"].skipped == 1


def test_without_tuning_facts_live_only_for_the_run(tmp_path: Path, inventory: Path) -> None:
    for run in ("r1", "r2"):
        result = run_playbook(play(tmp_path, SETTINGS_PLAY), [inventory], tmp_path / run)
        assert result.succeeded
        assert result.stats["localhost"].skipped == 0


def test_a_failed_loop_reports_the_failed_item_and_why(tmp_path: Path, inventory: Path) -> None:
    result = run_playbook(play(tmp_path, LOOP_PLAY), [inventory], tmp_path / "r")
    assert not result.succeeded
    [failure] = result.failures
    assert failure.task == "Check the files"
    assert "/nonexistent-nova-path" in failure.message
    assert "One or more items failed" not in failure.message
