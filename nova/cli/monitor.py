"""`nova monitor`: KPIs, Prometheus exporter, alert thresholds and logging setup."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from nova.cli.options import (
    EXISTING_FILE,
    DefaultCommandGroup,
    export_option,
    inventory_option,
    plan_inventory,
    require_inventory,
)
from nova.cli.output import OUTPUT_OPTION, console, print_json
from nova.cli.serving import check_tls_options, insecure_option, record_start
from nova.core.errors import EXIT_FAILED, EXIT_OK, InputError

if TYPE_CHECKING:
    from nova.kpi.exporter import Exporter
    from nova.monitor.check import CheckResult
    from nova.monitor.plan import MonitorPlan
    from nova.monitor.status import MonitorStatus
    from nova.monitor.thresholds import Webhook

DEFAULT_PORT = 9469
EXIT_BREACHED = 3
EXIT_DELIVERY_FAILED = 1


@click.group(cls=DefaultCommandGroup, default_command="kpis")
def monitor() -> None:
    """KPIs, Prometheus metrics, alert thresholds and logging.

    Without a subcommand, show the recorded KPIs (`kpis`), which changes nothing.
    """


@monitor.command("serve")
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="0 picks a free port.")
@click.option(
    "--bind",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; metrics name hosts and phases, so keep it private.",
)
@click.option("--tls-cert", type=EXISTING_FILE, default=None, help="Server certificate (PEM).")
@click.option("--tls-key", type=EXISTING_FILE, default=None, help="Server private key (PEM).")
@click.option("--tls-client-ca", type=EXISTING_FILE, default=None,
              help="Require client certificates from this CA (scrapers authenticate).")  # fmt: skip
@insecure_option
def serve(
    port: int,
    bind: str,
    tls_cert: Path | None,
    tls_key: Path | None,
    tls_client_ca: Path | None,
    insecure: bool,
) -> None:
    """Serve the KPIs as Prometheus metrics until interrupted.

    On loopback (the default) it serves plain HTTP. On any other address it
    needs HTTPS with client certificates (--tls-cert, --tls-key,
    --tls-client-ca), or --insecure, which the audit log records.
    """
    from nova.core.exposure import check_bind
    from nova.kpi.exporter import ExporterTls
    from nova.monitor.serve import serve_until_stopped

    check_tls_options(tls_cert, tls_key, tls_client_ca)
    exposure = check_bind(
        "the metrics server",
        bind,
        option="--bind",
        tls=tls_cert is not None,
        authenticated=tls_client_ca is not None,
        insecure=insecure,
        needs="--tls-cert, --tls-key and --tls-client-ca",
    )
    tls = ExporterTls(tls_cert, tls_key, tls_client_ca) if tls_cert and tls_key else None

    def ready(exporter: Exporter) -> None:
        record_start("metrics", exposure, exporter.port)
        click.echo(f"serving KPIs on {exporter.url} (Ctrl-C to stop)", err=True)

    _log_to_file()
    serve_until_stopped(port, bind, ready, tls, insecure)


@monitor.command("check")
@click.option(
    "--thresholds",
    "thresholds_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML file of alert thresholds (see docs/monitoring.md).",
)
@click.option("--webhook", default=None, help="POST alerts here (overrides the file's webhook).")
@click.option("--timeout", type=float, default=None, help="Webhook timeout in seconds.")
@click.option("--retries", type=int, default=None, help="Webhook retries after the first try.")
@OUTPUT_OPTION
def check(
    thresholds_file: Path,
    webhook: str | None,
    timeout: float | None,
    retries: int | None,
    output: str,
) -> int:
    """Check alert thresholds against the KPIs.

    Alerts go to the audit log, then to the webhook when one is set. Exit 0
    when no threshold is breached, 3 when alerts were raised, 1 when the
    webhook could not be reached (the alerts are in the audit log).
    """
    from nova.audit.log import AuditLog, current_actor
    from nova.kpi import default_store
    from nova.monitor.check import run_check
    from nova.monitor.thresholds import load

    config = load(thresholds_file)
    _log_to_file()
    target = _webhook_override(config.webhook, webhook, timeout, retries)
    result = run_check(
        config, store=default_store(), audit=AuditLog(), actor=current_actor(), webhook=target
    )
    if output == "json":
        print_json(result.to_dict())
    else:
        _print_check(result)
    if result.delivery is not None and not result.delivery.ok:
        return EXIT_DELIVERY_FAILED
    return EXIT_BREACHED if result.alerts else 0


@monitor.command("kpis")
@click.option("--window", default=None, help="Only the last 15m, 1h, 7d...; default: all time.")
@OUTPUT_OPTION
def kpis(window: str | None, output: str) -> None:
    """Show every recorded KPI series."""
    import time

    from nova.core.durations import parse_duration
    from nova.kpi import default_store
    from nova.kpi.summary import summarize

    since = None
    if window is not None:
        try:
            since = time.time() - parse_duration(window)
        except ValueError as exc:
            raise InputError("--window", None, str(exc)) from None
    rows = summarize(default_store(), since)
    if output == "json":
        print_json([row.to_dict() for row in rows])
        return
    from rich.table import Table

    from nova.cli.tables import print_table

    table = Table("metric", "labels", "count", "avg", "p50", "p95")
    for row in rows:
        labels = ",".join(f"{k}={v}" for k, v in sorted(row.labels.items()))
        table.add_row(
            row.metric, labels, f"{row.count:g}", *(_cell(v) for v in (row.avg, row.p50, row.p95))
        )
    if rows:
        print_table(console(), table, keep=("metric", "labels"))
    else:
        console().print("no KPIs recorded yet")


@monitor.command("setup")
@click.option("--dir", "directory", default=None, help="Folder for log files.")
@click.option(
    "--level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False)
)
@click.option("--max-bytes", type=int, default=None, help="Rotate a file past this size.")
@click.option("--backups", type=int, default=None, help="Rotated files kept per component.")
@OUTPUT_OPTION
def setup(
    directory: str | None,
    level: str | None,
    max_bytes: int | None,
    backups: int | None,
    output: str,
) -> None:
    """Save the logging settings under NOVA_HOME and show where logs go."""
    from nova.core.exportfile import os_reason
    from nova.monitor.logsetup import set_up

    try:
        result = set_up(
            {"directory": directory, "level": level, "max_bytes": max_bytes, "backups": backups}
        )
    except OSError as exc:
        where = directory or exc.filename or "logging settings"
        raise InputError(where, "--dir" if directory else None, os_reason(exc)) from None
    if output == "json":
        print_json(result.to_dict())
        return
    settings = result.settings
    click.echo(f"settings: {result.settings_file}")
    click.echo(
        f"logs: {settings.directory} (JSON lines, level {settings.level}, "
        f"rotated at {settings.max_bytes} bytes, {settings.backups} kept)"
    )
    for component, path in result.files.items():
        click.echo(f"  {component}: {path}")


def _log_to_file() -> None:
    """Log to NOVA_HOME/logs/monitor.log; broken log settings must not stop monitoring."""
    from nova.monitor.jsonlog import configure

    try:
        configure("monitor")
    except (InputError, OSError) as exc:
        click.echo(f"nova: warning: logging not configured: {exc}", err=True)


def _webhook_override(
    configured: Webhook | None, url: str | None, timeout: float | None, retries: int | None
) -> Webhook | None:
    """The webhook the options describe, on top of the file's; None when neither has one."""
    from dataclasses import replace

    from nova.monitor.thresholds import Webhook, check_webhook_url

    if url is None and configured is None:
        if timeout is not None or retries is not None:
            raise InputError("--timeout/--retries", None, "need a webhook (--webhook URL)")
        return None
    target = configured or Webhook(url="")
    if url is not None:
        try:
            target = replace(target, url=check_webhook_url(url), token_env=None)
        except ValueError as exc:
            raise InputError("--webhook", None, str(exc)) from None
    if timeout is not None:
        if not 0 < timeout <= 120:
            raise InputError("--timeout", None, "must be between 0 and 120 seconds")
        target = replace(target, timeout_s=timeout)
    if retries is not None:
        if not 0 <= retries <= 10:
            raise InputError("--retries", None, "must be from 0 to 10")
        target = replace(target, retries=retries)
    return target


def _print_check(result: CheckResult) -> None:
    for evaluation in result.evaluations:
        t = evaluation.threshold
        observed = evaluation.to_alert()["observed"]
        mark = "ALERT" if evaluation.breached else "ok"
        shown = "no data" if observed is None else f"{observed:g}"
        click.echo(f"{mark:5} {t.name}: {t.metric} {t.stat} = {shown} ({t.op} {t.value:g})")
    if result.delivery is not None:
        if result.delivery.ok:
            click.echo(f"webhook {result.webhook}: delivered ({result.delivery.attempts} tries)")
        else:
            click.echo(
                f"webhook {result.webhook}: FAILED after {result.delivery.attempts} tries: "
                f"{result.delivery.error}"
            )
    click.echo(f"{len(result.alerts)} alerts, {len(result.evaluations)} thresholds checked")


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


@monitor.command("receive")
@click.option("--port", default=9095, show_default=True, help="0 picks a free port.")
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--token-file", type=EXISTING_FILE, required=True,
              help="Bearer token Alertmanager sends (a file not readable by others).")  # fmt: skip
@click.option("--audit-db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Audit log to append to (default: NOVA_HOME/audit.db).")  # fmt: skip
@click.option("--tls-cert", type=EXISTING_FILE, default=None, help="Server certificate (PEM).")
@click.option("--tls-key", type=EXISTING_FILE, default=None, help="Server private key (PEM).")
@insecure_option
def receive(
    port: int,
    bind: str,
    token_file: Path,
    audit_db: Path | None,
    tls_cert: Path | None,
    tls_key: Path | None,
    insecure: bool,
) -> None:
    """Receive Alertmanager's webhooks and write each alert to the audit log.

    Alertmanager posts to http://BIND:PORT/alerts with `Authorization: Bearer
    <token>`. Each alert becomes an entry `alert.firing` or `alert.resolved`.
    Loopback by default; elsewhere it needs --tls-cert and --tls-key, or --insecure.
    """
    from nova.audit.log import AuditLog
    from nova.monitor.receiver import read_token, serve_until_stopped, start_receiver

    if (tls_cert is None) != (tls_key is None):
        raise InputError("--tls-cert/--tls-key", None, "give both or neither")
    token = read_token(token_file)
    tls = (tls_cert, tls_key) if tls_cert and tls_key else None
    try:
        receiver = start_receiver(AuditLog(audit_db), token, bind, port, tls, insecure)
    except OSError as exc:
        raise InputError(f"{bind}:{port}", "--bind/--port", exc.strerror or str(exc)) from None
    click.echo(f"receiving alerts on {bind}:{receiver.port}/alerts (Ctrl-C to stop)", err=True)
    serve_until_stopped(receiver)


@monitor.command("status")
@inventory_option(purpose="its monitoring hosts' Prometheus is read", defaults_to="chosen")
@click.option("--group", default="monitoring", show_default=True,
              help="Inventory group of the Prometheus hosts.")  # fmt: skip
@OUTPUT_OPTION
def status(inventory: str | None, group: str, output: str) -> int:
    """Targets up and down and the alerts firing, read from Prometheus' API.

    Prometheus listens on loopback, so its API is read on each monitoring host
    through Ansible; nothing is changed. Exits 1 when a target is down, an
    alert fires or a monitoring host does not answer.
    """
    from nova.monitor.status import read

    state = read(require_inventory(inventory), group)
    if output == "json":
        print_json(state.to_dict())
    else:
        _print_status(state)
    healthy = not state.down and not state.firing and all(s.reachable for s in state.servers)
    return EXIT_OK if healthy else EXIT_FAILED


def _print_status(state: MonitorStatus) -> None:
    from rich.table import Table

    from nova.cli.tables import print_table

    out = console()
    out.print(f"[bold]Monitoring[/] of inventory {state.inventory}, group {state.group}")
    for server in state.servers:
        if not server.reachable:
            out.print(f"[red]{server.host}: Prometheus did not answer[/]")
            continue
        targets = Table("job", "instance", "health", "last error", title=f"{server.host}: targets")
        for t in server.targets:
            health = "[green]up[/]" if t.health == "up" else f"[red]{t.health}[/]"
            targets.add_row(t.job, t.instance, health, t.last_error)
        print_table(out, targets, keep=("job", "instance", "health"))
        if not server.alerts:
            out.print("no alerts pending or firing")
            continue
        alerts = Table("alert", "instance", "state", "severity", "since", title="alerts")
        for a in server.alerts:
            shown = f"[red]{a.state}[/]" if a.state == "firing" else a.state
            alerts.add_row(a.name, a.instance, shown, a.severity, a.active_at)
        print_table(out, alerts, keep=("alert", "instance", "state"))
    down, firing = len(state.down), len(state.firing)
    out.print(f"{down} target(s) down, {firing} alert(s) firing")


@monitor.command("plan")
@inventory_option(purpose="the plan covers its hosts", defaults_to="plan")
@click.option("--group", default="monitoring", show_default=True,
              help="Inventory group of the Prometheus hosts.")  # fmt: skip
@export_option("also write the plan to FILE (.json for JSON, Markdown otherwise)")
@OUTPUT_OPTION
def plan(inventory: str | None, group: str, export_path: Path | None, output: str) -> None:
    """What the observability phase will scrape and alert on (a plan only: nothing is changed)."""
    from nova.monitor import plan as monitor_plan

    result = monitor_plan.build(plan_inventory(inventory), group)
    if export_path is not None:
        monitor_plan.write(result, export_path)
    if output == "json":
        print_json(result.to_dict())
        return
    _print_plan(result, export_path)


def _print_plan(result: MonitorPlan, export_path: Path | None) -> None:
    from rich.table import Table

    from nova.cli.tables import print_table

    out = console()
    out.print(f"[bold]Monitoring plan[/] for inventory {result.inventory}")
    out.print(f"[yellow]{result.notice}[/]")
    for note in result.notes:
        out.print(f"note: {note}")
    out.print(f"Prometheus and Alertmanager on: {', '.join(result.servers) or 'no host'}")
    targets = Table("job", "instance", "address", title="scraped")
    for t in result.targets:
        targets.add_row(t.job, t.instance, t.address)
    print_table(out, targets, keep=("job", "instance"))
    alerts = Table("alert", "severity", "fires when", "held for", title="alerts")
    for a in result.alerts:
        alerts.add_row(a.name, a.severity, a.expr, a.hold or "at once")
    print_table(out, alerts, keep=("alert",))
    out.print(f"apply with: {result.apply}" if result.apply else "nothing to apply yet")
    if export_path is not None:
        out.print(f"plan written to {export_path}")
