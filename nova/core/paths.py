"""Where Nova keeps its state, and where the project's Ansible content lives."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # nova/


def nova_home() -> Path:
    """NOVA_HOME, or ~/.nova: runs, reports, the state store and sandbox keys."""
    return Path(os.environ.get("NOVA_HOME", Path.home() / ".nova")).expanduser()


def ensure_home() -> Path:
    home = nova_home()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home


def project_root() -> Path:
    """The folder holding ansible.cfg, roles/ and playbooks/.

    NOVA_PROJECT overrides it; otherwise it is the checkout the package was
    installed from (`pip install -e .`).
    """
    override = os.environ.get("NOVA_PROJECT")
    if override:
        return Path(override).expanduser().resolve()
    return PACKAGE_DIR.parent


def collection_dir() -> Path:
    """The nova.spark collection in the project: roles, playbooks and plugins."""
    return project_root() / "collections" / "ansible_collections" / "nova" / "spark"


def runs_dir() -> Path:
    return nova_home() / "runs"


def reports_dir() -> Path:
    return nova_home() / "reports"


def state_db() -> Path:
    return nova_home() / "state.db"


def fact_cache_dir(inventory: str) -> Path:
    """Ansible's fact cache for one inventory: its name, or a key made from its path."""
    name = (
        inventory
        if inventory.replace("-", "").replace("_", "").isalnum()
        else ("path-" + hashlib.sha256(inventory.encode()).hexdigest()[:16])
    )
    return nova_home() / "facts" / name
