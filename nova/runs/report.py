"""A run's Markdown report, rendered from templates/ and the state store."""

from __future__ import annotations

from pathlib import Path

from nova.core.paths import reports_dir
from nova.core.templates import environment
from nova.runs.state import RunRecord


def render_run_report(run: RunRecord) -> str:
    return environment().get_template("run_report.md.j2").render(run=run)


def write_run_report(run: RunRecord, directory: Path | None = None) -> Path:
    target_dir = directory or reports_dir()
    target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = target_dir / f"{run.id}.md"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(render_run_report(run), encoding="utf-8")
    tmp.replace(path)
    return path
