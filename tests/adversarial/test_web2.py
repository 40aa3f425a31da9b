"""Regression cases of issue 11 for the dashboard package (points 5 and 6).

* A library module that fails to import is an error (the API's generic 500, the exception raised
  to a library caller), never a capability shown as "not available" (501).
* A page added the documented way (a router whose handler takes ``dash: Dash``) gets the app's
  state through the dependency.
* The alignment page renders the embedded default's alignment, which has no intervals (it was a
  500: the template formatted ``None``).

Each case builds its input here (tmp_path, monkeypatch), and checks the HTTP status, the text and
that no Python traceback reaches the response.
"""

from __future__ import annotations

import sys
import warnings
from importlib import resources
from pathlib import Path

import pytest

from equipoise.present.views import CAPABILITIES, Context, capabilities
from equipoise.present.web.deps import Dash  # at module level: the annotation is resolved here

TB = "Traceback (most recent call last)"
KAZ_CSV = Path(str(resources.files("equipoise").joinpath("datasets", "kazakhstan", "flows.csv")))


@pytest.fixture(scope="module")
def ctx():
    from equipoise.io.flows import read_flows

    if not KAZ_CSV.is_file():
        pytest.skip(f"the embedded Kazakhstan flows are absent ({KAZ_CSV})")
    return Context(read_flows([KAZ_CSV]), focal="KAZ")


def make_client(ctx, **kw):
    from fastapi.testclient import TestClient

    from equipoise.present.web import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        app = create_app(context=ctx, alignment_reps=20, mc_runs=1000, processes=False, **kw)
    return app, TestClient(app, raise_server_exceptions=False)


def test_the_library_parts_are_always_available():
    caps = capabilities()
    assert set(caps) == {*CAPABILITIES, "pdf"}
    assert all(caps[name] == {"available": True, "reason": ""} for name in CAPABILITIES)


def test_a_broken_library_module_is_an_error_not_unavailable(ctx, monkeypatch):
    """``sys.modules[name] = None`` makes ``import name`` raise ImportError, as a broken install
    would: the view raises it (not Unavailable) and the API answers the generic 500."""
    monkeypatch.delitem(sys.modules, "equipoise.risk.shocks", raising=False)
    monkeypatch.setitem(sys.modules, "equipoise.risk.shocks", None)
    with pytest.raises(ImportError, match=r"equipoise\.risk\.shocks"):
        ctx.shock_json("TUR", intensity=0.37)  # arguments no other test memoised
    _, c = make_client(ctx)
    with c:
        r = c.get("/api/shock?partner=TUR&intensity=0.38")
        assert r.status_code == 500, r.text[:300]
        assert "internal error" in r.json()["error"]
        assert TB not in r.text
        caps = c.get("/api/capabilities").json()
        assert caps["shocks"] == {"available": True, "reason": ""}


def test_a_page_added_as_a_router_gets_the_dashboard(ctx):
    from fastapi import APIRouter
    from fastapi.responses import HTMLResponse

    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

    @router.get("/hello")
    def hello(dash: Dash):
        return dash.page("error.html", status=200, status_code=200,
                         message=f"hello from {dash.ctx.focal} ({len(dash.domains)} domains)")

    app, c = make_client(ctx)
    app.include_router(router)
    with c:
        r = c.get("/hello")
        assert r.status_code == 200
        assert f"hello from KAZ ({len(ctx.assess_json()['domains'])} domains)" in r.text
        assert r.headers["x-frame-options"] == "DENY", "the guard wraps added routes too"
        assert 'href="/domain/trade"' in r.text, "the navigation of base.html"


def test_alignment_page_without_intervals(ctx, monkeypatch, tmp_path):
    """No votes anywhere: the alignment is the embedded default's published agreement, without
    roll calls, so without intervals; the page shows it (was a 500)."""
    monkeypatch.delenv("EQUIPOISE_VOTES", raising=False)
    monkeypatch.setenv("EQUIPOISE_SHARED_DATA", str(tmp_path / "nowhere"))  # switches it off
    fresh = Context(ctx.flows, focal="KAZ")
    al = fresh.alignment_json(reps=20)
    assert al["reps"] == 0 and al["equidistance"], "the embedded default, without intervals"
    assert all(e["lower"] is None for e in al["equidistance"])
    _, c = make_client(fresh)
    with c:
        r = c.get("/alignment")
        assert r.status_code == 200, r.text[-500:]
        assert "no intervals (no roll calls)" in r.text
        assert TB not in r.text
        first = al["equidistance"][-1]
        assert f"<td>{first['period']}</td><td class=\"num\">{first['value']:.3f}</td>" \
               f"<td class=\"num\">-</td>" in r.text
