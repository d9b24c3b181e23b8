from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from nova.cli.options import (
    checked,
    export_option,
    host_limit_option,
    inventory_option,
    require_inventory,
)
from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.core.errors import EXIT_FAILED, EXIT_OK


@click.group(invoke_without_command=True)
@click.option("--plan", "plan_name", help="render the rollout plan (only `default` exists)")
@inventory_option(
    purpose="the plan covers its hosts", defaults_to="chosen"
)  # without one: the role's defaults, for every host
@export_option("also write the plan to FILE (.json for JSON, anything else Markdown)", "export")
@OUTPUT_OPTION
@click.pass_context
def backup(
    ctx: click.Context,
    plan_name: str | None,
    inventory: str | None,
    export: Path | None,
    output: str,
) -> int | None:
    """Backups with restic: the rollout plan, jobs on hosts, and NOVA_HOME's own."""
    if ctx.invoked_subcommand is not None:
        if plan_name or inventory or export:
            raise click.UsageError("--plan, --inventory and --export go without a subcommand")
        return None
    if plan_name is None:
        click.echo(ctx.get_help())
        return EXIT_OK
    from nova.backup.plan import build_plan, render_markdown
    from nova.core.settings import chosen_inventory

    choice = chosen_inventory(inventory)
    plan = build_plan(plan_name, checked(choice) if choice else None)
    markdown = render_markdown(plan)
    if export is not None:
        from nova.core.exportfile import write_export

        data = json.dumps(plan.to_dict(), indent=2, sort_keys=True) + "\n"
        write_export(export, data if export.suffix == ".json" else markdown)
    if output == "json":
        print_json(plan.to_dict())
    else:
        from nova.cli.tables import print_markdown

        print_markdown(console(), markdown)
        if export is not None:
            console().print(f"plan written to {export}")
    return EXIT_OK


def _limit_option(func: Any) -> Any:
    return host_limit_option(func)


def _inventory_option(func: Any) -> Any:
    return inventory_option(defaults_to="chosen")(func)


@backup.command("run")
@_inventory_option
@_limit_option
@OUTPUT_OPTION
def run_cmd(inventory: str | None, limit: str | None, output: str) -> int:
    """Back the hosts up now, as their timers would, and show the new snapshots."""
    return _job("run", inventory, limit, output)


@backup.command("snapshots")
@_inventory_option
@_limit_option
@OUTPUT_OPTION
def snapshots_cmd(inventory: str | None, limit: str | None, output: str) -> int:
    """List each host's snapshots in its repository."""
    return _job("snapshots", inventory, limit, output)


@backup.command("verify")
@_inventory_option
@_limit_option
@OUTPUT_OPTION
def verify_cmd(inventory: str | None, limit: str | None, output: str) -> int:
    """Restore each host's latest snapshot to scratch and compare its canary checksums."""
    return _job("verify", inventory, limit, output)


@backup.command("restore")
@_inventory_option
@click.option("--host", required=True, help="the one host to restore")
@click.option("--snapshot", required=True, help="snapshot id (as `snapshots` shows) or latest")
@click.option("--target", required=True, help="absolute folder on the host to restore into")
@OUTPUT_OPTION
def restore_cmd(inventory: str | None, host: str, snapshot: str, target: str, output: str) -> int:
    """Restore one snapshot on one host into a folder (files keep their paths under it)."""
    from nova.backup.jobs import RestoreRequest

    return _job("restore", inventory, None, output, RestoreRequest(host, snapshot, target))


@backup.command("self")
@click.option(
    "--repo",
    metavar="REPO",
    help="restic repository: a local folder (default: beside NOVA_HOME, e.g. ~/.nova-backup), "
    "local:PATH, sftp:[USER@]HOST:PATH, rest:URL or s3:URL/BUCKET[/PREFIX]; "
    "a text starting with a scheme is never a folder",
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="repository password file, made on first use "
    "(default: RESTIC_PASSWORD_FILE, RESTIC_PASSWORD, or <repo>.password for a local folder)",
)
@click.option(
    "--credentials-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="NAME=value file (mode 0600) with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
    "RESTIC_REST_USERNAME, RESTIC_REST_PASSWORD (default: the environment's)",
)
@click.option(
    "--insecure",
    is_flag=True,
    help="allow a REST password over plain http:// to a host off loopback (audited)",
)
@click.option("--restore", is_flag=True, help="restore a snapshot into an empty NOVA_HOME instead")
@click.option(
    "--snapshot",
    default=None,
    help="with --restore: the snapshot id to restore (default: latest)",
)
@OUTPUT_OPTION
def self_cmd(
    repo: str | None,
    password_file: Path | None,
    credentials_file: Path | None,
    insecure: bool,
    restore: bool,
    snapshot: str | None,
    output: str,
) -> int:
    """Back up NOVA_HOME (state, audit log, reports, configuration), or restore it."""
    from nova.backup.home import backup_home, restore_home
    from nova.core.errors import InputError
    from nova.core.exportfile import os_reason

    if snapshot is not None and not restore:
        raise click.UsageError("--snapshot goes with --restore")
    local = Path(repo) if repo is not None and not _has_scheme(repo) else None
    try:
        if restore:
            restored = restore_home(
                repo, password_file, credentials_file, snapshot or "latest", insecure
            )
        else:
            result = backup_home(repo, password_file, credentials_file, insecure)
    except OSError as exc:  # a folder or file it cannot make: one line naming it
        where = exc.filename or repo or "NOVA_HOME's backup"
        option = _option_for(
            exc.filename,
            (
                ("--password-file", password_file),
                ("--credentials-file", credentials_file),
                ("--repo", local),
            ),
        )
        raise InputError(where, option, os_reason(exc)) from None
    out = console()
    if restore:
        if output == "json":
            print_json(restored.to_dict())
            return EXIT_OK
        out.print(
            f"[bold green]{restored.home} restored from {restored.repository}[/]", soft_wrap=True
        )
        out.print(
            f"snapshot {restored.snapshot} ({restored.snapshot_time}) of {restored.source}: "
            f"{restored.files} files",
            soft_wrap=True,
        )
        out.print(f"databases put back: {', '.join(restored.databases) or 'none'}")
        return EXIT_OK
    if output == "json":
        print_json(result.to_dict())
        return EXIT_OK
    verb = "created and backed up to" if result.created else "backed up to"
    # soft_wrap: a path folded at the console's width cannot be copied back.
    out.print(f"[bold green]{result.home} {verb} {result.repository}[/]", soft_wrap=True)
    out.print(f"snapshot {result.snapshot}: {result.files} files, {result.bytes_added} bytes new")
    out.print(f"databases copied consistently: {', '.join(result.databases) or 'none'}")
    if result.password_file is not None:
        out.print(
            f"password file: {result.password_file} (keep a copy away from this machine)",
            soft_wrap=True,
        )
    else:
        out.print(f"password: from {result.password_source} (keep a copy away from this machine)")
    return EXIT_OK


def _has_scheme(repo: str) -> bool:
    from nova.backup.location import SCHEME_RE

    return SCHEME_RE.match(repo) is not None


def _option_for(filename: str | None, given: tuple[tuple[str, Path | None], ...]) -> str | None:
    """The option whose path the failing file is, is under, or holds (the default password
    file sits beside --repo)."""
    if filename is None:
        return None
    failed = Path(filename).expanduser().resolve()
    for option, path in given:
        if path is None:
            continue
        mine = path.expanduser().resolve()
        if failed == mine or failed in mine.parents or mine in failed.parents:
            return option
    return None


def _job(
    job: str, inventory: str | None, limit: str | None, output: str, restore: Any = None
) -> int:
    from nova.backup.jobs import run_job

    result = run_job(job, require_inventory(inventory), limit, restore)
    if output == "json":
        print_json(result.to_dict())
    else:
        from nova.cli.backup_view import show_job

        show_job(console(), result)
    return EXIT_OK if result.succeeded else EXIT_FAILED
