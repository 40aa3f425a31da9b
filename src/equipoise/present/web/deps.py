"""The dashboard's state, handed to every handler as a FastAPI dependency.

A :class:`Dashboard` holds the view context (flows, focal state, doctrine:
:class:`~equipoise.present.views.Context`), the worker pool, the settings (limits, bootstrap
replicates, Monte Carlo runs, the world panel's warehouse) and the page renderer.
:func:`create_app` builds one and keeps it in ``app.state.dashboard``; a handler asks for it
with a parameter ``dash: Dash``::

    @router.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    def sources_page(dash: Dash):
        return dash.page("sources.html", active="sources", sources=dash.ctx.sources_json())
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from ... import __version__, reference
from .. import charts
from .. import report as R
from ..views import Context, capabilities
from .guard import csrf_token
from .paths import scrub_paths
from .pool import WorkerPool
from .settings import Settings
from .uploads import assess_upload

__all__ = ["Dash", "Dashboard", "ScrubbedJSON", "dashboard"]


class ScrubbedJSON(JSONResponse):
    """JSON with every absolute server path scrubbed (:func:`scrub_paths`)."""

    def render(self, content: Any) -> bytes:
        return super().render(scrub_paths(content))


class Dashboard:
    """What every handler works on: ``ctx`` (the views), ``pool`` (heavy work), ``settings``,
    and :meth:`page` / :meth:`svg` to render."""

    def __init__(self, ctx: Context, pool: WorkerPool, settings: Settings):
        self.ctx = ctx
        self.pool = pool
        self.settings = settings
        self.env = R._env()
        #: the domains the focal state has data for (the navigation's links)
        self.domains = list(ctx.assess_json()["domains"])
        self.names = reference.load("countries").set_index("iso3")["name"]
        self.caps = capabilities()

    def page(self, name: str, status: int = 200, **kw) -> HTMLResponse:
        """The template ``name`` rendered with what every page shows (focal state, doctrine,
        capabilities, the domains, the form token) and ``kw`` (server paths scrubbed)."""
        ctx = self.ctx
        body = self.env.get_template(name).render(
            focal=ctx.focal, focal_name=str(self.names.get(ctx.focal, ctx.focal)),
            doctrine=ctx.doctrine, version=__version__, caps=self.caps,
            domains=self.domains, csrf_token=csrf_token(),
            **{k: scrub_paths(v) for k, v in kw.items()})
        return HTMLResponse(body, status_code=status)

    def svg(self, key: tuple, make: Callable[[], Any]) -> str:
        """The chart ``make()`` as SVG, memoised per ``key``."""
        return self.ctx._cached(("svg", *key), lambda: charts.to_svg(make()))

    def error_response(self, request: Request, status: int, message: str):
        """The error as JSON under ``/api``, else as a page (a fragment for htmx)."""
        if request.url.path.startswith("/api"):
            return ScrubbedJSON({"error": message, "status": status}, status_code=status)
        fragment = request.headers.get("hx-request") == "true"
        return self.page("error.html" if not fragment else "_error.html", status=status,
                         status_code=status, message=message)

    async def evaluate_action(self, text: str | None, name: str, example: str | None) -> dict:
        """An action (uploaded TOML text or a shipped example) evaluated in the worker pool."""
        key = ("action", hashlib.sha256((text or "").encode()).hexdigest(), example)
        return await self.pool.run(self.ctx.action_json, text, name=name, example=example,
                                   max_changes=self.settings.max_action_changes, key=key)

    async def assess_upload(self, text: str, name: str, focal: str | None, year: int | None,
                            lenient: bool, full: bool) -> dict:
        """An uploaded flows CSV assessed in the worker pool (:func:`uploads.assess_upload`)."""
        key = ("assess-upload", hashlib.sha256(text.encode()).hexdigest(), focal, year,
               lenient, full)
        return await self.pool.run(assess_upload, self.ctx.doctrine, text, name, focal=focal,
                                   year=year, lenient=lenient,
                                   max_rows=self.settings.max_upload_rows, full=full, key=key)


async def dashboard(request: Request) -> Dashboard:
    """The app's :class:`Dashboard` (a dependency; async, so no thread hop per request)."""
    return request.app.state.dashboard


#: A handler parameter ``dash: Dash`` receives the app's :class:`Dashboard`.
Dash = Annotated[Dashboard, Depends(dashboard)]
