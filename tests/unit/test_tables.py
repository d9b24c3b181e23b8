"""Ids, host names and paths are never cut, folded or ellipsized, at 80 columns or in a pipe."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from cli_harness import run_main
from rich.console import Console
from rich.table import Table

from nova.cli.tables import keep_whole, markdown_width, print_markdown, print_table
from nova.runs.ids import new_run_id
from nova.runs.state import StateStore


def narrow(width: int = 80) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=width, color_system=None), buffer


def flat(text: str) -> str:
    """The output's words, as a person copying from it would see them on one line each."""
    return " ".join(re.sub(r"[│┃┏┓┗┛━─┡┩╇╈┳┻╋┣┫┠┨┯┷┼┬┴├┤└┘┌┐]", " ", text).split())


def test_kept_columns_are_whole_and_the_others_wrap_between_words() -> None:
    out, buffer = narrow()
    table = Table("id", "inventory", "phases", "note")
    run_id = "20261203-153012-7f3a9c2e41b8"
    path = "/home/operator/clusters/spark-lab-west/inventories/production-hosts.yml"
    table.add_row(run_id, path, "foundation, model-operations, data-services", "a b c " * 8)
    print_table(out, table, keep=("id", "inventory"))
    lines = buffer.getvalue().splitlines()
    assert any(run_id in line for line in lines)
    assert any(path in line for line in lines)
    assert "…" not in buffer.getvalue()
    # Words of the other columns wrap but are never split.
    assert {"model-operations,", "data-services"} <= set(flat(buffer.getvalue()).split())


def test_the_table_is_printed_wider_when_even_that_does_not_fit() -> None:
    out, buffer = narrow(40)
    table = Table("host", "path")
    table.add_row("spark-node-with-a-very-long-name-01", "/srv/a/very/long/path/to/somewhere/x.yml")
    width = keep_whole(out, table, ["host", "path"])
    assert width > 40
    print_table(out, table, keep=("host", "path"))
    text = buffer.getvalue()
    assert "spark-node-with-a-very-long-name-01" in text
    assert "/srv/a/very/long/path/to/somewhere/x.yml" in text
    assert out.width == 40  # the console is given back its width


def test_markdown_tables_keep_single_word_columns_whole() -> None:
    out, buffer = narrow()
    text = (
        "| Step | Task | Phase | Skill |\n|---|---|---|---|\n"
        "| 19 | Grafana dashboards for every node and service | observability "
        "| observability.grafana-dashboards |\n"
    )
    assert markdown_width(text) > 40
    print_markdown(out, text)
    output = buffer.getvalue()
    assert "observability.grafana-dashboards" in output and "…" not in output
    assert "Grafana" in output


@pytest.mark.parametrize("columns", ["80", "40"])
def test_runs_list_shows_whole_run_ids_in_a_pipe(nova_home: Path, columns: str) -> None:
    store = StateStore(nova_home / "state.db")
    ids = [new_run_id() for _ in range(3)]
    inventory = str(nova_home / "inventories" / "a-rather-long-inventory-folder-name")
    for run_id in ids:
        store.start_run(run_id, inventory, ["foundation", "observability"], None, False, "ops")
    result = run_main("runs", "list", env={"COLUMNS": columns})
    assert result.code == 0, result.stderr
    for run_id in ids:
        assert run_id in result.stdout, result.stdout
    assert inventory in result.stdout
    assert "…" not in result.stdout


def test_step_plan_keeps_phases_and_skills_whole_at_80_columns(nova_home: Path) -> None:
    from nova.orchestrate.catalogue import load_catalogue

    result = run_main("step-plan", env={"COLUMNS": "80"})
    assert result.code == 0
    assert "…" not in result.stdout
    words = set(flat(result.stdout).split())
    tasks = load_catalogue().tasks
    assert {t.skill for t in tasks} <= words
    assert {t.phase for t in tasks} <= words
