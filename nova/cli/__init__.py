"""The `nova` command line.

Subcommands live in their own modules and are imported only when they run,
so `nova --help` stays fast: the registry below names each command's module
and attribute, and its one-line help, without importing it.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from nova.core.errors import NovaError

# name -> (module:attribute, short help shown by `nova --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "setup": ("nova.cli.setup:setup", "Check the control node and create NOVA_HOME."),
    "containers": ("nova.cli.containers:containers", "Report container tooling."),
    "sandbox": ("nova.cli.sandbox:sandbox", "Throwaway local hosts in containers."),
    "plan": ("nova.cli.plan:plan", "Show the phase plan in run order."),
    "provision": ("nova.cli.provision:provision", "Run the phase plan against an inventory."),
    "runs": ("nova.cli.runs:runs", "List and show recorded runs."),
    "policy": ("nova.cli.policy:policy", "Rego policies that gate provisioning, queue and agents."),
    "audit": ("nova.cli.audit:audit", "The append-only, hash-chained audit log."),
    "queue": ("nova.cli.queue:queue", "The gRPC task queue: serve, enqueue, list, stats, dead."),
    "worker": ("nova.cli.worker:worker", "Take tasks from the queue and run them."),
    "monitor": ("nova.cli.monitor:monitor", "KPIs, Prometheus metrics, alert thresholds, logging."),
    "backup": ("nova.cli.backup:backup", "Backups with restic: plan, run, verify, restore, self."),
    "network": ("nova.cli.network:network", "Plan the VPN, or read its live state."),
    "blueprints": ("nova.cli.blueprints:blueprints", "Agent blueprints: list, show, render, new."),
    "agents": ("nova.cli.agents:agents", "Supervise local blueprint workers: up, down, status."),
    "orchestrate": (
        "nova.cli.orchestrate:orchestrate",
        "Run the agents' tasks phase by phase through the queue and real workers.",
    ),
    "report": ("nova.cli.report:report", "Markdown summaries built from real results."),
    "tasks": ("nova.cli.status:tasks", "The agents' tasks and their status."),
    "roadmap": ("nova.cli.status:roadmap", "Phases in plan order, with their tasks and progress."),
    "next-steps": (
        "nova.cli.status:next_steps",
        "The tasks that can run now, and why the rest cannot.",
    ),
    "step-plan": ("nova.cli.status:step_plan", "Every task as a numbered step in run order."),
    "progress": ("nova.cli.status:progress", "Per-agent progress, next steps and latest results."),
    "summary": (
        "nova.cli.status:summary",
        "Completion per phase and run, and each agent's next steps.",
    ),
    "dashboard": ("nova.cli.dashboard:dashboard", "Web pages of runs and the audit log."),
    "doctor": ("nova.cli.doctor:doctor", "Check this control host's security; changes nothing."),
    "compliance": (
        "nova.cli.compliance:compliance",
        "ISO/IEC 27001:2022 controls and the evidence runs produce.",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target[0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target[0]} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nova")
def cli() -> None:
    """Nova turns bare machines into a provisioned, secured platform for agent workers."""


def main(argv: list[str] | None = None) -> None:
    """Run the command line; commands may return an exit code."""
    try:
        result: Any = cli.main(args=argv, prog_name="nova", standalone_mode=False)
    except NovaError as exc:
        click.echo(f"nova: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("nova: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(result if isinstance(result, int) else 0)
