"""Each role's defaults/main.yml and meta/argument_specs.yml say the same thing.

Ansible never takes a value from an argument spec's `default`: the value comes
from defaults/main.yml, and the spec's default is what `ansible-doc -t role`
and the role's README show. The two must name the same variables with the
same defaults, and the defaults must pass the spec's own types and choices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from nova.core.paths import project_root

ROLES_DIR = project_root() / "roles"
ROLES = sorted(p.name for p in ROLES_DIR.iterdir() if (p / "tasks").is_dir())

# Variables set in a role's defaults that are internal to the role and so left
# out of its argument spec, each with the reason. None so far: every variable
# in defaults/main.yml is an option callers may set.
INTERNAL: dict[str, dict[str, str]] = {}


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def defaults(role: str) -> dict[str, Any]:
    data = load(ROLES_DIR / role / "defaults" / "main.yml") or {}
    assert isinstance(data, dict)
    return {k: v for k, v in data.items() if k not in INTERNAL.get(role, {})}


def entry_points(role: str) -> dict[str, Any]:
    specs = load(ROLES_DIR / role / "meta" / "argument_specs.yml")["argument_specs"]
    assert isinstance(specs, dict)
    return specs


def options(role: str, entry_point: str = "main") -> dict[str, Any]:
    found = entry_points(role)[entry_point].get("options") or {}
    assert isinstance(found, dict)
    return found


def test_every_role_is_checked() -> None:
    assert len(ROLES) >= 10 and "firewall" in ROLES


@pytest.mark.parametrize("role", ROLES)
def test_defaults_and_spec_name_the_same_variables(role: str) -> None:
    in_defaults = set(defaults(role))
    in_spec = set(options(role))
    assert sorted(in_defaults - in_spec) == [], "in defaults/main.yml, not in the argument spec"
    assert sorted(in_spec - in_defaults) == [], "in the argument spec, not in defaults/main.yml"


@pytest.mark.parametrize("role", ROLES)
def test_spec_defaults_are_the_role_defaults(role: str) -> None:
    values = defaults(role)
    wrong = {
        name: (option.get("default", "(no default)"), values[name])
        for name, option in options(role).items()
        if name in values and option.get("default", object()) != values[name]
    }
    assert wrong == {}, "option: (argument spec's default, defaults/main.yml's value)"


@pytest.mark.parametrize("role", ROLES)
def test_defaults_pass_the_argument_spec(role: str) -> None:
    result = ArgumentSpecValidator(options(role)).validate(defaults(role))
    assert [str(error) for error in result.errors] == []


@pytest.mark.parametrize("role", ROLES)
def test_other_entry_points_agree_with_main(role: str) -> None:
    """An option of run, restore, ... is a role default with the same value, or required."""
    values = defaults(role)
    for entry_point in entry_points(role):
        for name, option in options(role, entry_point).items():
            if option.get("required"):
                assert name not in values, f"{entry_point}: {name} is required yet has a default"
            else:
                assert name in values, f"{entry_point}: {name} has no value in defaults/main.yml"
                assert option.get("default") == values[name], f"{entry_point}: {name}"


def test_internal_variables_are_in_defaults_and_explained() -> None:
    for role, names in INTERNAL.items():
        data = load(ROLES_DIR / role / "defaults" / "main.yml")
        for name, reason in names.items():
            assert name in data and reason.strip(), f"{role}: {name}"
