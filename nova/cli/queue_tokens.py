"""`nova queue token`: create, list and revoke the queue's bearer tokens."""

from __future__ import annotations

from pathlib import Path

import click

from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.core.errors import InputError

tokens_file_option = click.option(
    "--tokens",
    "tokens_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The tokens file `nova queue serve --tokens` reads (default NOVA_HOME/queue-tokens.yml).",
)


def _path(tokens_path: Path | None) -> Path:
    from nova.queue.tokens import default_tokens_file

    return tokens_path or default_tokens_file()


def _audit(action: str, identity: str, payload: dict[str, object]) -> None:
    from nova.audit.log import AuditLog, current_actor

    AuditLog().append(current_actor(), action, identity, payload=payload)


@click.group()
def token() -> None:
    """Bearer tokens for the queue: stored hashed, with an expiry, rotated by create then revoke."""


@token.command("create")
@click.argument("identity")
@click.option("--expires", "lifetime", default="90d", show_default=True,
              help="Lifetime such as 12h, 30d or 2w, or 'never'.")  # fmt: skip
@tokens_file_option
def create(identity: str, lifetime: str, tokens_path: Path | None) -> None:
    """Make a token for IDENTITY and print it once; the file keeps only its hash."""
    from nova.core.durations import parse_duration
    from nova.queue.tokens import create_token

    seconds = None
    if lifetime != "never":
        try:
            seconds = parse_duration(lifetime)
        except ValueError as exc:
            raise InputError("--expires", None, f"{exc}, or 'never'") from None
        if seconds <= 0:
            raise InputError("--expires", None, "must be longer than 0")
    path = _path(tokens_path)
    new = create_token(path, identity, seconds)
    _audit(
        "queue.token.create",
        identity,
        {"id": new.entry.id, "expires": new.entry.expires, "file": str(path)},
    )
    click.echo(
        f"token {new.entry.id} for {identity}, expires {new.entry.expires or 'never'};"
        f" written to {path} as its hash. It is shown only now:",
        err=True,
    )
    click.echo(new.secret)


@token.command("list")
@tokens_file_option
@OUTPUT_OPTION
def list_tokens(tokens_path: Path | None, output: str) -> None:
    """Every token by identity and id, with its state; never the token itself."""
    import time

    from nova.queue.tokens import list_tokens as entries

    now = time.time()
    rows = [
        {
            "identity": e.identity,
            "id": e.id,
            "created": e.created,
            "expires": e.expires,
            "state": "expired" if e.expired(now) else ("plaintext" if e.plaintext else "valid"),
        }
        for e in entries(_path(tokens_path))
    ]
    if output == "json":
        print_json(rows)
        return
    from rich.table import Table

    from nova.cli.tables import print_table

    table = Table(title=f"Queue tokens in {_path(tokens_path)}")
    for column in ("identity", "id", "state", "created", "expires"):
        table.add_column(column)
    for row in rows:
        created, expires = row["created"] or "-", row["expires"] or "never"
        table.add_row(str(row["identity"]), str(row["id"]), str(row["state"]), created, expires)
    print_table(console(), table, keep=("identity", "id"))


@token.command("revoke")
@click.argument("identity")
@click.option("--id", "token_id", default=None, help="Only this token (from `token list`).")
@tokens_file_option
def revoke(identity: str, token_id: str | None, tokens_path: Path | None) -> None:
    """Remove IDENTITY's tokens, or one of them; a running server reads the file at start."""
    from nova.queue.tokens import revoke_tokens

    path = _path(tokens_path)
    gone = revoke_tokens(path, identity, token_id)
    _audit("queue.token.revoke", identity, {"ids": [e.id for e in gone], "file": str(path)})
    click.echo(f"revoked {len(gone)} token(s) of {identity}: {', '.join(e.id for e in gone)}")
