"""The user's settings (NOVA_HOME/config.yml) and the default inventory they choose.

config.yml is optional; today it holds two settings:

    inventory: spark          # what commands use when --inventory is not given
    dashboard_control: true   # the dashboard may start and cancel runs (default false)

The environment variable NOVA_INVENTORY, when set, wins over the file. A
file that is not a mapping, names an unknown setting or gives a value of the
wrong kind is refused with one line naming the file, the field and the
reason. Commands that change machines use only an inventory the user chose
(--inventory, NOVA_INVENTORY or config.yml); read-only plans may fall back
to the inventory ansible.cfg names.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

from nova.core.errors import InputError
from nova.core.paths import nova_home, project_root
from nova.core.yamlfile import load_yaml

CONFIG_NAME = "config.yml"
ENV_INVENTORY = "NOVA_INVENTORY"
SETTINGS = {
    "inventory": "the inventory used when --inventory is not given (a name or a path)",
    "dashboard_control": "true lets a logged-in dashboard user start and cancel runs",
}


@dataclass(frozen=True)
class Settings:
    inventory: str | None = None
    dashboard_control: bool = False


@dataclass(frozen=True)
class InventoryChoice:
    """An inventory and where it was chosen: --inventory, NOVA_INVENTORY, a file."""

    value: str
    source: str  # "--inventory", "NOVA_INVENTORY", or the path of config.yml or ansible.cfg
    field: str | None  # the field of that source that names it

    @property
    def origin(self) -> str:
        return f"{self.source}: {self.field}" if self.field else self.source


def config_path() -> Path:
    return nova_home() / CONFIG_NAME


def load_settings(path: Path | None = None) -> Settings:
    """The settings in config.yml; none when the file does not exist or is empty."""
    path = path or config_path()
    if not path.exists():
        return Settings()
    if path.is_dir():
        raise InputError(path, None, "is a folder, not a settings file")
    document = load_yaml(path)
    if document is None:
        return Settings()
    if not isinstance(document, dict):
        raise InputError(path, None, "must be a mapping of settings, e.g. `inventory: spark`")
    for key in document:
        if key not in SETTINGS:
            known = ", ".join(sorted(SETTINGS))
            raise InputError(path, str(key), f"unknown setting (known: {known})")
    control = document.get("dashboard_control", False)
    if not isinstance(control, bool):
        raise InputError(path, "dashboard_control", "must be true or false")
    inventory = document.get("inventory")
    if inventory is None:
        return Settings(dashboard_control=control)
    if not isinstance(inventory, str) or not inventory.strip():
        raise InputError(path, "inventory", "must be an inventory name or path (a string)")
    if "\n" in inventory or "\0" in inventory:
        raise InputError(path, "inventory", "must be one line")
    return Settings(inventory=inventory.strip(), dashboard_control=control)


def chosen_inventory(option: str | None = None) -> InventoryChoice | None:
    """The inventory the user chose: --inventory, else NOVA_INVENTORY, else config.yml."""
    if option is not None:
        return InventoryChoice(option, "--inventory", None)
    from_env = os.environ.get(ENV_INVENTORY, "").strip()
    if from_env:
        return InventoryChoice(from_env, ENV_INVENTORY, None)
    settings = load_settings()
    if settings.inventory is not None:
        return InventoryChoice(settings.inventory, str(config_path()), "inventory")
    return None


def ansible_cfg_inventory(root: Path | None = None) -> InventoryChoice | None:
    """The inventory ansible.cfg names ([defaults] inventory): a name when under inventories/."""
    cfg = (root or project_root()) / "ansible.cfg"
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    try:
        parser.read(cfg, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    value = parser.get("defaults", "inventory", fallback="").split(",")[0].strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = cfg.parent / path
    path = path.resolve()
    inventories = (cfg.parent / "inventories").resolve()
    name = path.name if path.parent == inventories else str(path)
    return InventoryChoice(name, str(cfg), "inventory")


def plan_inventory(option: str | None = None) -> InventoryChoice | None:
    """For read-only plans: the chosen inventory, else the one ansible.cfg names."""
    return chosen_inventory(option) or ansible_cfg_inventory()
