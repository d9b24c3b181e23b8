"""Which inventory a command uses when -i is not given.

Commands that act on hosts (orchestrate, provision) use only an inventory the
user chose: --inventory, NOVA_INVENTORY or `inventory:` in NOVA_HOME/config.yml;
with none, one line says how to choose and exit is 2. Read-only plans (the VPN
plan) fall back to the inventory ansible.cfg names, `local`.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cli_harness import Outcome, run_main

NO_CHOICE = "nova: --inventory: no inventory chosen; name one: --inventory local (this machine), "


def nova(*args: str, env: dict[str, str | None] | None = None) -> Outcome:
    return run_main(*args, env={"NOVA_INVENTORY": None, **(env or {})})


def configure(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.yml").write_text(text, encoding="utf-8")
    return home / "config.yml"


def test_the_vpn_plan_falls_back_to_the_local_inventory(nova_home: Path) -> None:
    result = nova("network", "--vpn", "wireguard", "-o", "json")
    assert result.code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["inventory"] == "local" and plan["hosts"] == []
    assert "Its hosts: localhost." in plan["notes"][0]
    assert result.stderr.startswith("nova: inventory local, from ")
    assert result.stderr.rstrip().endswith("ansible.cfg: inventory")


def test_the_environment_wins_over_the_config_file(nova_home: Path) -> None:
    configure(nova_home, "inventory: local\n")
    from_file = nova("network", "--vpn", "wireguard", "-o", "json")
    assert json.loads(from_file.stdout)["inventory"] == "local"
    assert "config.yml: inventory" in from_file.stderr
    from_env = nova("network", "--vpn", "wireguard", "-o", "json", env={"NOVA_INVENTORY": "spark"})
    plan = json.loads(from_env.stdout)
    assert plan["inventory"] == "spark"
    assert [h["name"] for h in plan["hosts"]] == ["spark-01", "spark-02"]
    assert from_env.stderr == "nova: inventory spark, from NOVA_INVENTORY\n"


def test_a_bad_config_file_is_one_line(nova_home: Path) -> None:
    path = configure(nova_home, "inventory: {name: spark}\n")
    result = nova("network", "--vpn", "wireguard")
    assert result.code == 2
    assert result.stderr == (
        f"nova: {path}: inventory: must be an inventory name or path (a string)\n"
    )


def test_an_unknown_default_names_where_it_was_set(nova_home: Path) -> None:
    result = nova("network", "--vpn", "wireguard", env={"NOVA_INVENTORY": "nosuch"})
    assert result.code == 2
    assert result.stderr.startswith("nova: NOVA_INVENTORY: nosuch: no inventory with that name")
    path = configure(nova_home, "inventory: nosuch\n")
    result = nova("network", "--vpn", "wireguard")
    assert result.stderr.startswith(f"nova: {path}: inventory: nosuch: no inventory with that")


@pytest.fixture
def no_sigterm_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    """orchestrate handles TERM; in-process, the test runner's own handler must stay."""
    monkeypatch.setattr(signal, "signal", lambda *args: None)


def test_orchestrate_without_a_chosen_inventory_changes_nothing(
    nova_home: Path, monkeypatch: pytest.MonkeyPatch, no_sigterm_handler: None
) -> None:
    import nova.orchestrate.run as orchestration

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("orchestrate ran without an inventory")

    monkeypatch.setattr(orchestration, "orchestrate", refuse)
    result = nova("orchestrate", "--agents", "nova")
    assert result.code == 2
    assert result.stderr.startswith(NO_CHOICE)
    assert len(result.stderr.splitlines()) == 1
    assert "--inventory sandbox" in result.stderr and "NOVA_INVENTORY" in result.stderr


def test_orchestrate_uses_the_default_the_user_set(
    nova_home: Path, monkeypatch: pytest.MonkeyPatch, no_sigterm_handler: None
) -> None:
    import nova.orchestrate.run as orchestration

    seen: list[Any] = []

    def record(request: Any, observer: Any) -> Any:
        seen.append(request)
        return SimpleNamespace(status="succeeded", to_dict=lambda: {"status": "succeeded"})

    monkeypatch.setattr(orchestration, "orchestrate", record)
    assert nova("orchestrate", "-o", "json", env={"NOVA_INVENTORY": "spark"}).code == 0
    configure(nova_home, "inventory: spark\n")
    assert nova("orchestrate", "-o", "json").code == 0
    assert nova("orchestrate", "-o", "json", "-i", "local").code == 0
    assert [r.inventory for r in seen] == ["spark", "spark", "local"]
    unknown = nova("orchestrate", env={"NOVA_INVENTORY": "sandbox"})
    assert unknown.code == 2
    assert unknown.stderr.startswith("nova: NOVA_INVENTORY: sandbox: the sandbox is not up")
    assert len(seen) == 3


def test_provision_without_a_chosen_inventory_changes_nothing(
    nova_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nova.provisioning.provision as provisioning

    seen: list[Any] = []

    def record(request: Any, observer: Any) -> Any:
        seen.append(request)
        return SimpleNamespace(status="successful", to_dict=lambda: {"status": "successful"})

    monkeypatch.setattr(provisioning, "provision", record)
    result = nova("provision", "--check")
    assert result.code == 2
    assert result.stderr.startswith(NO_CHOICE)
    assert result.stderr.rstrip().endswith("; or --resume RUN_ID")
    assert seen == []
    assert nova("provision", "--check", "-o", "json", env={"NOVA_INVENTORY": "spark"}).code == 0
    configure(nova_home, "inventory: spark\n")
    assert nova("provision", "--check", "-o", "json").code == 0
    assert [(r.inventory, r.check) for r in seen] == [("spark", True), ("spark", True)]


def test_the_backup_plan_uses_a_chosen_default_else_the_role_defaults(nova_home: Path) -> None:
    alone = nova("backup", "--plan", "default", "-o", "json")
    assert alone.code == 0
    assert [h["host"] for h in json.loads(alone.stdout)["hosts"]] == ["(every host)"]
    chosen = nova("backup", "--plan", "default", "-o", "json", env={"NOVA_INVENTORY": "spark"})
    assert chosen.code == 0
    assert [h["host"] for h in json.loads(chosen.stdout)["hosts"]] == ["spark-01", "spark-02"]


@pytest.mark.parametrize(
    "command",
    [
        ["network", "status"],
        ["backup", "snapshots"],
        ["backup", "verify"],
        ["compliance", "report"],
    ],
)
def test_commands_that_reach_hosts_need_a_chosen_inventory(
    command: list[str], nova_home: Path
) -> None:
    result = nova(*command)
    assert result.code == 2
    assert result.stderr.startswith(NO_CHOICE) and len(result.stderr.splitlines()) == 1
