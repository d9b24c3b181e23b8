"""`nova agents`: a supervisor for local blueprint workers."""

from __future__ import annotations

from typing import Any

import click

from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.cli.queue import connection_options

SPECIALISTS = ("nova", "orion", "lumina", "chronos", "echo", "aura")


@click.group()
def agents() -> None:
    """Run blueprint workers under a supervisor that restarts them by their policy."""


@agents.command()
@click.option(
    "--blueprint",
    "names",
    multiple=True,
    metavar="NAME",
    help="A blueprint to run (repeatable; default: the six specialists).",
)
@connection_options
@OUTPUT_OPTION
def up(names: tuple[str, ...], output: str, **conn: Any) -> None:
    """Start the supervisor in the background with one worker per blueprint."""
    from nova.agents import daemon
    from nova.agents.blueprints.catalogue import load
    from nova.agents.launch import LaunchDenied
    from nova.agents.programs import worker_program
    from nova.audit.log import current_actor
    from nova.policy.gate import check_agent_launch

    chosen = [load(n) for n in dict.fromkeys(names or SPECIALISTS)]
    refused = []
    for blueprint in chosen:
        decision = check_agent_launch(
            blueprint.name, blueprint.role, list(blueprint.skills), actor=current_actor()
        )
        if not decision.allow:
            why = "; ".join(decision.violations) or decision.reason or "denied"
            refused.append(f"{blueprint.name} ({why})")
    if refused:
        raise LaunchDenied(f"policy refused to launch: {', '.join(refused)}")
    queue_args = _queue_args(conn)
    specs = [worker_program(b, queue_args, daemon.log_dir()) for b in chosen]
    ident = daemon.start(specs)
    if output == "json":
        print_json({"pid": ident.pid, "programs": [s.name for s in specs]})
        return
    click.echo(
        f"agent supervisor started (pid {ident.pid}) with "
        f"{', '.join(s.name for s in specs)}; logs in {daemon.log_dir()}"
    )


@agents.command()
@click.option(
    "--timeout",
    type=float,
    default=None,
    help="Seconds to wait for the supervisor before killing it "
    "(default: the longest stop grace + 10).",
)
@OUTPUT_OPTION
def down(timeout: float | None, output: str) -> None:
    """Stop the supervisor and every worker it runs."""
    from nova.agents import daemon

    result = daemon.stop(timeout)
    if output == "json":
        print_json(result)
    elif not result["was_running"]:
        click.echo("the agent supervisor was not running")
    else:
        how = "killed" if result["forced"] else "stopped"
        click.echo(f"agent supervisor {how} (pid {result['pid']})")
    if result["killed_leftovers"]:
        click.echo(f"killed leftover workers: {result['killed_leftovers']}", err=True)


@agents.command()
@OUTPUT_OPTION
def status(output: str) -> None:
    """The supervisor and each worker: state, pid, restarts, cpu and memory."""
    from nova.agents import daemon

    result = daemon.status()
    if output == "json":
        print_json(result)
        return
    head = f"running (pid {result['pid']})" if result["running"] else "not running"
    click.echo(f"agent supervisor: {head}")
    if not result["programs"]:
        return
    from rich.table import Table

    from nova.cli.tables import print_table

    table = Table()
    for column in ("agent", "state", "pid", "restarts", "cpu %", "rss MiB", "last exit"):
        table.add_column(column)
    for p in result["programs"]:
        rss = f"{p['rss'] / 2**20:.0f}" if p.get("rss") else "-"
        cpu = f"{p['cpu_percent']:.0f}" if p.get("cpu_percent") is not None else "-"
        table.add_row(
            p["name"],
            p["state"],
            str(p.get("pid") or "-"),
            str(p["restarts"]),
            cpu,
            rss,
            p.get("last_exit") or "",
        )
    print_table(console(), table, keep=("agent", "pid"))


def _queue_args(conn: dict[str, Any]) -> list[str]:
    args = ["--server", conn["server"]]
    for key in ("token_file", "tls_ca", "tls_cert", "tls_key", "server_name"):
        value = conn.get(key)
        if value:
            args += [
                f"--{key.replace('_', '-')}",
                str(value.resolve() if hasattr(value, "resolve") else value),
            ]
    return args
