"""How backup job results look to people: one table per job, real ids from the hosts."""

from __future__ import annotations

from typing import Any

from nova.backup.jobs import JobResult


def show_job(out: Any, result: JobResult) -> None:
    from rich.table import Table

    from nova.cli.tables import print_table

    columns, rows = _rows(result)
    table = Table(title=f"backup {result.job} on {result.inventory}")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    print_table(out, table, keep=("host", "snapshot", "time", "target"))
    for failure in result.failures:
        out.print(f"[red]{failure.host}: {failure.task}: {failure.message}[/]")
    colour = "green" if result.succeeded else "red"
    out.print(f"[bold {colour}]backup {result.job} {result.status}[/] (run {result.run_id})")


def _rows(result: JobResult) -> tuple[list[str], list[list[str]]]:
    if result.job == "snapshots":
        rows = [
            [host, str(s.get("short_id", "")), str(s.get("time", ""))[:19], " ".join(s["paths"])]
            for host, record in result.hosts.items()
            for s in record.get("snapshots", [])
        ]
        return ["host", "snapshot", "time", "paths"], rows
    if result.job == "verify":
        rows = [
            [
                host,
                str(r.get("result", r.get("status", ""))),
                _short(r.get("snapshot")),
                str(r.get("time", "")),
                str(r.get("error", "")),
            ]
            for host, r in result.hosts.items()
        ]
        return ["host", "result", "snapshot", "time", "detail"], rows
    if result.job == "restore":
        rows = [
            [
                host,
                str(r.get("status", "")),
                _short(r.get("snapshot")),
                str(r.get("target", "")),
                str(r.get("error", "")),
            ]
            for host, r in result.hosts.items()
        ]
        return ["host", "status", "snapshot", "target", "detail"], rows
    rows = [
        [
            host,
            str(r.get("status", "")),
            _short(r.get("snapshot")),
            f"{r.get('files', '')}",
            f"{r.get('bytes_added', '')}",
            str(r.get("error", "")),
        ]
        for host, r in result.hosts.items()
    ]
    return ["host", "status", "snapshot", "files", "bytes new", "detail"], rows


def _short(snapshot: Any) -> str:
    return str(snapshot)[:8] if snapshot else "-"
