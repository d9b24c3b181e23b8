"""Hostile YAML documents, and the loaders of Nova's YAML inputs that must withstand them.

Every loader reads a file and either accepts it or raises InputError with
one printable line naming the file. The documents: a valid one with one
part replaced by something hostile, random structures, damaged text, raw
bytes, YAML bombs (aliases multiplying, an alias inside itself), deep
nesting, huge strings and values YAML cannot hold.

(Named hostile_yaml, not conftest: see queue_wire.py.)
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from nova.core.paths import project_root

TOKEN_HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@dataclass(frozen=True)
class Loader:
    name: str
    filename: str  # a blueprint's file must be named after it
    base: Any  # a document the loader accepts
    load: Callable[[Path], Any]
    cli: Callable[[Path, Path], list[str]]  # `nova` arguments reading the file (file, folder)
    private: bool = False  # read only when mode 0600


def _inventory(path: Path) -> Any:
    from nova.ansible.inventory import resolve

    return resolve(str(path))


def _blueprint(path: Path) -> Any:
    from nova.agents.blueprints.catalogue import load

    return load(str(path))


def _plan(path: Path) -> Any:
    from nova.provisioning.plan import load_plan

    return load_plan(path)


def _thresholds(path: Path) -> Any:
    from nova.monitor.thresholds import load

    return load(path)


def _policy_input(path: Path) -> Any:
    from nova.cli.policy import _read_input  # what `nova policy eval --input` reads with

    return _read_input(path)


def _tokens(path: Path) -> Any:
    from nova.queue.auth import read_entries

    return read_entries(path)


def _roles(path: Path) -> Any:
    from nova.queue.policy import load_roles

    return load_roles(path)


def _serve_with_roles(roles: Path, folder: Path) -> list[str]:
    tokens = folder / "serve-tokens.yml"
    tokens.write_text(f"alice: sha256:{TOKEN_HASH}\n")
    tokens.chmod(0o600)
    return ["queue", "serve", "--port", "0", "--db", str(folder / "q.db"),
            "--tokens", str(tokens), "--roles", str(roles)]  # fmt: skip


def _auditor() -> Any:
    path = project_root() / "nova/agents/blueprints/catalogue/auditor.yaml"
    return yaml.safe_load(path.read_text())


LOADERS = [
    Loader(
        "inventory",
        "hosts.yml",
        {
            "all": {
                "hosts": {"node1": {"ansible_host": "10.0.0.1"}},
                "vars": {"x": 1},
                "children": {"gpu": {"hosts": {"node1": None}}},
            }
        },
        _inventory,
        lambda f, d: ["backup", "--plan", "default", "-i", str(f)],
    ),
    Loader(
        "blueprint",
        "auditor.yaml",
        _auditor(),
        _blueprint,
        lambda f, d: ["blueprints", "show", str(f)],
    ),
    Loader(
        "plan",
        "phases.yml",
        {
            "apiVersion": "nova/v1",
            "phases": [
                {"name": "a", "agents": ["x"], "playbook": "a.yml", "description": "first"},
                {"name": "b", "agents": ["y"], "playbook": "b.yml", "depends_on": ["a"]},
            ],
        },
        _plan,
        lambda f, d: ["plan", "--file", str(f)],
    ),
    Loader(
        "thresholds",
        "thresholds.yml",
        {
            "thresholds": [
                {
                    "name": "failed-runs",
                    "metric": "provision_runs_total",
                    "labels": {"status": "failed"},
                    "op": ">",
                    "value": 3,
                    "window": "1h",
                    "severity": "critical",
                }
            ],
            "webhook": {"url": "http://127.0.0.1:9/hook", "timeout": 5, "retries": 1},
        },
        _thresholds,
        lambda f, d: ["monitor", "check", "--thresholds", str(f)],
    ),
    Loader(
        "policy-input",
        "input.yaml",
        {"action": "provision", "inventory": "spark", "phases": ["foundation"], "check": True},
        _policy_input,
        lambda f, d: ["policy", "eval", "--input", str(f)],
    ),
    Loader(
        "tokens",
        "queue-tokens.yml",
        {
            "alice": [
                {"sha256": TOKEN_HASH, "created": "2026-12-03T19:00:00+00:00", "expires": None}
            ],
            "bob": "b" * 20,
        },
        _tokens,
        lambda f, d: ["queue", "token", "list", "--tokens", str(f)],
        private=True,
    ),
    Loader(
        "roles",
        "roles.yml",
        {"alice": "admin", "bob": "agent"},
        _roles,
        _serve_with_roles,
    ),
]
BY_NAME = {loader.name: loader for loader in LOADERS}


def prepare(folder: Path, loader: Loader, content: bytes) -> Path:
    """The file a loader reads, with what it refers to (a plan's playbooks) beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    for playbook in ("a.yml", "b.yml"):
        (folder / playbook).write_text("- hosts: all\n  tasks: []\n")
    path = folder / loader.filename
    path.write_bytes(content)
    os.chmod(path, 0o600 if loader.private else 0o644)
    return path


def dump(document: Any) -> bytes:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode("utf-8", "replace")


# Strategies

TEXT = st.text(max_size=30) | st.sampled_from(
    ["", "\n", "line\nbreak", "\x1b[2J\x1b[31mred", "\u2028", "\u202e", "漢字", "😀", "~", "*x",
     "&a", "!!python/object:os.system", "{{ lookup('pipe', 'id') }}", "0o777", "1e999", ".nan"]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(10**40), 10**40),
    st.floats(),
    TEXT,
    st.binary(max_size=16),
    st.dates(),
    st.datetimes(timezones=st.just(datetime.UTC) | st.none()),
)
KEYS = TEXT | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


def _paths(document: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [here]
    if isinstance(document, dict):
        for key, value in document.items():
            paths += _paths(value, (*here, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            paths += _paths(value, (*here, index))
    return paths


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, head: _replace(document[head], rest, value)}
    copy = list(document)
    copy[head] = _replace(copy[head], rest, value)
    return copy


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> bytes:
    """The valid document with one part (a value, or a new key) made hostile."""
    path = draw(st.sampled_from(_paths(base)), label="path")
    value = draw(VALUES, label="value")
    if draw(st.booleans()) and isinstance(_get(base, path), dict):
        return dump(_replace(base, path, {**_get(base, path), draw(KEYS): value}))
    return dump(_replace(base, path, value))


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


@st.composite
def damaged_text(draw: st.DrawFn, base: Any) -> bytes:
    """The valid document's text cut short, or with characters inserted."""
    text = dump(base)
    if draw(st.booleans()):
        return text[: draw(st.integers(0, len(text)))]
    at = draw(st.integers(0, len(text)))
    inserted = draw(st.sampled_from([b":", b"- ", b"\t", b"[", b"{", b"&a ", b"*a", b"!!binary ",
                                     b'"', b"\x00", b"? ", b"<<: ", b"%YAML 1.1\n", b"---\n",
                                     b"\xff", b"\xc3"]))  # fmt: skip
    return text[:at] + inserted + text[at:]


@st.composite
def bombs(draw: st.DrawFn) -> bytes:
    """Billion laughs of a drawn width and depth, or an alias inside its own node."""
    kind = draw(st.sampled_from(["laughs", "self", "merge"]))
    if kind == "self":
        return b"a: &a\n  b: *a\n" if draw(st.booleans()) else b"a: &a [1, *a]\n"
    width, depth = draw(st.integers(2, 12)), draw(st.integers(2, 12))
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, depth + 1):
        refs = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"l{level}: &l{level} [{refs}]")
    if kind == "merge":
        lines.append(f"m: {{<<: {{k: *l{depth}}}}}")
    return ("\n".join(lines) + "\n").encode()


@st.composite
def deep(draw: st.DrawFn) -> bytes:
    depth = draw(st.integers(10, 1500))
    if draw(st.booleans()):
        return ("x: " + "[" * depth + "]" * depth + "\n").encode()
    return "".join("  " * i + f"k{i}:\n" for i in range(depth)).encode()


OUT_OF_RANGE = st.sampled_from(
    [b"x: 2026-13-01\n", b"x: 2026-02-30\n", b"x: 2026-01-01T25:61:00Z\n",
     b"x: " + b"9" * 5000 + b"\n", b"x: 0x" + b"f" * 5000 + b"\n", b"x: !!binary '###'\n",
     b"x: !!python/name:os.system\n", b"x: !!timestamp 'now'\n"]
)  # fmt: skip


def documents(base: Any) -> st.SearchStrategy[bytes]:
    return st.one_of(
        mutated(base),
        damaged_text(base),
        VALUES.map(dump),
        bombs(),
        deep(),
        OUT_OF_RANGE,
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.integers(1, 300_000).map(lambda n: b"big: " + b"x" * n + b"\n"),
    )
