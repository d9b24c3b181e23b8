"""The kinds of code a skill runs, each vetted when it is defined.

- `RoleRun`: one Ansible role from this checkout, on the requested inventory,
  through the runner.
- `PhaseRun`: a phase of the plan through `nova.provisioning.provision.provision`, the same
  path `nova provision` takes (policy gate, state store, audit log, report).
- `CommandRun`: an argv template; placeholders are filled from the request and
  checked by a named validator, and nothing goes through a shell.
- `PythonCall`: a function from the registered table in `nova.agents.skills.callables`.
- `Unavailable`: work that cannot run on this kind of host; it says why.

Each returns a dict describing what really ran; it is the task's result.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

from nova.agents.skills import NotRunnable
from nova.agents.skills.request import SkillRequest
from nova.core.errors import InputError, NovaError
from nova.core.paths import ensure_home, project_root, runs_dir
from nova.runs.recorder import NOTHING_TO_DO

PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
ROLE_RE = re.compile(r"^[a-z][a-z0-9_]*\Z")
# Skills run side by side on one host, and a skill that timed out may leave an
# install running there: apt waits for dpkg's lock as in the foundation phase
# (playbooks/foundation.yml) instead of failing after its own 60 seconds.
APT_LOCK_WAIT = {
    "ansible.builtin.apt": {"lock_timeout": "{{ nova_apt_lock_timeout | default(600) }}"}
}


# Loads the blueprint catalogue. Skills sit below blueprints, so the layer that
# loads blueprints hands its loader down.
BlueprintLoader = Callable[[], Sequence[Any]]


@dataclass
class SkillContext:
    skill: str
    request: SkillRequest
    cancelled: threading.Event = field(default_factory=threading.Event)
    blueprints: BlueprintLoader | None = None  # for the skills that inspect the catalogue


class SkillFailed(NovaError):
    """The skill ran and failed; the message says where."""


def _new_run_id(skill: str) -> str:
    from nova.runs.ids import new_run_id

    return new_run_id(f"skill-{skill.replace('.', '-')}")


def _require_inventory(ctx: SkillContext) -> str:
    if not ctx.request.inventory:
        raise InputError("payload", "inventory", f"skill {ctx.skill} needs an inventory")
    return ctx.request.inventory


def _summarise(result: Any) -> dict[str, Any]:
    return {
        "status": "successful" if result.succeeded else "failed",
        "rc": result.rc,
        "hosts": {h: vars(s) for h, s in sorted(result.stats.items())},
        "failures": [vars(f) for f in result.failures[:20]],
    }


@dataclass(frozen=True)
class RoleRun:
    kind: ClassVar[str] = "role"
    role: str
    become: bool = True
    gather_facts: bool = False

    def __post_init__(self) -> None:
        if not ROLE_RE.match(self.role):
            raise ValueError(f"bad role name {self.role!r}")

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "role": self.role}

    def available(self) -> str | None:
        """None when the role is in this checkout, else why not."""
        if not (project_root() / "roles" / self.role / "tasks").is_dir():
            return f"role {self.role} is not in this checkout"
        return None

    def run(self, ctx: SkillContext) -> dict[str, Any]:
        from nova.ansible import inventory as inventories
        from nova.ansible.runner import run_playbook

        missing = self.available()
        if missing:
            raise NotRunnable(missing)
        inventory = inventories.resolve(_require_inventory(ctx))
        ensure_home()
        run_id = _new_run_id(ctx.skill)
        run_dir = runs_dir() / run_id
        run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        playbook = run_dir / "skill.yml"
        play = {
            "name": f"Skill {ctx.skill}: role {self.role}",
            "hosts": "all",
            "become": self.become,
            "gather_facts": self.gather_facts,
            "roles": [{"role": f"nova.spark.{self.role}"}],
            "module_defaults": APT_LOCK_WAIT,
        }
        playbook.write_text(yaml.safe_dump([play], sort_keys=False), encoding="utf-8")
        result = run_playbook(
            playbook,
            list(inventory.sources),
            run_dir / "runner",
            limit=ctx.request.limit,
            check=ctx.request.check,
            cancelled=ctx.cancelled,
        )
        if ctx.cancelled.is_set():
            raise SkillFailed(f"role {self.role} cancelled (run {run_dir})")
        outcome = {
            "run_id": run_id,
            "run_dir": str(run_dir),
            "role": self.role,
            "check": ctx.request.check,
            **_summarise(result),
        }
        if not result.succeeded:
            raise SkillFailed(_failure_line(f"role {self.role}", result, run_dir))
        return outcome


@dataclass(frozen=True)
class PhaseRun:
    """A phase named in the payload (`args.phase`), or this fixed one."""

    kind: ClassVar[str] = "phase"
    phase: str | None = None

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "phase": self.phase or "{phase}"}

    def available(self) -> str | None:
        return None

    def run(self, ctx: SkillContext) -> dict[str, Any]:
        from nova.provisioning.provision import ProvisionRequest, provision

        phase = self.phase or ctx.request.args.get("phase")
        if not phase:
            raise InputError("payload", "args.phase", f"skill {ctx.skill} needs a phase")
        record = provision(
            ProvisionRequest(
                inventory=_require_inventory(ctx),
                phases=(phase,),
                limit=ctx.request.limit,
                check=ctx.request.check,
                cancelled=ctx.cancelled,
            )
        )
        outcome = {
            "run_id": record.id,
            "phase": phase,
            "status": record.status,
            "report": record.report_path,
            "check": ctx.request.check,
            "results": record.to_dict()["results"],
        }
        if record.status == NOTHING_TO_DO:
            raise NotRunnable(f"phase {phase} applies no role: nothing to do (run {record.id})")
        if record.status != "successful":
            raise SkillFailed(
                f"phase {phase} {record.status} (run {record.id}, report {record.report_path})"
            )
        return outcome


Validator = Callable[[str], str | None]  # None when the value is fine, else why not


def _scenario(value: str) -> str | None:
    if not ROLE_RE.match(value):
        return "must be a scenario name"
    if not (project_root() / "molecule" / value / "molecule.yml").is_file():
        return f"no molecule scenario {value} in this checkout"
    return None


def _playbook(value: str) -> str | None:
    if not re.match(r"^[a-z][a-z0-9-]*\.yml$", value):
        return "must be a playbook file name such as site.yml"
    if not (project_root() / "playbooks" / value).is_file():
        return f"no playbook {value} in this checkout"
    return None


VALIDATORS: Mapping[str, Validator] = {"scenario": _scenario, "playbook": _playbook}


@dataclass(frozen=True)
class CommandRun:
    """Runs `argv` in the project folder; `{name}` placeholders come from `args`."""

    kind: ClassVar[str] = "command"
    argv: tuple[str, ...]
    defaults: tuple[tuple[str, str], ...] = ()
    timeout: float = 1800.0

    def __post_init__(self) -> None:
        for word in self.argv:
            for name in PLACEHOLDER_RE.findall(word):
                if name not in VALIDATORS:
                    raise ValueError(f"placeholder {{{name}}} has no validator")

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "argv": list(self.argv)}

    def available(self) -> str | None:
        if shutil.which(self.argv[0], path=_tool_path()) is None:
            return f"{self.argv[0]} is not installed"
        return None

    def render(self, args: Mapping[str, str]) -> list[str]:
        values = {**dict(self.defaults), **args}

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise InputError("payload", f"args.{name}", "required by the command")
            problem = VALIDATORS[name](values[name])
            if problem:
                raise InputError("payload", f"args.{name}", problem)
            return values[name]

        return [PLACEHOLDER_RE.sub(fill, word) for word in self.argv]

    def run(self, ctx: SkillContext) -> dict[str, Any]:
        from nova.ansible.runner import ansible_env

        argv = self.render(ctx.request.args)
        missing = self.available()
        if missing:
            raise NotRunnable(missing)
        ensure_home()
        run_id = _new_run_id(ctx.skill)
        log_path = runs_dir() / run_id / "output.log"
        log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with log_path.open("w", encoding="utf-8") as log:
            proc = subprocess.Popen(
                argv,
                cwd=project_root(),
                # Commands (Molecule, Ansible) never read the worker's stdin,
                # and Ansible refuses to start if it is non-blocking.
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_command_env(ansible_env()),
                start_new_session=True,
            )
            rc = _wait(proc, self.timeout, ctx.cancelled)
        outcome = {"run_id": run_id, "argv": argv, "rc": rc, "log": str(log_path)}
        if rc != 0:
            tail = _last_line(log_path)
            raise SkillFailed(f"{' '.join(argv)} exited {rc}: {tail} (log {log_path})")
        return outcome


Callee = Callable[[SkillContext], dict[str, Any]]


@dataclass(frozen=True)
class PythonCall:
    """A registered callable: `nova.agents.skills.callables.python_call` makes these."""

    kind: ClassVar[str] = "callable"
    name: str
    func: Callee = field(compare=False, repr=False)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "callable": self.name}

    def available(self) -> str | None:
        return None

    def run(self, ctx: SkillContext) -> dict[str, Any]:
        return self.func(ctx)


@dataclass(frozen=True)
class Unavailable:
    kind: ClassVar[str] = "unavailable"
    reason: str

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "reason": self.reason}

    def available(self) -> str | None:
        return self.reason

    def run(self, ctx: SkillContext) -> dict[str, Any]:
        raise NotRunnable(self.reason)


HandlerSpec = RoleRun | PhaseRun | CommandRun | PythonCall | Unavailable


def _tool_path() -> str:
    from nova.ansible.runner import ansible_env

    return ansible_env()["PATH"]


def _command_env(extra: Mapping[str, str]) -> dict[str, str]:
    import os

    return {**os.environ, **extra}


def _wait(proc: subprocess.Popen[Any], timeout: float, cancelled: threading.Event) -> int:
    """Wait for the command; a cancelled job or a timeout ends it and all it started."""
    from nova.core.proctree import kill_tree

    waited = 0.0
    while True:
        try:
            return proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            waited += 0.5
        if cancelled.is_set() or waited >= timeout:
            kill_tree(proc.pid)
            proc.wait()
            raise SkillFailed(
                "cancelled" if cancelled.is_set() else f"timed out after {timeout:.0f}s"
            )


def _last_line(path: Path) -> str:
    lines = [ln for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln]
    return lines[-1][:300] if lines else "no output"


def _failure_line(what: str, result: Any, run_dir: Path) -> str:
    if result.failures:
        first = result.failures[0]
        where = f"{first.host}: {first.task}: {first.message}"
    else:
        where = f"runner status {result.status}, rc {result.rc}"
    return f"{what} failed: {where} (run {run_dir})"
