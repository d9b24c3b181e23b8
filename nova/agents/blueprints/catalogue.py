"""Where blueprints come from: the built-in catalogue and NOVA_HOME/blueprints.

A blueprint in NOVA_HOME/blueprints/<name>.yaml takes the place of a built-in
one of the same name. Names are checked before any path is built from them.
"""

from __future__ import annotations

from pathlib import Path

from nova.agents.blueprints.model import Blueprint
from nova.agents.blueprints.schema import NAME_RE, load_file
from nova.core.errors import InputError
from nova.core.paths import nova_home
from nova.provisioning.plan import default_plan_path, load_plan

BUILTIN_DIR = Path(__file__).resolve().parent / "catalogue"
SUFFIX = ".yaml"


def user_dir() -> Path:
    return nova_home() / "blueprints"


def known_phases() -> list[str] | None:
    """Phase names from the plan, or None where no plan is installed (a bare worker host)."""
    if not default_plan_path().is_file():
        return None
    return [p.name for p in load_plan().phases]


def catalogue_files() -> dict[str, Path]:
    """name -> file, user blueprints over built-in ones."""
    files: dict[str, Path] = {}
    for folder in (BUILTIN_DIR, user_dir()):
        if folder.is_dir():
            files.update({p.stem: p for p in sorted(folder.glob(f"*{SUFFIX}"))})
    return dict(sorted(files.items()))


def find(name: str) -> Path:
    if not NAME_RE.match(name):
        raise InputError(name, "blueprint", "not a blueprint name")
    path = catalogue_files().get(name)
    if path is None:
        known = ", ".join(catalogue_files()) or "none"
        raise InputError(name, "blueprint", f"no blueprint with that name (known: {known})")
    return path


def load(name_or_path: str) -> Blueprint:
    """A blueprint by catalogue name, or from a file path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or "/" in name_or_path:
        if not path.is_file():
            raise InputError(name_or_path, None, "no such blueprint file")
    else:
        path = find(name_or_path)
    return load_file(path, known_phases())


def load_catalogue() -> list[Blueprint]:
    phases = known_phases()
    return [load_file(path, phases) for path in catalogue_files().values()]


def is_builtin(blueprint: Blueprint) -> bool:
    return blueprint.source is not None and blueprint.source.parent == BUILTIN_DIR
