"""Every `--export FILE`: missing folders are made; what cannot be written is one line, exit 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from cli_harness import run_main

from nova.core.errors import InputError
from nova.core.exportfile import write_export


def test_missing_folders_are_made_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    target = tmp_path / "journal" / "backups" / "plan.md"
    assert write_export(target, "# plan\n") == target
    assert target.read_text(encoding="utf-8") == "# plan\n"
    write_export(target, "# plan, again\n")
    assert target.read_text(encoding="utf-8") == "# plan, again\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["plan.md"]


def test_a_parent_that_is_a_file_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("a file\n")
    target = tmp_path / "notes" / "deeper" / "plan.md"
    with pytest.raises(InputError) as err:
        write_export(target, "x")
    assert str(err.value) == f"{target}: --export: {tmp_path / 'notes'} is a file, not a folder"
    with pytest.raises(InputError, match=r"--export: the parent is a file, not a folder\Z"):
        write_export(tmp_path / "notes" / "plan.md", "x")


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r": --export: is a folder, not a file\Z"):
        write_export(tmp_path, "x")


def test_the_option_named_is_the_one_the_command_has(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r": --to: is a folder"):
        write_export(tmp_path, "x", option="--to")


@pytest.mark.skipif(os.access("/sys", os.W_OK) is False, reason="needs /sys, refused to all")
def test_a_place_nobody_may_write_is_refused(tmp_path: Path) -> None:
    # /sys refuses new files even to root, so this holds whoever runs the tests.
    with pytest.raises(InputError, match=r"^/sys/nova-plan.md: --export: permission denied\Z"):
        write_export(Path("/sys/nova-plan.md"), "x")


def _inventory(tmp_path: Path) -> Path:
    folder = tmp_path / "inventory"
    folder.mkdir()
    hosts = {"a": {"ansible_host": "192.0.2.1"}, "b": {"ansible_host": "192.0.2.2"}}
    document = {"all": {"children": {"vpn": {"hosts": hosts}}}}
    (folder / "hosts.yml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return folder


EXPORTING = {
    "roadmap": ["roadmap"],
    "step-plan": ["step-plan"],
    "progress": ["progress"],
    "tasks": ["tasks"],
    "next-steps": ["next-steps"],
    "summary": ["summary"],
    "backup": ["backup", "--plan", "default"],
    "network": ["network", "--vpn", "wireguard", "-i", "{inventory}"],
    "containers": ["containers", "--require", "docker"],
    "audit export": ["audit", "export"],
}


def _args(name: str, tmp_path: Path, target: Path) -> list[str]:
    args = EXPORTING[name]
    if "{inventory}" in args:
        args = [str(_inventory(tmp_path)) if a == "{inventory}" else a for a in args]
    return [*args, "--to" if name == "audit export" else "--export", str(target)]


@pytest.mark.parametrize("name", sorted(EXPORTING))
def test_every_export_makes_its_folders(name: str, tmp_path: Path, nova_home: Path) -> None:
    target = tmp_path / "journal" / "deeper" / "out.md"
    result = run_main(*_args(name, tmp_path, target))
    assert "Traceback" not in result.stderr
    assert result.code in (0, 1), result.stderr  # containers: 1 when docker is missing
    assert target.is_file() and target.stat().st_size > 0


@pytest.mark.parametrize("name", sorted(EXPORTING))
def test_every_export_refuses_a_file_as_folder_in_one_line(
    name: str, tmp_path: Path, nova_home: Path
) -> None:
    blocker = tmp_path / "journal"
    blocker.write_text("a file, not a folder\n")
    target = blocker / "out.md"
    result = run_main(*_args(name, tmp_path, target))
    option = "--to" if name == "audit export" else "--export"
    assert result.code == 2
    assert result.stderr == f"nova: {target}: {option}: the parent is a file, not a folder\n"
