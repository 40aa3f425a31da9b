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


# ---------------------------------------------------------------- the plan's substitutability

PLAN_ROWS = """year,reporter,partner,domain,indicator,product,value,unit,source
2023,MNG,CHN,trade,trade.goods.turnover,,5,USD bn,test:customs
2023,MNG,RUS,trade,trade.goods.turnover,,3,USD bn,test:customs
2023,MNG,USA,trade,trade.goods.turnover,,1.6,USD bn,test:customs
2023,MNG,KOR,trade,trade.goods.turnover,,0.4,USD bn,test:customs
2023,MNG,WLD,trade,trade.goods.turnover,,10,USD bn,test:customs
"""
PLAN_DOCTRINE = """
name = "test doctrine (made up)"
focal = "MNG"
poles = ["CHN", "RUS", "USA"]

[domains]
critical = ["trade"]
functional = ["trade"]
"""


def test_plan_reads_the_assessments_measured_substitutability(tmp_path):
    """Shares CHN .5, RUS .3, USA .16, KOR .04 (viable: >= 5 %). The viable alternatives give
    CHN, RUS, USA each 2 alternatives: 2/3; KOR 3 (CHN, RUS, USA): 3/4; the domain (its worst
    partner, CHN) 2/3 -- not the domains table's default 0.6. The plan's loss before is
    ``sum_p D_p x_p (1 - sigma_p)`` over its own scenarios."""
    import numpy as np

    from equipoise.assessment import plan
    from equipoise.doctrine.plan.lp import cvar
    from equipoise.io.flows import read_flows
    from equipoise.risk.shocks import default_substitutability

    (tmp_path / "f.csv").write_text(PLAN_ROWS, encoding="utf-8")
    (tmp_path / "d.toml").write_text(PLAN_DOCTRINE, encoding="utf-8")
    fs = read_flows([tmp_path / "f.csv"])
    assert default_substitutability()["trade"][0] == pytest.approx(0.6)
    p = plan(fs, doctrine=tmp_path / "d.toml", n_scenarios=400, seed=3)
    dom = p.domains["trade"]
    assert dom["substitutability"] == pytest.approx(2 / 3)
    assert dom["substitutability_kind"] == "data"
    assert dom["substitutability_basis"].startswith("assessment data: viable alternative")
    assert set(dom["substitutability_by_partner"]) == {"KOR"}
    assert dom["substitutability_by_partner"]["KOR"]["value"] == pytest.approx(0.75)
    x0 = {"CHN": 0.5, "RUS": 0.3, "USA": 0.16, "KOR": 0.04, "OTH": 0.0}
    sigma = {"CHN": 2 / 3, "RUS": 2 / 3, "USA": 2 / 3, "KOR": 0.75, "OTH": 2 / 3}
    D = p.scenarios.for_codes(list(x0), 2023)
    hand = D @ np.array([x0[c] * (1 - sigma[c]) for c in x0])
    assert p.cvar_before == pytest.approx(cvar(hand, 0.95)[1])
    default = D @ np.array([x0[c] * (1 - 0.6) for c in x0])
    assert abs(cvar(default, 0.95)[1] - p.cvar_before) > 1e-3  # the default would differ
    # named in plan --json and in the text
    res = runner.invoke(app, ["plan", "--data", str(tmp_path / "f.csv"), "--doctrine",
                              str(tmp_path / "d.toml"), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)["domains"]["trade"]
    assert d["substitutability"] == pytest.approx(2 / 3) and d["substitutability_kind"] == "data"
    res = runner.invoke(app, ["plan", "--data", str(tmp_path / "f.csv"), "--doctrine",
                              str(tmp_path / "d.toml")], env={"COLUMNS": "200"})
    assert "Substitutability in the loss" in res.stdout and "trade 0.67 (data)" in res.stdout


# ---------------------------------------------------------------- role decided by bounds

def _role(tmp_path, rows, extra=""):
    from .test_verdicts import _verdicts

    return _verdicts(tmp_path, rows, extra)[1]["role:USA:technology"]


def _tech(partner, value):
    from .test_verdicts import _r

    return _r(2023, partner, "technology", "technology.vehicles.import", value, "units")


def test_absent_pole_that_cannot_lead_fails(tmp_path):
    # CHN 5, DEU 3.5 of WLD 10: coverage 0.85, unshown 0.15; USA absent: at most 0.15 < CHN's
    # shown 0.5 (a lower bound against a WLD total): FAIL by 0.15 - 0.5 = -0.35
    r = _role(tmp_path, [_tech("CHN", 5), _tech("DEU", 3.5), _tech("WLD", 10)])
    assert (r.status, r.reason) == ("fail", None)
    assert r.margin == pytest.approx(-0.35)
    assert r.value["unshown"] == pytest.approx(0.15)
    assert r.value["pole_share_at_most"] == pytest.approx(0.15)
    assert r.evidence["bounds_reason"] == "no_data"


def test_absent_pole_that_could_lead_stays_insufficient(tmp_path):
    # CHN 3, DEU 3 of 10: unshown 0.4 >= CHN 0.3: the USA could lead; unknown
    r = _role(tmp_path, [_tech("CHN", 3), _tech("DEU", 3), _tech("WLD", 10)])
    assert (r.status, r.reason) == ("insufficient", "no_data")


def test_pole_leading_in_the_worst_case_passes_below_min_coverage(tmp_path):
    # USA 3.5, CHN 0.5 of 10: coverage 0.4 < min_coverage 0.5 (insufficient before); unshown
    # 0.6; CHN at most 0.5 + 0.6 = 1.1 > 0.35: undecided -> insufficient (low_coverage)
    r = _role(tmp_path, [_tech("USA", 3.5), _tech("CHN", 0.5), _tech("WLD", 10)])
    assert (r.status, r.reason) == ("insufficient", "low_coverage")
    # with min_coverage 0.9: USA 7, CHN 1 of 10 (coverage 0.8 < 0.9), unshown 0.2; CHN at
    # most 0.1 + 0.2 = 0.3 < USA's 0.7: PASS by 0.7 - 0.3 = 0.4
    rows = [_tech("USA", 7), _tech("CHN", 1), _tech("WLD", 10)]
    r = _role(tmp_path, rows, "min_coverage = 0.9")
    assert (r.status, r.passed) == ("pass", True)
    assert r.margin == pytest.approx(0.4)
    assert r.evidence["bounds_reason"] == "low_coverage"


def test_pole_behind_in_its_best_case_fails_below_min_coverage(tmp_path):
    # USA 0.5, CHN 7 of 10 with min_coverage 0.9 (coverage 0.75): USA at most 0.05 + 0.25 =
    # 0.30 < CHN's 0.7: FAIL by 0.3 - 0.7 = -0.4
    rows = [_tech("USA", 0.5), _tech("CHN", 7), _tech("WLD", 10)]
    r = _role(tmp_path, rows, "min_coverage = 0.9")
    assert (r.status, r.margin) == ("fail", pytest.approx(-0.4))


def test_partner_sum_or_stale_evidence_is_not_bounded(tmp_path):
    # no WLD total: the shares are of the partners' sum, a partner added would shrink them;
    # no bound, the USA is unknown
    from .test_verdicts import _r

    r = _role(tmp_path, [_tech("CHN", 5), _tech("DEU", 3.5)])
    assert r.status == "insufficient"
    # stale (2015, 8 years behind 2023 with another domain current): no bound either
    rows = [_r(2015, "CHN", "technology", "technology.vehicles.import", 5, "units"),
            _r(2015, "DEU", "technology", "technology.vehicles.import", 3.5, "units"),
            _r(2015, "WLD", "technology", "technology.vehicles.import", 10, "units"),
            _r(2023, "RUS", "security", "security.arms.import", 30, "TIV mn"),
            _r(2023, "USA", "security", "security.arms.import", 10, "TIV mn")]
    r = _role(tmp_path, rows)
    assert r.status == "insufficient"


def test_kaz_role_usa_technology_fails_by_bounds():
    # the embedded default: vehicle imports 2023 cover 88.99 % of the total; USA absent: at most
    # 0.1101 < CHN's 0.3086 (evid.md)
    from equipoise.assessment import check

    r = {x.name: x for x in check().rules}["role:USA:technology"]
    assert r.status == "fail"
    assert r.value["pole_share_at_most"] == pytest.approx(0.1101, abs=1e-4)
    assert r.value["best_other_pole_share"] == pytest.approx(0.3086, abs=1e-4)
    assert r.margin == pytest.approx(0.1101 - 0.3086, abs=1e-4)


# ---------------------------------------------------------------- assess at 80 columns

def test_assess_is_readable_at_80_columns():
    """`equipoise assess | cat` (Rich lays a pipe out at 80 columns): no line longer than 80,
    no cell cut with an ellipsis in the domain table, every domain, year, share and marker in
    full; at 160 columns the one-line table with the long critical cell."""
    res = runner.invoke(app, ["assess"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(x) for x in lines) <= 80
    table = "\n".join(lines[:lines.index(next(x for x in lines if x.startswith("Domains led")))])
    assert "…" not in table
    for cell in ("technology", "corridors", "2025", "35.5%", "0.04 m", "0.20 d", "◦low",
                 "RUS 96.2%", "YES"):
        assert cell in table, cell
    # rule names whole, broken after the kind; the verdict's reason on its own line
    assert "│ no_critical_dependency: │" in res.stdout
    assert "(low_coverage)" in res.stdout
    wide = runner.invoke(app, ["assess"], env={"COLUMNS": "160"})
    assert "YES: RUS 96.2% in energy.crude.export_route" in wide.stdout
    assert "no_critical_dependency:trade" in wide.stdout


# ---------------------------------------------------------------- substitutability shown with its basis

def test_report_and_dashboard_show_substitutability_with_its_basis(tmp_path):
    """The report's domain matrix and critical table, and the dashboard's domain page, show
    each domain's substitutability with its basis beside it: trade 0.67 measured (2
    alternatives: 2/3; the method in the title), security 0.20 ◦ default (the domains table)."""
    from fastapi.testclient import TestClient

    from equipoise.present.report import (
        critical_table,
        scorecard_table,
        substitutability_cell,
        substitutability_text,
    )
    from equipoise.present.views import Context
    from equipoise.present.web.app import create_app

    rec = {"substitutability": 2 / 3, "substitutability_basis": "data",
           "substitutability_evidence": {"method": "viable alternative partners",
                                         "partner": "CHN"}}
    assert substitutability_text(rec) == (
        "measured", "measured: viable alternative partners, partner judged CHN")
    assert substitutability_cell(rec).startswith('0.67 <span class="basis"')
    dflt = {"substitutability": 0.2, "substitutability_basis": "default",
            "substitutability_evidence": {"method": "domains table default"}}
    assert substitutability_cell(dflt) == (
        '0.20 <span class="weak" title="the documented fallback: domains table default">'
        "◦ default</span>")

    ctx = Context()
    a = ctx.assess_json()
    table = scorecard_table(a)
    col = table["columns"].index("substitutability")
    cells = {row["cells"][0]: row["cells"][col] for row in table["rows"]}
    assert cells["trade"].startswith("0.67 ") and ">measured<" in cells["trade"]
    assert cells["security"].startswith("0.20 ") and "◦ default" in cells["security"]
    crit = critical_table(a)
    assert any("◦ default" in c for row in crit["rows"] for c in row["cells"])

    client = TestClient(create_app(context=ctx, alignment_reps=10))
    page = client.get("/domain/security").text
    assert 'id="substitutability"' in page and "0.20" in page and "◦ default" in page
    page = client.get("/domain/energy").text
    assert "0.04" in page and ">measured<" in page and "corridor graph" in page
    assert ">substitutability<" in client.get("/").text  # the overview's matrix column

    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", "--out", str(out), "--reps", "10"])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "<th>substitutability</th>" in text and "◦ default</span>" in text


def _kaz_file(tmp_path):
    f = tmp_path / "kaz.csv"
    f.write_text("year,reporter,partner,domain,indicator,product,value,unit,source\n"
                 "2021,KAZ,CHN,trade,trade.goods.turnover,,6,USD bn,test:hand\n"
                 "2021,KAZ,RUS,trade,trade.goods.turnover,,3,USD bn,test:hand\n"
                 "2021,KAZ,WLD,trade,trade.goods.turnover,,10,USD bn,test:hand\n",
                 encoding="utf-8")
    return f


def test_plan_db_reads_the_product_screen(warehouse, tmp_path):
    # the plan's loss weighs trade by the screen's 3/13 for CHN (the domain's judged partner),
    # as assess --db measures it; without --db the viable alternatives give 1/(1+1) = 0.5
    f = _kaz_file(tmp_path)
    res = runner.invoke(app, ["plan", "--data", str(f), "--focal", "KAZ", "--db",
                              str(warehouse), "--scenarios", "200", "--json"])
    assert res.exit_code == 0, res.output
    trade = json.loads(res.stdout)["domains"]["trade"]
    assert trade["substitutability"] == pytest.approx(TRADE_SUBST)
    assert trade["substitutability_basis"].startswith("assessment data: product screen")
    res = runner.invoke(app, ["plan", "--data", str(f), "--focal", "KAZ", "--scenarios", "200",
                              "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["domains"]["trade"]["substitutability"] == pytest.approx(0.5)


def test_evaluate_passes_the_product_screen(warehouse, tmp_path):
    """`evaluate --db W`: the rules before and after read the product screen (CHN 0.6 with
    substitutability 3/13: no_critical_dependency:trade FAIL both times; a membership action
    leaves trade alone)."""
    f = _kaz_file(tmp_path)
    res = runner.invoke(app, ["evaluate", "abraham-accords-2025", "--data", str(f), "--focal",
                              "KAZ", "--db", str(warehouse), "--scenarios", "200", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    for side in ("before", "after"):
        rules = {r["name"]: r for r in d[side]["rules"]}
        rule = rules["no_critical_dependency:trade"]
        assert (rule["status"], rule["margin"]) == ("fail", pytest.approx(TRADE_MARGIN)), side
