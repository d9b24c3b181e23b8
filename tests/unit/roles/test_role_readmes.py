"""Each role's README lists every option of its argument spec, as scripts/role_readmes.py makes it.

After editing a role's meta/argument_specs.yml, run `python scripts/role_readmes.py`
and commit the READMEs it rewrites.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from nova.core.paths import project_root

ROOT = project_root()
ROLES_DIR = ROOT / "roles"
ROLES = sorted(p.name for p in ROLES_DIR.iterdir() if (p / "tasks").is_dir())


def load_script() -> ModuleType:
    path = ROOT / "scripts" / "role_readmes.py"
    spec = importlib.util.spec_from_file_location("role_readmes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SCRIPT = load_script()


def readme(role: str) -> str:
    return (ROLES_DIR / role / "README.md").read_text(encoding="utf-8")


def entry_points(role: str) -> dict[str, dict[str, Any]]:
    specs = yaml.safe_load((ROLES_DIR / role / "meta" / "argument_specs.yml").read_text())
    return {name: spec.get("options") or {} for name, spec in specs["argument_specs"].items()}


def section_rows(role: str) -> dict[str, list[str]]:
    text = readme(role)
    section = text[text.index(SCRIPT.BEGIN) : text.index(SCRIPT.END)]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and re.fullmatch(r"`[a-z0-9_.\[\]]+`", cells[0]):
            rows[cells[0].strip("`")] = cells
    return rows


@pytest.mark.parametrize("role", ROLES)
def test_committed_readme_is_what_the_script_makes(role: str) -> None:
    current = readme(role)
    assert SCRIPT.render(ROLES_DIR / role, current) == current, (
        f"roles/{role}/README.md is stale: run `python scripts/role_readmes.py`"
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_main_option_has_its_row_with_default_and_description(role: str) -> None:
    rows = section_rows(role)
    specs = entry_points(role)
    options = specs["main"]
    known = {name for spec in specs.values() for name in spec}
    top_rows = {name for name in rows if "." not in name}
    assert sorted(top_rows - known) == [], "rows for options the spec does not have"
    for name, option in options.items():
        assert name in rows, f"no row for {name}"
        _, _, default, description = rows[name]
        expected = option.get("default")
        if isinstance(expected, bool):
            assert default == f"`{str(expected).lower()}`", name
        elif isinstance(expected, int | str) and expected != "":
            assert str(expected) in default, name
        text = option["description"]
        first_word = (text if isinstance(text, str) else text[0]).split()[0]
        first_word = re.sub(r"\b[BCIOUV]\(([^)]*)\)", r"\1", first_word)
        assert description.replace("`", "").startswith(first_word), name


@pytest.mark.parametrize("role", ROLES)
def test_the_section_is_headed_role_variables(role: str) -> None:
    text = readme(role)
    assert text.count(SCRIPT.BEGIN) == 1 and text.count(SCRIPT.END) == 1
    assert f"{SCRIPT.BEGIN}\n## Role variables\n" in text


def test_check_mode_passes_on_the_repository() -> None:
    assert SCRIPT.main(["--check"]) == 0


def test_a_stale_section_is_rewritten(tmp_path: Path) -> None:
    role = tmp_path / "demo"
    (role / "meta").mkdir(parents=True)
    (role / "meta" / "argument_specs.yml").write_text(
        "argument_specs:\n"
        "  main:\n"
        "    options:\n"
        "      demo_port:\n"
        "        type: int\n"
        "        default: 8080\n"
        "        description: Port C(demo) listens on.\n"
        "      demo_mode:\n"
        "        type: str\n"
        "        default: 'off'\n"
        "        choices: ['off', fast]\n"
        "        description: How it runs.\n"
    )
    stale = f"# Role `demo`\n\nText.\n\n{SCRIPT.BEGIN}\nold rows\n{SCRIPT.END}\n\n## Example\n"
    fresh = SCRIPT.render(role, stale)
    assert fresh.startswith("# Role `demo`\n\nText.\n\n") and fresh.endswith(
        f"{SCRIPT.END}\n\n## Example\n"
    )
    assert "old rows" not in fresh
    assert "| `demo_port` | int | `8080` | Port `demo` listens on. |" in fresh
    assert "| `demo_mode` | str | `'off'` | How it runs. One of `'off'`, `fast`. |" in fresh
    assert SCRIPT.render(role, fresh) == fresh


def test_a_readme_without_markers_is_refused(tmp_path: Path) -> None:
    role = tmp_path / "demo"
    (role / "meta").mkdir(parents=True)
    (role / "meta" / "argument_specs.yml").write_text("argument_specs:\n  main:\n    options: {}\n")
    with pytest.raises(SCRIPT.ReadmeError, match="markers"):
        SCRIPT.render(role, "# Role `demo`\n\n## Variables\n")
