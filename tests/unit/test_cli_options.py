"""Options shared by commands: `--phase` takes several values after one flag, or repeats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from cli_harness import run_main

from nova.cli import COMMANDS, cli
from nova.cli.options import ManyValuesCommand, ManyValuesOption, spread_values

FLAGS = {"--phase"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--phase", "a", "b"], ["--phase", "a", "--phase", "b"]),
        (["--phase", "a", "--phase", "b"], ["--phase", "a", "--phase", "b"]),
        (["--phase=a", "b", "-o", "json"], ["--phase=a", "--phase", "b", "-o", "json"]),
        (["--phase", "a", "b", "--check", "c"], ["--phase", "a", "--phase", "b", "--check", "c"]),
        (["--phase", "a", "--", "b"], ["--phase", "a", "--", "b"]),
        (["--phase"], ["--phase"]),
        (["--phase", "--check"], ["--phase", "--check"]),
        (["-e", "--phase", "a"], ["-e", "--phase", "a"]),
        (["x", "a", "b"], ["x", "a", "b"]),
    ],
)
def test_values_are_spread_up_to_the_next_option(args: list[str], expected: list[str]) -> None:
    assert spread_values(args, FLAGS) == expected


def _phases(*args: str) -> list[str]:
    result = run_main("roadmap", *args, "-o", "json")
    assert result.code == 0, result.stderr
    return [p["phase"] for p in json.loads(result.stdout)["phases"]]


def test_roadmap_takes_several_phases_after_one_flag(nova_home: Path) -> None:
    wanted = ["foundation", "observability"]
    assert _phases("--phase", "foundation", "observability") == wanted
    assert _phases("--phase", "foundation", "--phase", "observability") == wanted
    assert _phases("--phase=foundation", "observability") == wanted


@pytest.mark.parametrize(
    "command",
    [
        ["step-plan"],
        ["next-steps"],
        ["roadmap"],
        ["plan"],
        ["provision", "-i", "spark", "--check"],
    ],
)
def test_an_unknown_phase_among_several_is_named(command: list[str], nova_home: Path) -> None:
    result = run_main(*command, "--phase", "foundation", "nope", "-o", "json")
    assert result.code == 2
    assert result.stderr.startswith("nova: --phase: unknown phase 'nope' (known: foundation,")
    assert len(result.stderr.splitlines()) == 1


def test_plan_shows_the_phases_named_in_plan_order(nova_home: Path) -> None:
    result = run_main("plan", "--phase", "observability", "foundation", "-o", "json")
    assert result.code == 0
    assert [(p["order"], p["phase"]) for p in json.loads(result.stdout)] == [
        (1, "foundation"),
        (5, "observability"),
    ]


def every_command() -> Iterator[tuple[str, click.Command]]:
    """Every command and subcommand of the registry, by its full name."""
    ctx = click.Context(cli)
    for name in sorted(COMMANDS):
        command = cli.get_command(ctx, name)
        assert command is not None
        yield name, command
        if isinstance(command, click.Group):
            for sub in sorted(command.commands):
                yield f"{name} {sub}", command.commands[sub]


def test_every_phase_filter_takes_several_values() -> None:
    filters = {}
    for name, command in every_command():
        for param in command.params:
            if isinstance(param, ManyValuesOption):
                assert isinstance(command, ManyValuesCommand), f"{name}: needs ManyValuesCommand"
            if "--phase" in getattr(param, "opts", ()):
                filters[name] = isinstance(param, ManyValuesOption)
    # `blueprints new --phase` names the one phase a new agent owns: one value.
    assert filters.pop("blueprints new") is False
    assert set(filters) == {"next-steps", "plan", "provision", "roadmap", "step-plan"}
    assert all(filters.values()), filters
