"""The dashboard's web application: read-only pages over the views, on Starlette.

Pages are server-rendered HTML (Jinja2, autoescaped); `/api/*` gives the same
data as JSON. Nothing here changes a record: control from the dashboard will
go through the same policy gate and audit log as the CLI when it comes.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from nova.audit.log import AuditLog
from nova.core.errors import InputError
from nova.core.paths import project_root
from nova.dashboard import views
from nova.runs.index import RunIndex
from nova.runs.state import StateStore

RUN_ID_RE = re.compile(r"^[0-9a-z-]{6,64}\Z")
MAX_LIST = 500


def create_app(state_db: Path | None = None, audit_db: Path | None = None) -> Starlette:
    pages = Environment(
        loader=FileSystemLoader(str(project_root() / "templates" / "dashboard")),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(pages.get_template(name).render(**context), status_code=status)

    def index() -> RunIndex:
        return RunIndex(state_db)

    def audit() -> AuditLog:
        return AuditLog(audit_db) if audit_db else AuditLog()

    async def overview(request: Request) -> Response:
        return render("overview.html.j2", **views.overview(index(), audit()))

    async def runs(request: Request) -> Response:
        limit = _limit(request)
        return render("runs.html.j2", runs=views.runs_page(index(), limit), limit=limit)

    async def run(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        if not RUN_ID_RE.match(run_id):
            return render("error.html.j2", 404, message="not a run id")
        try:
            record = views.run_page(StateStore(state_db), run_id)
        except InputError:
            return render("error.html.j2", 404, message=f"no provisioning run {run_id}")
        return render("run.html.j2", run=record)

    async def audit_page(request: Request) -> Response:
        log = audit()
        return render("audit.html.j2", check=views.check_audit(log), entries=views.audit_tail(log))

    async def api_runs(request: Request) -> Response:
        return JSONResponse([r.to_dict() for r in views.runs_page(index(), _limit(request))])

    async def api_audit(request: Request) -> Response:
        return JSONResponse(asdict(views.check_audit(audit())))

    async def bad_request(request: Request, exc: Exception) -> Response:
        return render("error.html.j2", 400, message=str(exc))

    return Starlette(
        routes=[
            Route("/", overview),
            Route("/runs", runs),
            Route("/runs/{run_id}", run),
            Route("/audit", audit_page),
            Route("/api/runs", api_runs),
            Route("/api/audit", api_audit),
        ],
        exception_handlers={InputError: bad_request},
    )


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIST:
        raise InputError("limit", None, f"must be a whole number from 1 to {MAX_LIST}")
    return int(raw)
