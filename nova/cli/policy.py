"""`nova policy`: run the Rego unit tests and explain decisions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from nova.core.errors import InputError

OUTPUT = click.option(
    "--output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
POLICIES = click.option(
    "--policies",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Policy folder (default: NOVA_POLICY_DIR or the policies shipped with Nova).",
)


@click.group()
def policy() -> None:
    """Rego policies that gate provisioning, the queue and agents."""


@policy.command("test")
@POLICIES
@click.option("--run", "name_filter", default=None, help="Only tests whose name contains this.")
@OUTPUT
def test_command(folder: Path | None, name_filter: str | None, output: str) -> int:
    """Run the policies' Rego unit tests through the engine NOVA_POLICY_ENGINE names.

    With `opa` they run through OPA's Go engine in-process, even when
    NOVA_OPA_URL names a server: the tests are files in the policy folder.
    """
    from nova.policy import source, testing
    from nova.policy.factory import engine_name

    engine = engine_name()
    policies = source.load(folder or source.policy_dir())
    results = testing.run_tests(policies, name_filter, engine=engine)
    failed = [r for r in results if not r.passed]
    if output == "json":
        click.echo(json.dumps([{**r.__dict__, "engine": engine} for r in results], indent=2))
    else:
        click.echo(f"engine {engine}")
        for result in results:
            mark = "PASS" if result.passed else "FAIL"
            detail = f" ({result.error})" if result.error else ""
            click.echo(f"{mark} {result.name}{detail}")
        click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or not results else 0


@policy.command("eval")
@click.option(
    "--input",
    "input_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON or YAML input document.",
)
@click.option(
    "--policy",
    "name",
    default="provision",
    show_default=True,
    help="Policy package: provision, queue, agent, or a path such as nova/provision.",
)
@POLICIES
@OUTPUT
def eval_command(input_file: Path, name: str, folder: Path | None, output: str) -> int:
    """Explain the decision a policy makes for an input document.

    The engine is the one NOVA_POLICY_ENGINE names (regopy by default), and
    the output says which engine decided.
    """
    from nova.policy.factory import engine_from_env

    engine = engine_from_env(folder)
    document = _read_input(input_file)
    package = name if "/" in name else f"nova/{name}"
    decision = engine.decide(package, document)
    if output == "json":
        click.echo(json.dumps(decision.to_dict(), indent=2))
    else:
        _explain(decision.to_dict())
    return 0 if decision.allow else 3


def _read_input(path: Path) -> dict[str, Any]:
    from nova.core.yamlfile import load_yaml

    document = load_yaml(path, missing="input file not found")  # JSON is YAML too
    if not isinstance(document, dict):
        raise InputError(path, None, "the input document must be an object")
    return document


def _explain(decision: dict[str, Any]) -> None:
    verdict = "ALLOW" if decision["allow"] else "DENY"
    click.echo(
        f"{verdict}  {decision['policy']}  (engine {decision['engine']}, "
        f"revision {decision['revision'] or '-'})"
    )
    click.echo(f"decision id: {decision['decision_id']}")
    click.echo(f"input hash:  {decision['input_hash']}")
    if decision["reason"]:
        click.echo(f"reason:      {decision['reason']}")
    for violation in decision["violations"]:
        click.echo(f"  - {violation}")
