"""The dashboard's web application: read-only pages over the views, on Starlette.

Pages are server-rendered HTML (Jinja2, autoescaped); `/api/*` gives the same
data as JSON. Nothing here changes a record: control from the dashboard will
go through the same policy gate and audit log as the CLI when it comes.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from nova.audit.log import AuditLog
from nova.core.errors import InputError
from nova.core.paths import project_root, runs_dir
from nova.dashboard import views
from nova.dashboard.live import (
    END,
    HEARTBEAT_SECONDS,
    LAGGED,
    Feeds,
    LiveEvent,
    RunFeed,
    parse_event_id,
)
from nova.runs.index import RunIndex
from nova.runs.state import StateStore

RUN_ID_RE = re.compile(r"^[0-9a-z-]{6,64}\Z")
MAX_LIST = 500
# Only the dashboard's own script runs on its pages; inline styles are its own too.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_app(state_db: Path | None = None, audit_db: Path | None = None) -> Starlette:
    templates = project_root() / "templates" / "dashboard"
    pages = Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(
            pages.get_template(name).render(**context),
            status_code=status,
            headers=SECURITY_HEADERS,
        )

    def run_status(run_id: str) -> str | None:
        record = StateStore(state_db).get_run(run_id)
        return None if record is None else record.status

    def feed(run_id: str) -> RunFeed:
        return RunFeed(runs_dir() / run_id, lambda: run_status(run_id) == "running")

    feeds = Feeds(feed)

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

    async def run_events(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        if not RUN_ID_RE.match(run_id) or await asyncio.to_thread(run_status, run_id) is None:
            return JSONResponse({"error": "no such run"}, 404)
        after = parse_event_id(request.headers.get("last-event-id"))
        return StreamingResponse(
            stream(run_id, after),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def stream(run_id: str, after: tuple[str, int] | None) -> AsyncIterator[str]:
        run_feed, sub = feeds.subscribe(run_id, after)
        try:
            yield "retry: 1000\n\n"
            while True:
                try:
                    item = await asyncio.wait_for(sub.queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": still running\n\n"
                    continue
                if item is LAGGED:
                    return  # the browser reconnects from the last event it had
                if item is END:
                    status = await asyncio.to_thread(run_status, run_id)
                    yield f"event: end\ndata: {json.dumps({'status': status})}\n\n"
                    return
                if isinstance(item, LiveEvent):
                    yield item.sse()
        finally:
            feeds.unsubscribe(run_id, run_feed, sub)

    async def live_script(request: Request) -> Response:
        return FileResponse(templates / "static" / "live.js", media_type="text/javascript")

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)  # browsers ask; a missing one is console noise

    async def audit_page(request: Request) -> Response:
        log = audit()
        return render("audit.html.j2", check=views.check_audit(log), entries=views.audit_tail(log))

    async def api_runs(request: Request) -> Response:
        return JSONResponse([r.to_dict() for r in views.runs_page(index(), _limit(request))])

    async def api_audit(request: Request) -> Response:
        return JSONResponse(asdict(views.check_audit(audit())))

    async def bad_request(request: Request, exc: Exception) -> Response:
        return render("error.html.j2", 400, message=str(exc))

    app = Starlette(
        routes=[
            Route("/", overview),
            Route("/runs", runs),
            Route("/runs/{run_id}", run),
            Route("/runs/{run_id}/events", run_events),
            Route("/static/live.js", live_script),
            Route("/favicon.ico", no_icon),
            Route("/audit", audit_page),
            Route("/api/runs", api_runs),
            Route("/api/audit", api_audit),
        ],
        exception_handlers={InputError: bad_request},
    )
    app.state.feeds = feeds
    return app


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIST:
        raise InputError("limit", None, f"must be a whole number from 1 to {MAX_LIST}")
    return int(raw)
