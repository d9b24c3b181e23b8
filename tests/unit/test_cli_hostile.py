"""Every command, fed hostile arguments, answers in one line: never a traceback.

The test walks the registry (nova.cli.COMMANDS, and each group's
subcommands) and runs each command in-process through `nova.cli.main`, the
same error path as the installed `nova`, with: no arguments; each option and
argument in turn given a missing folder, a path whose parent is a file, an
unwritable path, an empty file, a binary file, a folder, negative and absurd
numbers, and unknown names. Whatever it makes of them, stderr holds no
traceback and the exit code is 0, 1 or 2.

Commands that would start long-running servers or change the machine are
left out (SKIPPED says why for each); `provision`, `orchestrate` and `backup
self` run only hostile cases that must be refused before anything runs
(CURATED), since a hostile value that happened to be valid would act on real
hosts or write a restic repository.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from cli_harness import run_main

from nova.cli import COMMANDS, cli

SKIPPED = {
    "worker": "takes tasks from the queue until it is stopped",
    "queue serve": "serves the queue until it is interrupted",
    "monitor serve": "serves the metrics until it is interrupted",
    "agents up": "starts the supervisor and its workers in the background",
    "sandbox up": "starts containers on this machine's Docker",
    "sandbox down": "removes this machine's sandbox containers",
    "sandbox image": "builds an image with debootstrap and Docker",
    "backup run": "backs the inventory's hosts up (a playbook run against them)",
    "backup restore": "restores files on a host (a playbook run against it)",
}

# Commands run only with these arguments: each must be refused before anything runs.
CURATED: dict[str, list[list[str]]] = {
    # Serves until interrupted: only arguments it must refuse before it binds.
    "dashboard": [
        ["--port", "-1"],
        ["--port", "70000"],
        ["--bind", "0.0.0.0", "--port", "0"],
        ["--tls-cert", "{missing}"],
        ["--tls-cert", "{binary}", "--port", "0"],
    ],
    "provision": [
        [],
        ["-i", "{missing}"],
        ["-i", "{parent_is_file}"],
        ["-i", "{binary}"],
        ["-i", "nosuch"],
        ["-i", ""],
        ["-i", "spark", "--phase", "nope"],
        ["-i", "spark", "--phase", "foundation", "-1"],
        ["-i", "spark", "-e", "@{binary}"],
        ["-i", "spark", "-e", "@{missing}"],
        ["-i", "spark", "-e", "@{folder}"],
        ["-i", "spark", "-e", "[1, 2"],
        ["--resume", "nosuch"],
        ["--resume", "-1"],
        ["--resume", ""],
        ["-o", "nope"],
    ],
    # Each case stops before restic writes a repository (or fails in the attempt).
    "backup self": [
        [],
        ["--repo", "{parent_is_file}"],
        ["--repo", "{binary}"],
        ["--repo", "{unwritable}"],
        ["--repo", "{out}/repo", "--password-file", "{parent_is_file}"],
        ["--repo", "{out}/repo", "--password-file", "{unwritable}"],
        ["--repo", "{out}/repo", "--password-file", "{folder}"],
        ["--repo", "{out}/repo", "--password-file", "{empty}"],
        ["--repo", "{nova_home}/inside"],
        ["--repo", ""],
        ["--repo", "s3:"],
        ["--repo", "s3:https:"],
        ["--repo", "foo:bar"],
        ["--repo", "rest:http://nova:hostile-pw@127.0.0.1:9/"],
        ["--repo", "s3:https://127.0.0.1:9/b", "--credentials-file", "{binary}"],
        ["--repo", "s3:https://127.0.0.1:9/b", "--credentials-file", "{folder}"],
        ["--repo", "s3:https://127.0.0.1:9/b", "--credentials-file", "{missing}"],
        ["--restore", "--snapshot", "-1"],
        ["--restore", "--repo", "{out}/no-repo"],
        ["--snapshot", "latest"],
    ],
    "orchestrate": [
        [],
        ["--check"],
        ["-i", "{missing}"],
        ["-i", "{parent_is_file}"],
        ["-i", "{binary}"],
        ["-i", "nosuch"],
        ["--concurrency", "-1"],
        ["--task-timeout", "-1"],
        ["--task-timeout", "nan"],
        ["--mode", "nope"],
        ["--agents", "nosuch"],
        ["-i", "nosuch", "--agents", "nope"],
        ["-o", "nope"],
    ],
}

# Benign values for required parameters, so hostile values of the others reach further.
BASE: dict[str, dict[str, str]] = {
    "audit export": {"--to": "{out}/audit.json"},
    "backup": {"--plan": "default"},
    "blueprints new": {
        "name": "hostile-check",
        "--role": "ops",
        "--phase": "foundation",
        "--goal": "Check hostile input.",
        "--skill": "infra.audit",
        "--out": "{out}/blueprints",
    },
    "blueprints render": {"name": "nova"},
    "blueprints show": {"name": "nova"},
    "compliance report": {"--inventory": "spark"},
    "monitor check": {"--thresholds": "{thresholds}"},
    "network": {"--vpn": "wireguard", "--inventory": "spark"},
    "policy eval": {"--input": "{policy_input}"},
    "queue cancel": {"task_id": "nosuch"},
    "queue enqueue": {"task_type": "shell"},
    "queue show": {"task_id": "nosuch"},
    "report tests": {"--junit": "{junit}"},
    "runs show": {"run_id": "nosuch"},
}

# Exit codes some commands document besides 0, 1 and 2.
DOCUMENTED_EXITS = {
    "policy eval": {3},  # the policy denies (a policy folder that cannot load denies too)
    "monitor check": {3},  # thresholds were breached
}

PATHS = ["{missing}", "{parent_is_file}", "{unwritable}", "{empty}", "{binary}", "{folder}"]
NUMBERS = ["-1", "-99999999999999999999999", "nan", "1e309"]
NAMES = ["nosuch", "", "-1", "../../nosuch"]
# Inventories are left out of empty and folder: an empty inventory is valid, and
# the commands would then run playbooks against no hosts.
INVENTORIES = ["{missing}", "{parent_is_file}", "{binary}", "nosuch", ""]
SERVERS = ["", "{closed}", "[::1", "-1"]


@dataclass(frozen=True)
class Case:
    name: str  # "audit export"
    path: list[str]  # ["audit", "export"]
    command: click.Command


def every_command() -> Iterator[Case]:
    ctx = click.Context(cli)
    for name in sorted(COMMANDS):
        command = cli.get_command(ctx, name)
        assert command is not None, name
        yield Case(name, [name], command)
        if isinstance(command, click.Group):
            for sub in sorted(command.commands):
                yield Case(f"{name} {sub}", [name, sub], command.commands[sub])


CASES = list(every_command())


def _values(param: click.Parameter) -> list[str]:
    name = param.name or ""
    if name == "inventory":
        return INVENTORIES
    if name == "server":
        return SERVERS
    kind = param.type
    if isinstance(kind, click.Choice):
        return ["nope"]
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        return NUMBERS
    if isinstance(kind, click.Path):
        return PATHS
    return [*NAMES, "{missing}", "{binary}"]


def _args(values: dict[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in values.items():
        args += [key, value] if key.startswith("-") else [value]
    return args


def invocations(case: Case) -> Iterator[list[str]]:
    """The command alone, then each parameter with each of its hostile values."""
    if case.name in CURATED:
        for args in CURATED[case.name]:
            yield [*case.path, *args]
        return
    base = BASE.get(case.name, {})
    yield [*case.path, *_args(base)]
    for param in case.command.params:
        if isinstance(param, click.Option):
            if param.hidden or "--help" in param.opts:
                continue
            flag = param.opts[0]
            if param.is_flag:
                yield [*case.path, *_args(base), flag]
                continue
            for value in _values(param):
                varied = {k: v for k, v in base.items() if k not in param.opts}
                yield [*case.path, *_args(varied), flag, value]
        elif isinstance(param, click.Argument):
            for value in _values(param):
                varied = {k: v for k, v in base.items() if k != param.name}
                # Positional values first, then the options.
                yield [*case.path, value, *_args(varied)]


@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, str]:
    """What the placeholders stand for: hostile paths, and a few benign files."""
    (tmp_path / "a-file").write_text("a file, not a folder\n")
    (tmp_path / "empty.yml").write_bytes(b"")
    (tmp_path / "binary.yml").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "folder").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "thresholds.yml").write_text(
        "thresholds:\n  - {name: fails, metric: provision_runs_total, op: '>', value: 0}\n"
    )
    (tmp_path / "input.json").write_text('{"action": "provision"}\n')
    (tmp_path / "junit.xml").write_text(
        '<testsuite name="s" tests="1"><testcase classname="c" name="t"/></testsuite>\n'
    )
    with socket.socket() as sock:  # a port nothing listens on: connections are refused
        sock.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{sock.getsockname()[1]}"
    return {
        "{missing}": str(tmp_path / "missing-folder" / "deeper" / "file.yml"),
        "{parent_is_file}": str(tmp_path / "a-file" / "file.yml"),
        "{unwritable}": "/sys/nova-hostile-check.yml",
        "{empty}": str(tmp_path / "empty.yml"),
        "{binary}": str(tmp_path / "binary.yml"),
        "{folder}": str(tmp_path / "folder"),
        "{out}": str(tmp_path / "out"),
        "{thresholds}": str(tmp_path / "thresholds.yml"),
        "{policy_input}": str(tmp_path / "input.json"),
        "{junit}": str(tmp_path / "junit.xml"),
        "{closed}": closed,
        "{nova_home}": str(tmp_path / "nova-home"),
    }


def _fill(args: list[str], hostile: dict[str, str]) -> list[str]:
    filled = []
    for arg in args:
        for placeholder, value in hostile.items():
            arg = arg.replace(placeholder, value)
        filled.append(arg)
    return filled


def test_skipped_and_curated_commands_exist() -> None:
    names = {case.name for case in CASES}
    assert set(SKIPPED) <= names and set(CURATED) <= names and set(BASE) <= names
    assert set(DOCUMENTED_EXITS) <= names


@pytest.mark.parametrize("case", [c for c in CASES if c.name not in SKIPPED], ids=lambda c: c.name)
def test_no_traceback_reaches_the_user(
    case: Case, hostile: dict[str, str], nova_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOVA_INVENTORY", raising=False)
    monkeypatch.setenv("NOVA_QUEUE_ADDR", hostile["{closed}"])
    nova_home.mkdir()  # as after `nova setup`; the fresh install has a test of its own
    # Relative names (`nosuch`, `../../nosuch`) land in a scratch folder, not the checkout.
    scratch = nova_home.parent / "scratch" / "cwd" / "here"
    scratch.mkdir(parents=True)
    failures = []
    for args in invocations(case):
        argv = _fill(args, hostile)
        try:
            result = run_main(*argv, cwd=scratch)
        except Exception as exc:  # escaped main: the user would see a traceback
            failures.append(f"nova {' '.join(argv)}: raised {type(exc).__name__}: {exc}")
            continue
        allowed = {0, 1, 2} | DOCUMENTED_EXITS.get(case.name, set())
        if "Traceback" in result.stderr or result.code not in allowed:
            failures.append(f"nova {' '.join(argv)}: exit {result.code}: {result.stderr[-800:]}")
    assert not failures, "\n".join(failures)
