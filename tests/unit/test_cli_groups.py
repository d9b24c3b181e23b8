"""Groups named alone run their read-only subcommand instead of failing with usage."""

from __future__ import annotations

from pathlib import Path

from cli_harness import run_main


def test_blueprints_alone_lists_them(nova_home: Path) -> None:
    listed = run_main("blueprints", "list", "-o", "json")
    assert listed.code == 0
    assert run_main("blueprints", "-o", "json") == listed
    alone = run_main("blueprints")
    assert alone.code == 0 and alone.stderr == ""
    assert alone.stdout == run_main("blueprints", "list").stdout
    assert "Blueprints (" in alone.stdout


def test_monitor_alone_shows_the_kpis_and_changes_nothing(nova_home: Path) -> None:
    alone = run_main("monitor")
    assert alone.code == 0 and alone.stderr == ""
    assert alone == run_main("monitor", "kpis")
    assert run_main("monitor", "-o", "json") == run_main("monitor", "kpis", "-o", "json")
    assert not nova_home.exists() or not any(nova_home.iterdir())


def test_help_and_unknown_subcommands_stay_the_groups(nova_home: Path) -> None:
    for group in ("blueprints", "monitor"):
        helped = run_main(group, "--help")
        assert helped.code == 0 and "Commands:" in helped.stdout
        unknown = run_main(group, "nope")
        assert unknown.code == 2 and "No such command 'nope'" in unknown.stderr
