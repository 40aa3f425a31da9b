"""The dashboard's trend and peers pages, their JSON and CSV downloads (browser-free)."""

from __future__ import annotations

import csv
import io
import warnings
from importlib import resources
from pathlib import Path

import pytest

from equipoise._cli.main import run

from .layouts import write_all

pytest.importorskip("fastapi")
pytest.importorskip("vl_convert")


@pytest.fixture(scope="module")
def ctx():
    from equipoise.io.flows import read_flows
    from equipoise.present.views import Context

    p = Path(str(resources.files("equipoise").joinpath("datasets", "kazakhstan", "flows.csv")))
    return Context(read_flows([p]), focal="KAZ")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    root = tmp_path_factory.mktemp("trend_web")
    data = write_all(root / "data")
    out = root / "w.duckdb"
    try:
        run([str(x) for x in ("panel", "build", "--data-dir", data, "--db", out, "--json")])
    except SystemExit as exc:
        assert not exc.code
    return out


def _client(ctx, panel_db):
    from fastapi.testclient import TestClient

    from equipoise.present.web import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        app = create_app(context=ctx, alignment_reps=10, mc_runs=500, panel_db=panel_db)
    return TestClient(app, raise_server_exceptions=False)


def test_pages_without_panel_say_how_to_build_one(ctx):
    with _client(ctx, None) as c:
        for path in ("/trend", "/peers"):
            r = c.get(path)
            assert r.status_code == 200
            assert "Not available: no world panel" in r.text and "panel build" in r.text
        r = c.get("/api/trend")
        assert r.status_code == 404 and "no world panel" in r.text
        assert c.get("/api/peers.csv").status_code == 404


def test_trend_and_peers_pages_with_panel(ctx, db):
    with _client(ctx, db) as c:
        r = c.get("/trend")
        assert r.status_code == 200, r.text[:500]
        assert r.text.count("<svg") >= 2 and "Level shifts" in r.text
        assert 'href="/api/trend.csv"' in r.text
        r = c.get("/peers")
        assert r.status_code == 200, r.text[:300]
        assert "<tr class=\"focal\">" in r.text, r.text[r.text.find("<main"):][:3000]
        assert 'href="/api/peers.csv?years=' in r.text
        j = c.get("/api/peers").json()
        assert j["focal"] == "KAZ" and {r["state"] for r in j["records"]} >= {"KAZ", "UZB"}
        t = c.get("/api/trend").json()
        assert t["focal"] == "KAZ" and t["series"]


def test_downloads_are_csv_tables(ctx, db):
    with _client(ctx, db) as c:
        r = c.get("/api/peers.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert rows and {"state", "year", "peer_rank", "percentile"} <= set(rows[0])
        assert {x["state"] for x in rows} >= {"KAZ", "UZB"}
        r = c.get("/api/trend.csv")
        assert r.status_code == 200
        tables = {x["table"] for x in csv.DictReader(io.StringIO(r.text))}
        assert "series" in tables
        assert c.get("/api/trend.xlsx").status_code == 200
        r = c.get("/api/peers", params={"years": "20x0"})
        assert r.status_code == 422 and "not a year" in r.text
