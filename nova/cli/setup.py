from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from nova.cli.options import inventory_option
from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.core.errors import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from nova.ansible.runner import PlaybookResult
    from nova.controller.packages import PackageState

STYLE = {"ok": "green", "warn": "yellow", "fail": "red", "info": "cyan"}


@click.command()
@inventory_option(purpose="also check that its hosts answer")
@click.option(
    "--packages",
    "packages_mode",
    is_flag=True,
    help="report which of the Debian packages NAMES are missing on this machine",
)
@click.option(
    "--apply",
    is_flag=True,
    help="with --packages: install the missing ones with the base_packages role",
)
@click.argument("names", nargs=-1)
@OUTPUT_OPTION
def setup(
    inventory: str | None,
    packages_mode: bool,
    apply: bool,
    names: tuple[str, ...],
    output: str,
) -> int:
    """Check the control node and create NOVA_HOME. Exit 1 when a check fails.

    With --packages NAMES (e.g. `--packages docker kubectl`), report instead
    which of those packages are missing here (exit 1 when any is), and with
    --apply install them through Ansible.
    """
    if packages_mode:
        if inventory:
            raise click.UsageError("--inventory does not apply to --packages")
        return _packages(names, apply, output)
    if names:
        raise click.UsageError(f"unexpected argument {names[0]!r}; package names follow --packages")
    if apply:
        raise click.UsageError("--apply needs --packages NAME...")
    return _preflight(inventory, output)


def _preflight(inventory: str | None, output: str) -> int:
    from nova.controller.preflight import run_preflight

    checks = run_preflight(inventory)
    failed = any(c.status == "fail" for c in checks)
    if output == "json":
        print_json({"ok": not failed, "checks": [c.to_dict() for c in checks]})
    else:
        from rich.table import Table

        from nova.cli.tables import print_table

        table = Table(title="Preflight")
        for column in ("check", "status", "detail"):
            table.add_column(column)
        for c in checks:
            table.add_row(c.name, f"[{STYLE[c.status]}]{c.status}[/]", c.detail)
        print_table(console(), table, keep=("check", "status"))
    return EXIT_FAILED if failed else EXIT_OK


def _packages(values: tuple[str, ...], apply: bool, output: str) -> int:
    from nova.controller import packages

    names = packages.parse_names(values)
    before = packages.check(names)
    missing = [s.package for s in before if not s.installed]
    result: PlaybookResult | None = None
    after = before
    if apply and missing:
        if output != "json":
            console().print(f"installing {', '.join(missing)} with the base_packages role")
        result = packages.install(missing)
        after = packages.check(names)
    ok = all(s.installed for s in after) and (result is None or result.succeeded)
    if output == "json":
        print_json(_report(before, after, result, ok))
    else:
        _print(before, after, result, apply)
    return EXIT_OK if ok else EXIT_FAILED


def _report(
    before: list[PackageState],
    after: list[PackageState],
    result: PlaybookResult | None,
    ok: bool,
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "ok": ok,
        "applied": result is not None,
        "missing_before": [s.package for s in before if not s.installed],
        "packages": [s.to_dict() for s in after],
        "missing": [s.package for s in after if not s.installed],
        # Missing and offered by no apt source: nothing can install them from here.
        "unknown": [s.package for s in after if not s.installed and s.available is False],
    }
    if result is not None:
        report["run"] = {
            "status": result.status,
            "rc": result.rc,
            "failures": [f"{f.host}: {f.task}: {f.message}" for f in result.failures],
        }
    return report


def _bundled(states: list[PackageState]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for s in states:
        if s.asked:
            found.setdefault(s.asked, []).append(s.name)
    return found


def _print(
    before: list[PackageState],
    after: list[PackageState],
    result: PlaybookResult | None,
    apply: bool,
) -> None:
    from rich.table import Table

    from nova.cli.tables import print_table

    was_missing = {s.package for s in before if not s.installed}
    table = Table(title="Packages on this machine")
    for column in ("name", "package", "status", "version"):
        table.add_column(column)
    for s in after:
        version = s.version
        if s.installed:
            status = (
                "[green]installed now[/]" if s.package in was_missing else "[green]installed[/]"
            )
        elif s.available is False:
            status = "[red]unknown[/]: no apt source offers it"
        elif s.available:
            status, version = "[red]missing[/], apt offers", s.candidate
        else:
            status = "[red]missing[/]"
        name = f"{s.asked}: {s.name}" if s.asked else s.name
        table.add_row(name, s.package, status, version)
    out = console()
    print_table(out, table, keep=("name", "package", "version"))
    for asked, tools in _bundled(after).items():
        out.print(f"{asked} stands for {', '.join(tools)} (base_packages_os_bundles)")
    for s in after:
        if not s.installed and s.available is False:
            out.print(
                f"{s.package}: no package of that name in the apt sources of this machine "
                "(as of its last apt-get update); nothing can install it from here",
                highlight=False,
            )
    if result is not None:
        verdict = "[green]ok[/]" if result.succeeded else "[red]failed[/]"
        out.print(f"base_packages run: {verdict} (rc {result.rc})")
        for f in result.failures:
            out.print(f"  [red]{f.status}[/] {f.host}: {f.task}: {f.message}")
    elif was_missing and not apply:
        out.print("nothing was installed; add --apply to install the missing packages")
    elif not was_missing:
        out.print("every package is installed; nothing to do")
