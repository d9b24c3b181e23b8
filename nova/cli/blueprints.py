"""`nova blueprints`: the agent templates workers run."""

from __future__ import annotations

from pathlib import Path

import click

from nova.cli.options import DefaultCommandGroup
from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.core.errors import InputError


@click.group(cls=DefaultCommandGroup, default_command="list")
def blueprints() -> None:
    """Agent blueprints: role, goal, skills, handlers, resources and restart policy.

    Without a subcommand, list them.
    """


@blueprints.command("list")
@OUTPUT_OPTION
def list_blueprints(output: str) -> None:
    """Every blueprint: the built-in catalogue and NOVA_HOME/blueprints."""
    from nova.agents.blueprints.catalogue import is_builtin, load_catalogue

    found = load_catalogue()
    if output == "json":
        print_json([b.to_dict() for b in found])
        return
    from rich.table import Table

    from nova.cli.tables import print_table

    table = Table(title=f"Blueprints ({len(found)})")
    for column in ("name", "role", "phase", "skills", "slots", "restart", "source"):
        table.add_column(column)
    for b in found:
        source = "built-in" if is_builtin(b) else "NOVA_HOME"
        table.add_row(
            b.name,
            b.role,
            b.phase,
            str(len(b.skills)),
            str(b.concurrency),
            b.restart.policy,
            source,
        )
    print_table(console(), table, keep=("name", "role", "phase"))


@blueprints.command("show")
@click.argument("name")
@OUTPUT_OPTION
def show(name: str, output: str) -> None:
    """One blueprint, with the handler each skill runs and whether it can run here."""
    from nova.agents.blueprints.catalogue import load

    blueprint = load(name)
    document = blueprint.to_dict()
    availability = {s: blueprint.handler(s).available() for s in blueprint.skills}
    if output == "json":
        document["runnable_here"] = {s: reason is None for s, reason in availability.items()}
        print_json(document)
        return
    out = console()
    res = blueprint.resources
    out.print(f"[bold]{blueprint.name}[/bold]  role {blueprint.role}, phase {blueprint.phase}")
    out.print(blueprint.goal, highlight=False)
    out.print(
        f"resources: cpu {res.cpu:g} ({res.cpu_quota}), memory {res.memory} bytes, "
        f"gpu {res.gpu}; concurrency {blueprint.concurrency}; restart "
        f"{blueprint.restart.policy}",
        highlight=False,
    )
    from rich.table import Table

    from nova.cli.tables import print_table

    table = Table()
    for column in ("skill", "handler", "here"):
        table.add_column(column)
    for skill, handler in document["handlers"].items():
        detail = ", ".join(f"{k}={v}" for k, v in handler.items())
        reason = availability[skill]
        table.add_row(skill, detail, "runnable" if reason is None else f"not runnable: {reason}")
    print_table(out, table, keep=("skill",))


@blueprints.command("render")
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json", "systemd"]),
    default="yaml",
    show_default=True,
    help="yaml: resolved blueprint; systemd: a [Service] drop-in of its limits.",
)
def render(name: str, fmt: str) -> None:
    """The blueprint with every default filled in, or its systemd resource limits."""
    from nova.agents.blueprints.catalogue import load
    from nova.agents.blueprints.render import resolved_yaml, systemd_limits

    blueprint = load(name)
    if fmt == "json":
        print_json(blueprint.to_dict())
    elif fmt == "systemd":
        click.echo(systemd_limits(blueprint), nl=False)
    else:
        click.echo(resolved_yaml(blueprint), nl=False)


@blueprints.command("validate")
@click.argument("targets", nargs=-1)
@OUTPUT_OPTION
def validate(targets: tuple[str, ...], output: str) -> int:
    """Check blueprints (names or files; the whole catalogue when none is given)."""
    from nova.agents.blueprints.catalogue import catalogue_files, load

    names = list(targets) or [str(p) for p in catalogue_files().values()]
    results: list[dict[str, str | None]] = []
    for target in names:
        try:
            load(target)
            results.append({"blueprint": target, "error": None})
        except InputError as exc:
            results.append({"blueprint": target, "error": str(exc)})
    bad = [r for r in results if r["error"]]
    if output == "json":
        print_json(results)
    else:
        for r in bad:
            click.echo(f"invalid: {r['error']}", err=True)
        click.echo(f"{len(results) - len(bad)} valid, {len(bad)} invalid")
    return 2 if bad else 0


@blueprints.command("new")
@click.argument("name")
@click.option("--role", required=True, help="planner, coder, tester, reviewer, ops, ...")
@click.option("--phase", required=True, help="The phase of the plan the agent owns.")
@click.option("--goal", required=True, help="One sentence: what the agent is for.")
@click.option("--skill", "skills", multiple=True, required=True, help="A skill id (repeatable).")
@click.option("--cpu", type=float, default=0.5, show_default=True, help="Cores.")
@click.option("--memory", default="512Mi", show_default=True, help="Memory limit.")
@click.option("--concurrency", type=int, default=1, show_default=True, help="Tasks at once.")
@click.option(
    "--restart",
    "policy",
    type=click.Choice(["no", "on-failure", "always"]),
    default="on-failure",
    show_default=True,
    help="Restart policy.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write to (default NOVA_HOME/blueprints).",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
def new(
    name: str,
    role: str,
    phase: str,
    goal: str,
    skills: tuple[str, ...],
    cpu: float,
    memory: str,
    concurrency: int,
    policy: str,
    out_dir: Path | None,
    force: bool,
) -> None:
    """Write a new blueprint from the template; it is validated before it is written."""
    from nova.agents.blueprints.catalogue import known_phases, user_dir
    from nova.agents.blueprints.render import NewBlueprint, render_new
    from nova.agents.blueprints.schema import NAME_RE

    if not NAME_RE.match(name):
        raise InputError(name, "NAME", "must be lowercase letters, digits and dashes")
    folder = out_dir or user_dir()
    target = folder / f"{name}.yaml"
    if target.exists() and not force:
        raise InputError(target, None, "already exists (use --force to replace it)")
    spec = NewBlueprint(
        name,
        role,
        phase,
        goal,
        skills,
        cpu=cpu,
        memory=memory,
        concurrency=concurrency,
        policy=policy,
    )
    text = render_new(spec, known_phases())
    from nova.core.exportfile import write_export

    write_export(target, text, option="--out")
    click.echo(f"wrote {target}")
