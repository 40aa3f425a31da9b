"""Every route of the dashboard comes from a router module (pages, API, downloads, world
panel) whose handlers take the dashboard as a dependency: the app factory defines no route
handler of its own (no closure over its variables)."""

from __future__ import annotations

import inspect

import pytest

pytest.importorskip("fastapi")

ROUTER_MODULES = ("pages", "api", "downloads", "panel")


def _api_routes(routes):
    """The API routes of ``routes``, descending into included routers (FastAPI >= 0.16x keeps an
    included router as one entry holding ``original_router``; older versions copy its routes)."""
    from fastapi.routing import APIRoute

    for r in routes:
        sub = getattr(r, "original_router", None)
        if sub is not None:
            yield from _api_routes(sub.routes)
        elif isinstance(r, APIRoute):
            yield r


def test_every_route_is_a_router_handler_taking_the_dashboard(client):
    from equipoise.present.web import api, downloads, pages, panel
    from equipoise.present.web.deps import dashboard

    routes = list(_api_routes(client.app.routes))
    paths = {r.path for r in routes}
    # the walk sees the whole app, the panel pages included (not a vacuous pass)
    assert {"/", "/sources", "/api/assess", "/api/assess.{fmt}", "/trend", "/peers",
            "/api/trend", "/api/peers", "/api/trend.{fmt}", "/api/peers.{fmt}"} <= paths
    assert len(routes) >= 35
    owned = {id(r.endpoint) for m in (pages, api, downloads, panel)
             for r in _api_routes(m.router.routes)}
    for r in routes:
        fn = r.endpoint
        where = f"{r.path} -> {fn.__module__}.{fn.__qualname__}"
        assert "<locals>" not in fn.__qualname__, where
        assert fn.__module__.rsplit(".", 1)[-1] in ROUTER_MODULES, where
        assert fn.__module__.startswith("equipoise.present.web."), where
        assert id(fn) in owned, where
        # a module-level handler: what the module's name gives is the endpoint itself
        assert getattr(inspect.getmodule(fn), fn.__name__) is fn, where
    # the panel's handlers reach the dashboard (and its settings.panel_db) as a dependency
    for r in _api_routes(panel.router.routes):
        assert dashboard in {d.call for d in r.dependant.dependencies}, r.path


def test_the_panel_warehouse_is_a_setting(kaz_ctx, tmp_path):
    from equipoise.present.web import create_app

    db = tmp_path / "w.duckdb"
    app = create_app(context=kaz_ctx, alignment_reps=10, mc_runs=1000, panel_db=db)
    assert app.state.dashboard.settings.panel_db == db
    assert create_app(context=kaz_ctx).state.dashboard.settings.panel_db is None
