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
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from nova.audit.log import AuditLog
from nova.core.errors import InputError
from nova.core.paths import project_root, runs_dir
from nova.core.settings import load_settings
from nova.dashboard import views
from nova.dashboard.auth import COOKIE, SESSION_SECONDS, Session, Sessions, csrf_ok, token_owner
from nova.dashboard.control import Control, Denied, start_request
from nova.dashboard.forms import one, read_form
from nova.dashboard.live import (
    END,
    HEARTBEAT_SECONDS,
    LAGGED,
    Feeds,
    LiveEvent,
    RunFeed,
    parse_event_id,
)
from nova.provisioning.plan import load_plan
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


def create_app(
    state_db: Path | None = None,
    audit_db: Path | None = None,
    *,
    control: bool | None = None,
    tls: bool = False,
) -> Starlette:
    """The application; `control` (default: `dashboard_control` in config.yml) allows actions."""
    control_on = load_settings().dashboard_control if control is None else control
    sessions = Sessions()
    launched = Control()
    templates = project_root() / "templates" / "dashboard"
    pages = Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def session_of(request: Request) -> Session | None:
        return sessions.get(request.cookies.get(COOKIE))

    def render(
        name: str, status: int = 200, request: Request | None = None, **context: Any
    ) -> HTMLResponse:
        session = session_of(request) if request is not None else None
        return HTMLResponse(
            pages.get_template(name).render(control=control_on, session=session, **context),
            status_code=status,
            headers=SECURITY_HEADERS,
        )

    def run_status(run_id: str) -> str | None:
        record = StateStore(state_db).get_run(run_id)
        return None if record is None else record.status

    def run_end(run_id: str) -> dict[str, Any]:
        """How the run ended: its status, and each phase's with the reason it was given."""
        record = StateStore(state_db).get_run(run_id)
        if record is None:
            return {"status": None, "phases": []}
        phases = [
            {"name": p.name, "status": p.status, "note": p.note or ""} for p in record.phase_results
        ]
        return {"status": record.status, "phases": phases}

    def feed(run_id: str) -> RunFeed:
        return RunFeed(runs_dir() / run_id, lambda: run_status(run_id) == "running")

    feeds = Feeds(feed)

    def index() -> RunIndex:
        return RunIndex(state_db)

    def audit() -> AuditLog:
        return AuditLog(audit_db) if audit_db else AuditLog()

    async def overview(request: Request) -> Response:
        return render("overview.html.j2", request=request, **views.overview(index(), audit()))

    async def runs(request: Request) -> Response:
        limit = _limit(request)
        return render(
            "runs.html.j2",
            request=request,
            runs=views.runs_page(index(), limit),
            limit=limit,
            plan_phases=[p.name for p in load_plan().phases] if control_on else [],
        )

    async def run(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        if not RUN_ID_RE.match(run_id):
            return render("error.html.j2", 404, message="not a run id")
        try:
            record = views.run_page(StateStore(state_db), run_id)
        except InputError:
            return render("error.html.j2", 404, message=f"no provisioning run {run_id}")
        cancel = control_on and launched.can_cancel(run_id)
        return render("run.html.j2", request=request, run=record, can_cancel=cancel)

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
                    end = await asyncio.to_thread(run_end, run_id)
                    yield f"event: end\ndata: {json.dumps(end)}\n\n"
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
        return render(
            "audit.html.j2",
            request=request,
            check=views.check_audit(log),
            entries=views.audit_tail(log),
        )

    async def api_runs(request: Request) -> Response:
        return JSONResponse([r.to_dict() for r in views.runs_page(index(), _limit(request))])

    async def api_audit(request: Request) -> Response:
        return JSONResponse(asdict(views.check_audit(audit())))

    async def login_page(request: Request) -> Response:
        return render("login.html.j2", request=request)

    async def login(request: Request) -> Response:
        fields = await read_form(request)
        name = await asyncio.to_thread(token_owner, one(fields, "token"))
        if name is None:
            return render("login.html.j2", 401, request=request, failed=True)
        session_id, _ = sessions.open(name)
        await asyncio.to_thread(audit().append, name, "dashboard.login", name)
        answer = RedirectResponse("/", 303)
        answer.set_cookie(
            COOKIE,
            session_id,
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=tls,
            path="/",
        )
        return answer

    async def logout(request: Request) -> Response:
        session = session_of(request)
        fields = await read_form(request)
        if session is not None and csrf_ok(session, one(fields, "csrf")):
            sessions.close(request.cookies.get(COOKIE))
        answer = RedirectResponse("/", 303)
        answer.delete_cookie(COOKIE, path="/")
        return answer

    async def allowed(
        request: Request,
    ) -> tuple[Session | None, dict[str, list[str]], Response | None]:
        """The session and form of an action, or the page saying why it may not be done."""
        if not control_on:
            message = "control is off: set dashboard_control: true in NOVA_HOME/config.yml"
            return None, {}, render("error.html.j2", 403, request=request, message=message)
        session = session_of(request)
        if session is None:
            message = "log in to act from the dashboard"
            return None, {}, render("error.html.j2", 401, request=request, message=message)
        fields = await read_form(request)
        if not csrf_ok(session, one(fields, "csrf")):
            message = "the form is stale or foreign (CSRF token): reload the page"
            return None, {}, render("error.html.j2", 403, request=request, message=message)
        return session, fields, None

    async def start_run(request: Request) -> Response:
        session, fields, refusal = await allowed(request)
        if refusal is not None or session is None:
            return refusal or Response(status_code=500)
        order = start_request(
            one(fields, "inventory"),
            [p for p in fields.get("phase", []) if p],
            one(fields, "limit").strip(),
            one(fields, "mode") or "check",
        )
        run_id = await asyncio.to_thread(launched.start, order, f"dashboard:{session.name}")
        return RedirectResponse(f"/runs/{run_id}", 303)

    async def cancel_run(request: Request) -> Response:
        session, _, refusal = await allowed(request)
        if refusal is not None or session is None:
            return refusal or Response(status_code=500)
        run_id = request.path_params["run_id"]
        if not RUN_ID_RE.match(run_id):
            return render("error.html.j2", 404, request=request, message="not a run id")
        try:
            await asyncio.to_thread(launched.cancel, run_id, f"dashboard:{session.name}", audit())
        except Denied as denied:
            message = f"Denied by policy: {denied}"
            return render("error.html.j2", 403, request=request, message=message)
        return RedirectResponse(f"/runs/{run_id}", 303)

    async def bad_request(request: Request, exc: Exception) -> Response:
        return render("error.html.j2", 400, request=request, message=str(exc))

    app = Starlette(
        routes=[
            Route("/", overview),
            Route("/runs", runs),
            Route("/runs", start_run, methods=["POST"]),
            Route("/runs/{run_id}", run),
            Route("/runs/{run_id}/cancel", cancel_run, methods=["POST"]),
            Route("/login", login_page),
            Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
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
    app.state.control = launched
    return app


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIST:
        raise InputError("limit", None, f"must be a whole number from 1 to {MAX_LIST}")
    return int(raw)
