"""Issue 13, the last gaps (close13): every command reads the warehouse's product screen the
same way (check, run, report and serve as assess and explain), and the dashboard shows the rules
among peers as ``check --db`` does. Expected numbers are worked out by hand from the rows made
here (the warehouse of tests/doctrine/test_substitutability_data.py, the panel of
tests/doctrine/test_peer_percentile.py)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from equipoise._cli.main import app

runner = CliRunner()
#: CHN is the top supplier of both products: 1 - 100 / (100 + 30) = 3/13; CHN's trade share
#: 0.6 >= 0.5 and 3/13 <= 0.3: critical, margin min(0.8 - 0.6, max(-0.1, 3/13 - 0.3))
TRADE_SUBST = 3 / 13
TRADE_MARGIN = min(0.2, max(-0.1, 3 / 13 - 0.3))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    import duckdb
    from sources.layouts import write_baci

    from equipoise.warehouse import ingest

    from .test_substitutability_data import _baci_rows

    tmp = tmp_path_factory.mktemp("wh13")
    db = tmp / "w.duckdb"
    ingest("baci", write_baci(tmp / "BACI_HS17_V202401b", _baci_rows()), db=db)
    con = duckdb.connect(str(db))
    try:
        for partner, value in (("CHN", 6.0), ("RUS", 3.0), ("WLD", 10.0)):
            con.execute("INSERT INTO flows (year, reporter, partner, domain, indicator, product, "
                        "value, unit, source) VALUES (2021, 'KAZ', ?, 'trade', "
                        "'trade.goods.turnover', NULL, ?, 'USD bn', 'test:hand')",
                        [partner, value])
    finally:
        con.close()
    return db


def _rules(doc: dict) -> dict:
    return {r["name"]: (r["status"], r.get("reason"), r.get("margin")) for r in doc["rules"]}


def test_check_db_reads_the_product_screen_as_assess_does(warehouse):
    res = runner.invoke(app, ["check", "--db", str(warehouse), "--focal", "KAZ", "--json"])
    assert res.exit_code == 0, res.output
    checked = json.loads(res.stdout)
    rule = next(r for r in checked["rules"] if r["name"] == "no_critical_dependency:trade")
    assert rule["status"] == "fail"
    assert rule["margin"] == pytest.approx(TRADE_MARGIN)
    res = runner.invoke(app, ["assess", "--db", str(warehouse), "--focal", "KAZ", "--json"])
    assert res.exit_code == 0, res.output
    assessed = json.loads(res.stdout)["doctrine"]["check"]
    assert _rules(checked) == _rules(assessed)  # one verdict for the same inputs
    # --year: the screen of that year (2021 here), the same verdict
    res = runner.invoke(app, ["check", "--db", str(warehouse), "--focal", "KAZ", "--year",
                              "2021", "--json"])
    assert res.exit_code == 0, res.output
    rule = next(r for r in json.loads(res.stdout)["rules"]
                if r["name"] == "no_critical_dependency:trade")
    assert rule["margin"] == pytest.approx(TRADE_MARGIN)
    assert "Traceback" not in res.output


def test_check_without_db_keeps_the_fallback(warehouse, tmp_path):
    # the same flows from a file, no warehouse: substitutability from the viable alternatives
    # (RUS is the one other partner >= 10 %: 1/(1+1) = 0.5 > 0.3, not critical)
    f = tmp_path / "kaz.csv"
    f.write_text("year,reporter,partner,domain,indicator,product,value,unit,source\n"
                 "2021,KAZ,CHN,trade,trade.goods.turnover,,6,USD bn,test:hand\n"
                 "2021,KAZ,RUS,trade,trade.goods.turnover,,3,USD bn,test:hand\n"
                 "2021,KAZ,WLD,trade,trade.goods.turnover,,10,USD bn,test:hand\n",
                 encoding="utf-8")
    res = runner.invoke(app, ["check", "--data", str(f), "--focal", "KAZ", "--json"])
    assert res.exit_code == 0, res.output
    rule = next(r for r in json.loads(res.stdout)["rules"]
                if r["name"] == "no_critical_dependency:trade")
    assert rule["status"] == "pass"


def test_run_db_reads_the_product_screen(warehouse, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", "--db", str(warehouse), "--focal", "KAZ", "--out",
                              str(out)])
    assert res.exit_code == 0, res.output
    a = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    assert a["domains"]["trade"]["substitutability"] == pytest.approx(TRADE_SUBST)
    assert a["domains"]["trade"]["substitutability_basis"] == "data"
    rule = next(r for r in a["rules"] if r["name"] == "no_critical_dependency:trade")
    assert rule["margin"] == pytest.approx(TRADE_MARGIN)
    shocks = json.loads((out / "shocks.json").read_text(encoding="utf-8"))
    assert shocks["CHN"]["substitutability"]["trade"]["kind"] == "data"


def test_flows_only_warehouse_has_no_screen(tmp_path):
    """A warehouse without trade_products gives no screen (the labelled fallback), not an
    error: the flows-only warehouses assess --db read before."""
    import duckdb

    from equipoise.context import product_screen_source

    db = tmp_path / "f.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE flows (year INTEGER)")
    con.close()
    assert product_screen_source(db, "KAZ") is None


# ---------------------------------------------------------------- the dashboard among peers

@pytest.fixture(scope="module")
def panel_db(tmp_path_factory):
    from panel.layouts import build_panel

    from .test_peer_percentile import add_rows

    db = build_panel(tmp_path_factory.mktemp("panel13"))
    add_rows(db)
    return db


def test_serve_db_shows_rules_among_peers_as_check_does(panel_db, tmp_path, monkeypatch):
    """`serve --db W --doctrine pct.toml` hands the panel's peers to the dashboard: its overview
    and /api/assess have the percentile thresholds resolved and each rule's place among peers,
    the same numbers as `check --db W` (TestClient on the app serve builds)."""
    from fastapi.testclient import TestClient

    import equipoise.present.web as web
    from equipoise.present.web.app import create_app

    from .test_peer_percentile import doctrine_file

    doc = doctrine_file(tmp_path, hhi="p50 of all states", equidistance_spread="p50 of peers")
    seen = {}
    monkeypatch.setattr(web, "serve", lambda **kw: seen.update(kw))
    res = runner.invoke(app, ["serve", "--db", str(panel_db), "--doctrine", str(doc)])
    assert res.exit_code == 0, res.output
    assert seen["peers"] is not None and seen["panel_db"] == panel_db
    kw = {k: v for k, v in seen.items() if k not in ("host", "port", "token")}
    client = TestClient(create_app(kw.pop("flows"), alignment_reps=10, **kw))
    page = client.get("/")
    assert page.status_code == 200
    assert "<th>among peers</th>" in page.text
    # peers' 2019 spreads .1 .2 .3 .4 .6 -> p50 = 0.3; KAZ above all five: p100 of 5
    assert "p100 of 5 (peers (EURASIA_HEDGERS), 2019)" in page.text
    served = {r["name"]: r for r in client.get("/api/assess").json()["rules"]}
    res = runner.invoke(app, ["check", "--db", str(panel_db), "--doctrine", str(doc), "--json"])
    checked = {r["name"]: r for r in json.loads(res.stdout)["rules"]}
    for name in ("equidistance", "concentration:trade", "no_critical_dependency:trade"):
        for key in ("status", "threshold", "percentile", "peer_year"):
            assert served[name].get(key) == checked[name].get(key), (name, key)
    assert served["equidistance"]["threshold"] == pytest.approx(0.3)
    assert served["concentration:trade"]["threshold"] == pytest.approx(0.5)
