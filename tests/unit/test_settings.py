"""NOVA_HOME/config.yml and the default inventory: NOVA_INVENTORY, the file, ansible.cfg."""

from __future__ import annotations

from pathlib import Path

import pytest

from nova.core.errors import InputError
from nova.core.settings import (
    Settings,
    ansible_cfg_inventory,
    chosen_inventory,
    config_path,
    load_settings,
    plan_inventory,
)


def test_no_file_or_an_empty_one_sets_nothing(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "config.yml") == Settings()
    (tmp_path / "config.yml").write_text("")
    assert load_settings(tmp_path / "config.yml") == Settings()
    (tmp_path / "config.yml").write_text("inventory: spark\n")
    assert load_settings(tmp_path / "config.yml") == Settings(inventory="spark")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- spark\n", r": must be a mapping of settings"),
        (
            "inventroy: spark\n",
            r": inventroy: unknown setting \(known: dashboard_control, inventory\)",
        ),
        ("dashboard_control: yes please\n", r": dashboard_control: must be true or false"),
        ("inventory: 3\n", r": inventory: must be an inventory name or path"),
        ("inventory: ''\n", r": inventory: must be an inventory name or path"),
        ("inventory: [a, b]\n", r": inventory: must be an inventory name or path"),
        ("inventory: [a\n", r": line \d+: not valid YAML"),
    ],
)
def test_bad_content_is_one_line_naming_file_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "config.yml"
    path.write_text(text)
    with pytest.raises(InputError, match=f"^{path}{message}") as err:
        load_settings(path)
    assert "\n" not in str(err.value)


def test_a_binary_file_is_refused_not_decoded(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(InputError, match=f"^{path}: not UTF-8 text"):
        load_settings(path)
    with pytest.raises(InputError, match="is a folder"):
        load_settings(tmp_path)


def test_the_option_then_the_environment_then_the_file(
    nova_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOVA_INVENTORY", raising=False)
    assert chosen_inventory() is None
    nova_home.mkdir()
    config_path().write_text("inventory: spark\n")
    chosen = chosen_inventory()
    assert chosen is not None
    assert (chosen.value, chosen.origin) == ("spark", f"{config_path()}: inventory")
    monkeypatch.setenv("NOVA_INVENTORY", "sandbox")
    chosen = chosen_inventory()
    assert chosen is not None and (chosen.value, chosen.origin) == ("sandbox", "NOVA_INVENTORY")
    chosen = chosen_inventory("local")
    assert chosen is not None and (chosen.value, chosen.source) == ("local", "--inventory")


def test_the_environment_wins_without_reading_a_broken_file(
    nova_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nova_home.mkdir()
    config_path().write_text("- not a mapping\n")
    monkeypatch.setenv("NOVA_INVENTORY", "spark")
    chosen = chosen_inventory()
    assert chosen is not None and chosen.value == "spark"
    monkeypatch.delenv("NOVA_INVENTORY")
    with pytest.raises(InputError, match=r"config\.yml: must be a mapping"):
        chosen_inventory()


def test_plans_fall_back_to_the_inventory_ansible_cfg_names(
    nova_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("NOVA_INVENTORY", raising=False)
    fallback = plan_inventory()
    assert fallback is not None and fallback.value == "local"
    assert fallback.source.endswith("ansible.cfg") and fallback.field == "inventory"
    (tmp_path / "ansible.cfg").write_text("[defaults]\ninventory = ./inventories/lab  # a lab\n")
    found = ansible_cfg_inventory(tmp_path)
    assert found is not None and found.value == "lab"
    (tmp_path / "ansible.cfg").write_text("[defaults]\ninventory = /etc/ansible/hosts\n")
    found = ansible_cfg_inventory(tmp_path)
    assert found is not None and found.value == "/etc/ansible/hosts"
    (tmp_path / "ansible.cfg").write_text("[defaults]\nforks = 5\n")
    assert ansible_cfg_inventory(tmp_path) is None
    (tmp_path / "ansible.cfg").write_bytes(b"\xff\xfe[\x00")
    assert ansible_cfg_inventory(tmp_path) is None
