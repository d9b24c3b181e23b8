from __future__ import annotations

from pathlib import Path

import pytest

from nova.ansible.extravars import parse_extra_vars
from nova.core.errors import InputError


def test_forms_merge_in_order(tmp_path: Path) -> None:
    file = tmp_path / "vars.yml"
    file.write_text("a: 1\nb: [x]\n")
    merged = parse_extra_vars([f"@{file}", '{"b": 2}', "c=3 d='x y'"])
    assert merged == {"a": 1, "b": 2, "c": "3", "d": "x y"}


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="extra-vars file not found") as caught:
        parse_extra_vars([f"@{tmp_path / 'none.yml'}"])
    assert caught.value.exit_code == 2


def test_broken_file_names_the_line(tmp_path: Path) -> None:
    file = tmp_path / "vars.yml"
    file.write_text("a: 1\nb: [x\n")
    with pytest.raises(InputError) as caught:
        parse_extra_vars([f"@{file}"])
    assert str(caught.value).startswith(f"{file}: line ")


def test_list_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "vars.yml"
    file.write_text("- a\n")
    with pytest.raises(InputError, match="must hold a mapping"):
        parse_extra_vars([f"@{file}"])


def test_bare_words_are_refused() -> None:
    with pytest.raises(InputError, match="expected key=value"):
        parse_extra_vars(["justaword"])
