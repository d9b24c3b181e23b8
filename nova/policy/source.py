"""A folder of Rego v1 policies, their unit tests and optional data, read as one set."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nova.core.canonical import canonical_json, sha256_hex
from nova.core.errors import InputError
from nova.policy.lint import check_v1

BUILTIN_DIR = Path(__file__).resolve().parent / "policies"
_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)", re.MULTILINE)


def policy_dir() -> Path:
    """NOVA_POLICY_DIR, or the policies shipped with Nova."""
    override = os.environ.get("NOVA_POLICY_DIR")
    return Path(override).expanduser() if override else BUILTIN_DIR


@dataclass(frozen=True)
class PolicySet:
    """Modules keyed by file name; `revision` changes whenever any byte does."""

    folder: Path
    modules: dict[str, str]
    tests: dict[str, str]
    data: dict[str, Any]
    revision: str

    def packages(self) -> list[str]:
        """Policy packages as entrypoint paths, e.g. `nova/provision`."""
        found = set()
        for source in self.modules.values():
            match = _PACKAGE.search(source)
            if match:
                found.add(match.group(1).replace(".", "/"))
        return sorted(found)


def fingerprint(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Cheap change detection: names, sizes and modification times."""
    try:
        entries = sorted(p for p in folder.iterdir() if p.suffix in (".rego", ".json"))
    except OSError:
        return ()
    stats = []
    for path in entries:
        try:
            st = path.stat()
        except OSError:
            continue
        stats.append((path.name, st.st_size, st.st_mtime_ns))
    return tuple(stats)


def load(folder: Path) -> PolicySet:
    """Read and check every policy; a bad file raises a one-line InputError."""
    if not folder.is_dir():
        raise InputError(folder, None, "policy folder does not exist")
    modules: dict[str, str] = {}
    tests: dict[str, str] = {}
    for path in sorted(folder.glob("*.rego")):
        source = _read(path)
        check_v1(str(path), source)
        (tests if path.stem.endswith("_test") else modules)[path.name] = source
    if not modules:
        raise InputError(folder, None, "no .rego policies found")
    data = _load_data(folder / "data.json")
    digest = sha256_hex(canonical_json({"modules": modules, "tests": tests, "data": data}))
    return PolicySet(folder, modules, tests, data, digest[:16])


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, None, f"cannot read: {exc}") from exc


def _load_data(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(_read(path))
    except json.JSONDecodeError as exc:
        raise InputError(path, f"line {exc.lineno}", exc.msg) from exc
    if not isinstance(data, dict):
        raise InputError(path, None, "policy data must be a JSON object")
    return data
