"""The blueprint schema, `apiVersion: nova/v1`: every field checked, unknown keys refused.

Errors are one line naming the file, the field (dotted path) and the reason.
Handlers a blueprint declares are checked against vetted tables: a role name,
a phase, a command whose program is on the allowed list, or a registered
callable. Nothing a blueprint says is ever imported.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, NoReturn

from nova.agents.blueprints.model import Blueprint, Health, Resources
from nova.agents.restart import POLICIES, Backoff, RestartPolicy, StartLimit
from nova.agents.skills.callables import CALLABLES, python_call
from nova.agents.skills.kinds import (
    PLACEHOLDER_RE,
    VALIDATORS,
    CommandRun,
    HandlerSpec,
    PhaseRun,
    RoleRun,
)
from nova.agents.skills.registry import SKILLS
from nova.core.errors import InputError
from nova.core.yamlfile import load_yaml

API_VERSIONS = ("nova/v1",)
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,62}\Z")
ROLES = (
    "planner",
    "coder",
    "tester",
    "reviewer",
    "ops",
    "security",
    "data",
    "ml",
    "integration",
    "observer",
)
PROGRAMS = ("ansible-playbook", "ansible-lint", "molecule", "nova")
MEMORY_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|K|M|G|T)?\Z")
UNITS = {
    None: 1,
    "K": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}

TOP_KEYS = {
    "apiVersion",
    "kind",
    "name",
    "role",
    "goal",
    "phase",
    "skills",
    "handlers",
    "resources",
    "concurrency",
    "restart",
    "health",
}


class _Reader:
    """Reads one mapping of a blueprint, remembering where it is for errors."""

    def __init__(self, source: Path | str, where: str, body: Any, allowed: set[str]) -> None:
        self.source, self.where = source, where
        if not isinstance(body, Mapping):
            self.fail(None, "must be a mapping")
        self.body: Mapping[str, Any] = body
        for key in body:
            if key not in allowed:
                self.fail(str(key), f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def path(self, key: str | None) -> str:
        return ".".join(p for p in (self.where, key) if p) or "(document)"

    def fail(self, key: str | None, reason: str) -> NoReturn:
        raise InputError(self.source, self.path(key), reason)

    def sub(self, key: str, allowed: set[str]) -> _Reader:
        return _Reader(self.source, self.path(key), self.body.get(key) or {}, allowed)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.body.get(key, default)
        if value is None:
            self.fail(key, "is required")
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be a non-empty string")
        return str(value).strip()

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self.body.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, "must be a number")
        if not low <= value <= high:
            self.fail(key, f"must be between {low:g} and {high:g}")
        return float(value)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.body.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, "must be a whole number")
        if not low <= value <= high:
            self.fail(key, f"must be between {low} and {high}")
        return int(value)


def parse(document: Any, source: Path | str, phases: Collection[str] | None = None) -> Blueprint:
    """A blueprint from its YAML document; `phases`, when given, are the valid owner phases."""
    top = _Reader(source, "", document, TOP_KEYS)
    version = top.text("apiVersion")
    if version not in API_VERSIONS:
        top.fail(
            "apiVersion", f"unsupported version {version!r} (supported: {', '.join(API_VERSIONS)})"
        )
    if top.text("kind", "Blueprint") != "Blueprint":
        top.fail("kind", "must be Blueprint")
    name = top.text("name")
    if not NAME_RE.match(name):
        top.fail("name", "must be lowercase letters, digits and dashes, starting with a letter")
    role = top.text("role")
    if role not in ROLES:
        top.fail("role", f"unknown role {role!r} (known: {', '.join(ROLES)})")
    phase = top.text("phase")
    if phases is not None and phase not in phases:
        top.fail("phase", f"unknown phase {phase!r} (known: {', '.join(phases)})")
    skills = _skills(top)
    return Blueprint(
        api_version=version,
        name=name,
        role=role,
        goal=" ".join(top.text("goal").split()),
        phase=phase,
        skills=skills,
        handlers=_handlers(top, skills),
        resources=_resources(top.sub("resources", {"cpu", "memory", "gpu"})),
        concurrency=top.integer("concurrency", 1, 1, 64),
        restart=_restart(
            top.sub("restart", {"policy", "backoff", "start_limit", "reset_after", "stop_grace"})
        ),
        health=_health(top.sub("health", {"samples", "interval"})),
        source=Path(source) if isinstance(source, Path) else None,
    )


def load_file(path: Path, phases: Collection[str] | None = None) -> Blueprint:
    document = load_yaml(path, missing="blueprint file not found")
    blueprint = parse(document, path, phases)
    if path.stem != blueprint.name:
        raise InputError(path, "name", f"must match the file name ({path.stem})")
    return blueprint


def _skills(top: _Reader) -> tuple[str, ...]:
    value = top.body.get("skills")
    if not isinstance(value, list) or not value:
        top.fail("skills", "must be a non-empty list of skill ids")
    seen: list[str] = []
    for index, skill in enumerate(value):
        if not isinstance(skill, str) or skill not in SKILLS:
            top.fail(
                f"skills[{index}]",
                f"unknown skill {skill!r} (see `nova blueprints show` or the skill registry)",
            )
        if skill in seen:
            top.fail(f"skills[{index}]", f"{skill} is listed twice")
        seen.append(skill)
    return tuple(seen)


def _handlers(top: _Reader, skills: tuple[str, ...]) -> dict[str, HandlerSpec]:
    body = top.body.get("handlers") or {}
    if not isinstance(body, Mapping):
        top.fail("handlers", "must be a mapping of skill id to handler")
    handlers: dict[str, HandlerSpec] = {}
    for skill, spec in body.items():
        if skill not in skills:
            top.fail(f"handlers.{skill}", "names a skill the blueprint does not list")
        handlers[skill] = _handler(
            _Reader(
                top.source, f"handlers.{skill}", spec, {"kind", "role", "phase", "argv", "callable"}
            )
        )
    return handlers


def _handler(spec: _Reader) -> HandlerSpec:
    kind = spec.text("kind")
    expected = {
        "role": {"kind", "role"},
        "phase": {"kind", "phase"},
        "command": {"kind", "argv"},
        "callable": {"kind", "callable"},
    }
    if kind not in expected:
        spec.fail("kind", f"unknown handler kind {kind!r} (known: {', '.join(expected)})")
    for key in spec.body:
        if key not in expected[kind]:
            spec.fail(key, f"not a field of a {kind} handler")
    if kind == "role":
        role = spec.text("role")
        if not re.match(r"^[a-z][a-z0-9_]*$", role):
            spec.fail("role", "must be a role name (lowercase, digits, underscores)")
        return RoleRun(role)
    if kind == "phase":
        return PhaseRun(spec.text("phase"))
    if kind == "callable":
        name = spec.text("callable")
        if name not in CALLABLES:
            spec.fail("callable", f"not a registered callable (known: {', '.join(CALLABLES)})")
        return python_call(name)
    return _command(spec)


def _command(spec: _Reader) -> CommandRun:
    argv = spec.body.get("argv")
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        spec.fail("argv", "must be a non-empty list of strings")
    if argv[0] not in PROGRAMS:
        spec.fail("argv[0]", f"program {argv[0]!r} is not allowed (allowed: {', '.join(PROGRAMS)})")
    for index, word in enumerate(argv):
        for name in PLACEHOLDER_RE.findall(word):
            if name not in VALIDATORS:
                spec.fail(
                    f"argv[{index}]",
                    f"unknown placeholder {{{name}}} (known: {', '.join(VALIDATORS)})",
                )
    return CommandRun(tuple(argv))


def _resources(res: _Reader) -> Resources:
    return Resources(
        cpu=res.number("cpu", 1.0, 0.01, 512),
        memory=_memory(res),
        gpu=res.integer("gpu", 0, 0, 64),
    )


def _memory(res: _Reader) -> int:
    value = res.body.get("memory", "512Mi")
    match = MEMORY_RE.match(str(value).strip()) if isinstance(value, str | int) else None
    if match is None or isinstance(value, bool):
        res.fail("memory", "must be a size such as 512Mi or 2Gi")
    size = float(match.group(1)) * UNITS[match.group(2)]
    if size < 16 * 2**20:
        res.fail("memory", "must be at least 16Mi")
    if size > 2**50:  # also infinity, which has no integer
        res.fail("memory", "must be at most 1024Ti")
    return int(size)


def _restart(body: _Reader) -> RestartPolicy:
    policy = body.text("policy", "on-failure")
    if policy not in POLICIES:
        body.fail("policy", f"must be one of {', '.join(POLICIES)}")
    back = body.sub("backoff", {"initial", "factor", "max", "jitter"})
    backoff = Backoff(
        initial=back.number("initial", 1.0, 0.01, 3600),
        factor=back.number("factor", 2.0, 1.0, 10),
        max=back.number("max", 60.0, 0.01, 86400),
        jitter=back.number("jitter", 0.1, 0.0, 1.0),
    )
    if backoff.max < backoff.initial:
        back.fail("max", "must not be below initial")
    limit = body.sub("start_limit", {"burst", "interval"})
    return RestartPolicy(
        policy=policy,
        backoff=backoff,
        start_limit=StartLimit(
            burst=limit.integer("burst", 5, 1, 1000),
            interval=limit.number("interval", 60.0, 0.1, 86400),
        ),
        reset_after=body.number("reset_after", 120.0, 0.1, 86400),
        stop_grace=body.number("stop_grace", 10.0, 0.0, 3600),
    )


def _health(body: _Reader) -> Health:
    return Health(
        samples=body.integer("samples", 3, 1, 1000),
        interval=body.number("interval", 5.0, 0.05, 3600),
    )
