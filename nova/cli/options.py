"""Options several commands share, declared once so they read and behave the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from nova.core.errors import InputError

if TYPE_CHECKING:
    from nova.core.settings import InventoryChoice

F = TypeVar("F", bound=Callable[..., Any])
# A file that must exist: certificates, keys, tokens and roles files.
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)

INVENTORY_HELP = "inventory: a name (inventories/NAME or NOVA_HOME/inventories/NAME) or a path"
DEFAULT_HELP = "default: NOVA_INVENTORY, else `inventory:` in NOVA_HOME/config.yml"
PLAN_DEFAULT_HELP = f"{DEFAULT_HELP}, else the one ansible.cfg names (local)"
HOST_LIMIT_HELP = "host pattern, as ansible-playbook --limit"
NO_INVENTORY = (
    "no inventory chosen; name one: --inventory local (this machine), --inventory sandbox "
    "(after `nova sandbox up`), or set a default with NOVA_INVENTORY or "
    "`inventory: NAME` in NOVA_HOME/config.yml"
)


def inventory_option(
    *,
    required: bool = False,
    default: str | None = None,
    purpose: str = "",
    defaults_to: str | None = None,
) -> Callable[[F], F]:
    """`--inventory/-i`; `purpose` says what the command does with it, after the common text.

    `defaults_to` is "chosen" (NOVA_INVENTORY or config.yml, see `require_inventory`) or
    "plan" (those, else ansible.cfg's, see `plan_inventory`): it only words the help.
    """
    parts = [INVENTORY_HELP, purpose]
    if defaults_to == "chosen":
        parts.append(DEFAULT_HELP)
    elif defaults_to == "plan":
        parts.append(PLAN_DEFAULT_HELP)
    return click.option(
        "--inventory",
        "-i",
        required=required,
        default=default,
        show_default=default is not None,
        help="; ".join(p for p in parts if p),
    )


def require_inventory(option: str | None, alternative: str = "") -> str:
    """For commands that act on hosts: --inventory, NOVA_INVENTORY or config.yml, or one line.

    Nothing falls back to an inventory the user did not name: with none chosen
    this says how to choose one (InputError, exit 2).
    """
    from nova.core.settings import chosen_inventory

    choice = chosen_inventory(option)
    if choice is None:
        raise InputError(
            "--inventory", None, NO_INVENTORY + (f"; {alternative}" if alternative else "")
        )
    return checked(choice)


def plan_inventory(option: str | None) -> str:
    """For read-only plans: the chosen inventory, else the one ansible.cfg names."""
    from nova.core.settings import plan_inventory as lookup

    choice = lookup(option)
    if choice is None:
        raise InputError("--inventory", None, NO_INVENTORY)
    return checked(choice)


def checked(choice: InventoryChoice) -> str:
    """The inventory's value; one not given as --inventory is resolved now, so an error
    names where it was set (NOVA_INVENTORY, config.yml) rather than an option never typed."""
    if choice.source == "--inventory":
        return choice.value
    from nova.ansible.inventory import resolve

    try:
        resolve(choice.value)
    except InputError as exc:
        if exc.field != "--inventory":
            raise  # a broken file of the inventory, named by itself
        raise InputError(choice.origin, None, f"{choice.value}: {exc.reason}") from None
    click.echo(f"nova: inventory {choice.value}, from {choice.origin}", err=True)
    return choice.value


def host_limit_option(func: F) -> F:
    """`--limit/-l`: the hosts of the inventory to act on."""
    return click.option("--limit", "-l", help=HOST_LIMIT_HELP)(func)


def export_option(help_text: str, dest: str = "export_path") -> Callable[[F], F]:
    """`--export FILE`; the command writes it with nova.core.exportfile.write_export.

    The path is not checked here: the writer makes missing folders and refuses
    what it cannot write in one line, the same for every command.
    """
    return click.option(
        "--export", dest, type=click.Path(path_type=Path), default=None, metavar="FILE",
        help=help_text,
    )  # fmt: skip


class ManyValuesOption(click.Option):
    """A repeatable option that also takes several values after one flag.

    `--phase a b` is read as `--phase a --phase b`: the values run up to the
    next token that starts with `-` (another option, or `--`), so other options
    are never swallowed. `--phase a --phase b` and `--phase=a` keep working.
    Click parses a fixed number of values per option, so the command spreads
    the values before parsing: use it on a `ManyValuesCommand`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["multiple"] = True
        kwargs.setdefault("metavar", "NAME...")
        super().__init__(*args, **kwargs)


class ManyValuesCommand(click.Command):
    """A command whose ManyValuesOptions take several values after one flag."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        flags = {
            flag
            for param in self.params
            if isinstance(param, ManyValuesOption)
            for flag in (*param.opts, *param.secondary_opts)
        }
        return super().parse_args(ctx, spread_values(args, flags))


def spread_values(args: list[str], flags: set[str]) -> list[str]:
    """`--flag a b c` as `--flag a --flag b --flag c`; everything else is left as it is."""
    spread: list[str] = []
    rest = list(args)
    while rest:
        token = rest.pop(0)
        spread.append(token)
        if token == "--":
            spread += rest
            break
        flag, equals, _ = token.partition("=")
        if flag not in flags or (equals and not flag.startswith("--")):
            continue
        if not equals:
            if not rest or _is_option(rest[0]):
                continue  # click says the value is missing, or takes the option as the value
            spread.append(rest.pop(0))
        while rest and not _is_option(rest[0]):
            spread += [flag, rest.pop(0)]
    return spread


def _is_option(token: str) -> bool:
    return token.startswith("-") and token != "-"


def phases_option(help_text: str = "Only these phases (several after one --phase, or repeated).",
                  ) -> Callable[[F], F]:  # fmt: skip
    """`--phase NAME...`: on a ManyValuesCommand, `--phase a b` and `--phase a --phase b`."""
    return click.option("--phase", "phases", cls=ManyValuesOption, help=help_text)


class DefaultCommandGroup(click.Group):
    """A group that runs one of its read-only subcommands when none is named.

    `nova blueprints` is `nova blueprints list`, and options without a
    subcommand go to it (`nova blueprints -o json`); `--help` stays the group's.
    """

    def __init__(self, *args: Any, default_command: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_command = default_command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        help_names = set(ctx.help_option_names)
        if not args or (args[0].startswith("-") and args[0] not in help_names):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)
