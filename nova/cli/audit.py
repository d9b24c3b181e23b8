"""`nova audit`: read, verify and export the hash-chained audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from nova.core.errors import InputError

OUTPUT = click.option(
    "--output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
LOG = click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Audit database (default: NOVA_HOME/audit.db).",
)


@contextmanager
def readable_log(log_path: Path | None) -> Iterator[None]:
    """A --log that is not an audit database (or cannot be opened) is one line, exit 2."""
    import sqlite3

    from nova.core.exportfile import os_reason

    try:
        yield
    except sqlite3.DatabaseError as exc:
        where = log_path if log_path is not None else "audit log"
        raise InputError(
            where, "--log" if log_path else None, f"not an audit log ({exc})"
        ) from None
    except OSError as exc:
        where = log_path if log_path is not None else (exc.filename or "audit log")
        raise InputError(where, "--log" if log_path else None, os_reason(exc)) from None


@click.group()
def audit() -> None:
    """The append-only, hash-chained audit log."""


@audit.command("show")
@LOG
@click.option("--last", default=20, show_default=True, help="How many recent entries.")
@click.option("--since", type=int, default=None, help="Entries after this seq instead.")
@OUTPUT
def show(log_path: Path | None, last: int, since: int | None, output: str) -> None:
    """Show recent audit entries."""
    from nova.audit.log import AuditLog

    log = AuditLog(log_path)
    with readable_log(log_path):
        entries = list(log.entries(since=since)) if since is not None else log.tail(last)
    if output == "json":
        click.echo(json.dumps([e.to_dict() for e in entries], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    from nova.cli.tables import print_table

    table = Table("seq", "time", "actor", "action", "subject", "decision", "hash")
    for e in entries:
        table.add_row(
            str(e.seq), e.time, e.actor, e.action, e.subject, (e.decision_id or "")[:8], e.hash[:12]
        )
    print_table(Console(), table, keep=("seq", "time", "subject", "decision", "hash"))


@audit.command("verify")
@LOG
@click.option(
    "--trusted",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Checkpoint export kept off this host; its latest signed checkpoint is trusted.",
)
@OUTPUT
def verify_command(log_path: Path | None, trusted: Path | None, output: str) -> int:
    """Walk the chain; fail at the first seq where it breaks."""
    from nova.audit.log import AuditLog
    from nova.audit.verify import load_anchor, verify

    with readable_log(log_path):
        result = verify(AuditLog(log_path), load_anchor(trusted) if trusted else None)
    if output == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    elif result.ok:
        click.echo(
            f"OK: {result.entries} entries, head seq {result.head_seq} "
            f"{result.head_hash[:16]}, checkpoint {result.checkpoint_seq or '-'} "
            f"(trust: {result.trust})"
        )
    else:
        click.echo(f"FAILED at seq {result.failed_seq}: {result.reason}")
    return 0 if result.ok else 1


@audit.command("export")
@LOG
@click.option("--to", "target", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="File to write (missing folders are made).")  # fmt: skip
@click.option("--checkpoints-only", is_flag=True, help="Only the public key and checkpoints.")
def export(log_path: Path | None, target: Path, checkpoints_only: bool) -> None:
    """Sign the head and export checkpoints (and entries) to keep elsewhere."""
    from nova.audit.export import export_document
    from nova.audit.log import AuditLog
    from nova.core.exportfile import write_export

    with readable_log(log_path):
        document = export_document(AuditLog(log_path), include_entries=not checkpoints_only)
    write_export(target, json.dumps(document, indent=2) + "\n", option="--to")
    click.echo(f"exported {len(document['checkpoints'])} checkpoints to {target}")
