"""The app factory (:func:`create_app`: the guard, the error handlers, the static files, the
:class:`~.deps.Dashboard` state and the routers) and :func:`serve`. Every route is a handler of
a router module (:mod:`.pages`, :mod:`.api` with :mod:`.downloads`, :mod:`.panel`) taking the
dashboard as a dependency; the factory defines no route."""

from __future__ import annotations

import logging
import secrets
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartParser

from ... import __version__
from ...errors import EquipoiseError
from ..views import Context
from . import api, pages, panel
from .deps import Dashboard, ScrubbedJSON
from .guard import Guard, is_loopback
from .pool import WorkerPool
from .settings import (
    MAX_ACTION_CHANGES,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_ROWS,
    QUEUE,
    TIME_BUDGET,
    WORKERS,
    Settings,
)
from .status import status_for

__all__ = ["create_app", "serve"]

log = logging.getLogger("equipoise.web")


class _App(FastAPI):
    """The guard wraps the whole stack, the 500 handler too: every response carries the
    security headers."""

    def __init__(self, *, guard: dict[str, Any], **kwargs: Any):
        self._guard_options = guard
        super().__init__(**kwargs)

    def build_middleware_stack(self):
        return Guard(super().build_middleware_stack(), **self._guard_options)


DESCRIPTION = ("Operational functional balance, in numbers: the JSON served here is what the "
               "CLI's --json prints.")


def create_app(flows=None, *, focal: str | None = None, doctrine=None, token: str | None = None,
               allowed_hosts: list[str] | None = None,
               max_upload_bytes: int = MAX_UPLOAD_BYTES, context: Context | None = None,
               alignment_reps: int = 300, mc_runs: int = 20_000, warm: bool = False,
               max_upload_rows: int = MAX_UPLOAD_ROWS,
               max_action_changes: int = MAX_ACTION_CHANGES, workers: int = WORKERS,
               queue: int = QUEUE, time_budget: float = TIME_BUDGET,
               processes: bool | None = None, panel_db: Any = None, peers: Any = None,
               products: Any = None, corridors: Any = None):
    """The dashboard as a FastAPI app.

    Parameters
    ----------
    flows, focal, doctrine
        What the dashboard shows (the embedded default, the doctrine's focal state and the
        shipped doctrine when None).
    token
        When given, every request (but ``/static``) must carry it (see the package docstring).
    allowed_hosts
        Host names the ``Host`` header may carry (None: any; :func:`serve` sets the loopback
        names when bound to loopback).
    max_upload_bytes
        Cap on any request body (413 beyond).
    max_upload_rows, max_action_changes
        Cap on the rows of an uploaded flows CSV and on the changes of an uploaded action (413
        beyond).
    workers, queue, time_budget, processes
        The :class:`WorkerPool` that runs the heavy work (action evaluation, uploaded flows,
        Monte Carlo): jobs at once, jobs waiting, seconds a job may wait and run; processes
        (forked, killable) when fork is available, else threads.
    context
        A ready :class:`~equipoise.present.views.Context` (tests, the benchmark).
    alignment_reps, mc_runs
        Bootstrap replicates of the alignment page and scenarios of the Monte Carlo page.
    warm
        Compute the overview (and start the chart renderer, whose first call is slow) before
        serving, so the first visitor does not wait.
    panel_db
        A warehouse holding the world panel, for the trend and peers pages
        (:mod:`equipoise.present.web.panel`); without it those pages say how to build one.
    peers, products
        The world panel's peer measures (:func:`equipoise.context.resolve_peer_panel`: rules
        among peers, percentile thresholds) and the warehouse's product screen of the focal
        state (the goods substitutability), as ``check --db`` reads them.
    corridors
        The corridor graph (:func:`equipoise.context.resolve_corridors`; None: the shipped
        graph of the focal state), as ``--nodes/--edges`` give it.
    """
    ctx = context or Context(flows, focal=focal, doctrine=doctrine, peers=peers,
                             products=products, corridors=corridors)
    settings = Settings(max_upload_bytes=max_upload_bytes, max_upload_rows=max_upload_rows,
                        max_action_changes=max_action_changes, alignment_reps=alignment_reps,
                        mc_runs=mc_runs, panel_db=panel_db)
    pool = WorkerPool(workers, queue, time_budget, processes=processes,
                      after_fork=ctx.reset_locks)
    # uploads stay in memory: the multipart parser keeps a file part in memory up to this size
    # (Starlette's default, 1 MiB, would spool a larger one to a temporary file)
    MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, max_upload_bytes + 1)
    guard = {"token": token, "allowed_hosts": allowed_hosts, "max_body": max_upload_bytes,
             "csrf_secret": secrets.token_bytes(32)}
    app = _App(guard=guard, title="equipoise", version=__version__,
               default_response_class=ScrubbedJSON, description=DESCRIPTION,
               docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    static_dir = resources.files("equipoise.present").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    dash = Dashboard(ctx, pool, settings)
    _add_error_handlers(app)
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(panel.router)
    if warm:
        _warm(ctx, dash)
    app.state.dashboard = dash
    app.state.context = ctx
    app.state.pool = pool
    return app


def _warm(ctx: Context, dash) -> None:
    """The overview's assessment and charts computed before serving (the chart renderer's first
    call is slow), so the first visitor does not wait."""
    from .. import charts as C

    a = ctx.assess_json()
    dash.svg(("heatmap",), lambda: C.heatmap(a))
    dash.svg(("shares",), lambda: C.shares_chart(a))
    dash.svg(("rules",), lambda: C.rules_chart(a))


def _add_error_handlers(app: FastAPI) -> None:
    """Bad input: a clear 4xx (JSON under /api, else the page); anything else: a generic 500,
    logged, never a stack trace."""

    def dash_of(request: Request) -> Dashboard:
        return request.app.state.dashboard

    @app.exception_handler(EquipoiseError)
    async def _eq_error(request: Request, exc: EquipoiseError):
        r = dash_of(request).error_response(request, status_for(exc), str(exc))
        if getattr(exc, "retry_after", None):
            r.headers["retry-after"] = str(exc.retry_after)
        return r

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        parts = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body"))
            parts.append(f"{loc or 'input'}: {e.get('msg')} (saw {e.get('input')!r})")
        msg = "; ".join(parts) or "invalid request"
        if request.url.path.startswith("/api"):
            return ScrubbedJSON({"error": msg, "status": 422,
                                 "detail": [{k: v for k, v in e.items()
                                             if k in ("loc", "msg", "type")}
                                            for e in exc.errors()]}, status_code=422)
        return dash_of(request).error_response(request, 422, msg)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return dash_of(request).error_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _boom(request: Request, exc: Exception):  # pragma: no cover - defensive
        log.exception("unexpected error on %s", request.url.path)
        return dash_of(request).error_response(request, 500, "internal error (logged on the "
                                                             "server); please report what you did")


def serve(*, host: str = "127.0.0.1", port: int = 8000, token: str | None = None, flows=None,
          focal: str | None = None, doctrine=None, log_level: str = "warning",
          **limits: Any) -> None:
    """Run the dashboard with uvicorn (blocking). See the package docstring for the hardening;
    ``limits`` go to :func:`create_app` (``max_upload_bytes``, ``max_upload_rows``,
    ``max_action_changes``, ``workers``, ``queue``, ``time_budget``)."""
    allowed_limits = {"max_upload_bytes", "max_upload_rows", "max_action_changes", "workers",
                      "queue", "time_budget", "panel_db", "peers", "products", "corridors"}
    unknown = sorted(set(limits) - allowed_limits)
    if unknown:
        raise TypeError(f"serve() got unknown options {unknown}; expecting some of "
                        f"{sorted(allowed_limits)}")

    import uvicorn

    from ... import context as _context
    from ..._console import err_console

    loop = is_loopback(host)
    token = token or _context.token()
    if not loop and not token:
        token = secrets.token_urlsafe(24)
    allowed = None
    if loop:
        allowed = ["127.0.0.1", "localhost", "::1", host.strip("[]").lower()]
    app = create_app(flows, focal=focal, doctrine=doctrine, token=token, allowed_hosts=allowed,
                     warm=True, **limits)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    err_console().print(f"equipoise dashboard on [bold]{url}[/bold]"
                        + ("" if loop else "  (token required: bound to a non-loopback address)"),
                        soft_wrap=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
