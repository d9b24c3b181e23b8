"""The roles a playbook applies, read from its YAML without running it.

A phase whose playbook applies no role has nothing to do; the engines record
it as such instead of running a play that changes nothing and calling that
a success.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nova.core.paths import collection_dir
from nova.core.yamlfile import load_yaml

ROLE_MODULES = {
    "import_role",
    "include_role",
    "ansible.builtin.import_role",
    "ansible.builtin.include_role",
}
TASK_LISTS = ("pre_tasks", "tasks", "post_tasks", "handlers")
COLLECTION_PREFIX = "nova.spark."


def roles_in(playbook: Path) -> tuple[str, ...]:
    """Every role `playbook` applies, in order, through imported playbooks too."""
    found: list[str] = []
    _collect(playbook, found, set())
    return tuple(dict.fromkeys(found))


def _collect(playbook: Path, found: list[str], seen: set[Path]) -> None:
    path = playbook.resolve()
    if path in seen:
        return
    seen.add(path)
    document = load_yaml(path, missing="playbook not found")
    for play in document if isinstance(document, list) else []:
        if not isinstance(play, dict):
            continue
        imported = play.get("ansible.builtin.import_playbook", play.get("import_playbook"))
        if isinstance(imported, str):
            _collect(_playbook_path(path.parent, imported), found, seen)
            continue
        for role in play.get("roles") or []:
            name = role.get("role", role.get("name")) if isinstance(role, dict) else role
            if isinstance(name, str):
                found.append(name)
        for key in TASK_LISTS:
            _tasks(play.get(key) or [], found)


def _tasks(tasks: list[Any], found: list[str]) -> None:
    for task in tasks:
        if not isinstance(task, dict):
            continue
        for module in ROLE_MODULES & set(task):
            spec = task[module]
            name = spec.get("name") if isinstance(spec, dict) else spec
            if isinstance(name, str):
                found.append(name)
        for key in ("block", "rescue", "always"):
            _tasks(task.get(key) or [], found)


def _playbook_path(folder: Path, name: str) -> Path:
    if name.startswith(COLLECTION_PREFIX):
        return collection_dir() / "playbooks" / f"{name.removeprefix(COLLECTION_PREFIX)}.yml"
    return folder / name
