from __future__ import annotations

import click

from nova.cli.options import (
    ManyValuesCommand,
    host_limit_option,
    inventory_option,
    phases_option,
    require_inventory,
)
from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.core.errors import EXIT_FAILED, EXIT_OK


@click.command(cls=ManyValuesCommand)
@inventory_option(defaults_to="chosen")
@phases_option("run only these phases (several after one --phase, or repeated)")
@host_limit_option
@click.option("--check", is_flag=True, help="check mode: report what would change, change nothing")
@click.option("--diff", is_flag=True, help="show the differences in changed files")
@click.option(
    "--extra-vars",
    "-e",
    "extra_vars",
    multiple=True,
    help="key=value, a YAML/JSON mapping, or @file (repeatable)",
)
@click.option(
    "--resume",
    "resume_id",
    metavar="RUN_ID",
    help="run again the phases of RUN_ID that did not succeed, with its inventory and limit",
)
@click.option(
    "--forks",
    type=click.IntRange(min=1),
    help="parallel hosts (default: one per host, as far as the controller's memory allows)",
)
@click.option(
    "--refresh-facts",
    is_flag=True,
    help="forget the inventory's cached facts and gather them again",
)
@click.option(
    "--skip-tags",
    "skip_tags",
    multiple=True,
    metavar="TAG[,TAG]",
    help="leave out the roles with these tags (foundation tags each role by its name)",
)
@OUTPUT_OPTION
def provision(
    inventory: str | None,
    phases: tuple[str, ...],
    limit: str | None,
    check: bool,
    diff: bool,
    extra_vars: tuple[str, ...],
    resume_id: str | None,
    forks: int | None,
    refresh_facts: bool,
    skip_tags: tuple[str, ...],
    output: str,
) -> int:
    """Run the phase plan against an inventory, one phase at a time.

    The inventory is --inventory, else NOVA_INVENTORY, else `inventory:` in
    NOVA_HOME/config.yml; with none of them, nothing runs and exit is 2.
    """
    from dataclasses import replace

    from nova.ansible.extravars import parse_extra_vars
    from nova.provisioning.provision import ProvisionRequest, SilentObserver, resume_request
    from nova.provisioning.provision import provision as run_provision

    skipped = tuple(t.strip() for value in skip_tags for t in value.split(",") if t.strip())
    if resume_id:
        if phases or inventory:
            raise click.UsageError("--resume takes the phases and inventory of the earlier run")
        request = replace(
            resume_request(resume_id, parse_extra_vars(extra_vars), diff=diff),
            forks=forks,
            refresh_facts=refresh_facts,
            skip_tags=skipped,
        )
    else:
        request = ProvisionRequest(
            inventory=require_inventory(inventory, "or --resume RUN_ID"),
            phases=phases,
            limit=limit,
            check=check,
            diff=diff,
            extra_vars=parse_extra_vars(extra_vars),
            forks=forks,
            refresh_facts=refresh_facts,
            skip_tags=skipped,
        )
    if output == "json":
        record = run_provision(request, SilentObserver())
        print_json(record.to_dict())
    else:
        from nova.cli.progress import LiveProgress

        out = console()
        record = run_provision(request, LiveProgress(out))
        colour = {"successful": "green", "nothing-to-do": "yellow"}.get(record.status, "red")
        out.print(f"[bold {colour}]run {record.id} {record.status}[/]")
        out.print(f"report: {record.report_path}")
    return EXIT_OK if record.status == "successful" else EXIT_FAILED
