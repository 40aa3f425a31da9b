"""Issue 13 point 3, the leftovers: goods substitutability from the product screen (a warehouse
with product data), energy from the corridor graph's export systems, and the basis shown in
``explain``. Every expected number is worked out by hand from the data made here."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from equipoise._cli.main import app
from equipoise.assessment import assess
from equipoise.doctrine.model import load_doctrine
from equipoise.doctrine.rules.critical import GRAPH_DOMAINS, graph_substitutability, measured_for
from equipoise.io.flows import read_flows
from equipoise.measures.screen import supplier_substitutability
from equipoise.risk.corridors import CorridorGraph

runner = CliRunner()
HEAD = "year,reporter,partner,domain,indicator,product,value,unit,source\n"
DOCTRINE = """
name = "test doctrine (made up)"
focal = "MNG"
poles = ["CHN", "RUS", "USA"]

[domains]
critical = ["trade"]
functional = ["trade"]
"""

# Product screen records of one focal state (the columns the measure reads), by hand:
# trade-domain products with a world-export HHI: P1 CHN 60 critical, P2 CHN 15 not critical,
# P3 RUS 50 critical, P6 DEU 30 not critical; P4 (CHN 10) has no world data; P5 is a
# technology product (HS 85), not trade.
RECORDS = pd.DataFrame({
    "year": [2021] * 6,
    "product": ["280530", "390110", "310420", "720211", "850760", "300490"],
    "domain": ["trade", "trade", "trade", "trade", "technology", "trade"],
    "imports": [60.0, 15.0, 50.0, 10.0, 100.0, 30.0],
    "critical": [True, False, True, False, True, False],
    "world_export_hhi": [0.82, 0.33, 0.6, None, 0.9, 0.2],
    "top_supplier": ["CHN", "CHN", "RUS", "CHN", "CHN", "DEU"],
})


def test_supplier_substitutability_by_hand():
    # CHN: its trade products with world data are P1 (60, critical) and P2 (15): 1 - 60/75
    v, ev = supplier_substitutability(RECORDS, "CHN")
    assert v == pytest.approx(0.2)
    assert ev["scope"] == "products whose top supplier is CHN"
    assert (ev["n_products"], ev["n_critical"]) == (2, 1)
    assert ev["critical_products"] == ["280530"] and ev["products_without_world_data"] == 1
    # EU27 through its member DEU: P6 only, not critical -> 1
    assert supplier_substitutability(RECORDS, "EU27", members=["DEU", "FRA"])[0] == 1.0
    # USA is the top supplier of nothing: every trade product with world data,
    # 1 - (60 + 50) / (60 + 15 + 50 + 30) = 45 / 155
    v, ev = supplier_substitutability(RECORDS, "USA")
    assert v == pytest.approx(45 / 155) and ev["scope"].startswith("all products")
    # technology: P5 alone, critical -> 0
    assert supplier_substitutability(RECORDS, "CHN", "technology")[0] == 0.0
    # no product of the domain: the screen says nothing (None, with the reason)
    v, ev = supplier_substitutability(RECORDS, "CHN", "energy")
    assert v is None and "no energy product" in ev["note"]


def _flows(tmp_path, rows: str):
    p = tmp_path / "flows.csv"
    p.write_text(HEAD + rows, encoding="utf-8")
    return read_flows([p])


TRADE = ("2021,MNG,CHN,trade,trade.goods.turnover,,6,USD bn,test:c\n"
         "2021,MNG,RUS,trade,trade.goods.turnover,,3,USD bn,test:c\n"
         "2021,MNG,WLD,trade,trade.goods.turnover,,10,USD bn,test:c\n")


def test_trade_substitutability_from_the_screen_decides_the_rule(tmp_path):
    doc = tmp_path / "d.toml"
    doc.write_text(DOCTRINE, encoding="utf-8")
    doctrine = load_doctrine(doc)
    flows = _flows(tmp_path, TRADE)
    # without a screen: one viable alternative (RUS 0.3) -> 1/2, labelled as the fallback;
    # CHN 0.6 >= 0.5 but 0.5 > 0.3: min(0.8 - 0.6, max(0.5 - 0.6, 0.5 - 0.3)) = +0.2
    a = assess(flows, doctrine=doctrine, engagement=False)
    d = a.domains["trade"]
    assert d.substitutability == pytest.approx(0.5)
    assert d.substitutability_evidence["method"] == "viable alternative partners"
    assert "fallback" in d.substitutability_evidence["note"]
    r = next(x for x in a.rules if x.name == "no_critical_dependency:trade")
    assert r.passed and r.margin == pytest.approx(0.2)
    # with the screen: CHN's goods 0.2 substitutable (above), <= 0.3 -> critical;
    # min(0.2, max(-0.1, 0.2 - 0.3)) = -0.1
    a = assess(flows, doctrine=doctrine, engagement=False, products=RECORDS)
    d = a.domains["trade"]
    assert d.substitutability == pytest.approx(0.2) and d.substitutability_basis == "data"
    assert d.substitutability_evidence["method"].startswith("product screen")
    r = next(x for x in a.rules if x.name == "no_critical_dependency:trade")
    assert not r.passed and r.margin == pytest.approx(-0.1)
    assert r.value["substitutability_basis"] == "data"
    # a new assessment from it keeps the screen (with_flows recomputes the same way)
    again = a.with_flows(flows)
    assert again.domains["trade"].substitutability == pytest.approx(0.2)


# ---------------------------------------------------------------- a warehouse, end to end

def _baci_rows():
    """KAZ (398) imports 280530 from CHN 90 and RUS 10 (world exports of it: CHN 90, RUS 10,
    HHI 0.82; import HHI 0.82; KAZ exports none: critical in 2020 and 2021) and 390110 from CHN
    30 (world exporters CHN, DEU, USA 30 each: HHI 1/3 <= 0.4, not critical)."""
    rows = {}
    for y in (2020, 2021):
        rows[y] = [(y, 156, 398, 280530, 90.0, 1.0), (y, 643, 398, 280530, 10.0, 1.0),
                   (y, 156, 398, 390110, 30.0, 1.0), (y, 276, 643, 390110, 30.0, 1.0),
                   (y, 842, 643, 390110, 30.0, 1.0)]
    return rows


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    import duckdb
    from sources.layouts import write_baci

    from equipoise.warehouse import ingest

    tmp = tmp_path_factory.mktemp("wh")
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


def test_context_reads_the_screen_of_the_focal_state(warehouse):
    from equipoise.context import product_screen_source

    recs = product_screen_source(warehouse, "KAZ")
    by = recs.set_index("product")
    assert bool(by.at["280530", "critical"]) and not bool(by.at["390110", "critical"])
    assert set(by["top_supplier"]) == {"CHN"}
    assert "product screen 2021" in recs.attrs["source"]
    # a state without product rows: None (the fallback, labelled)
    assert product_screen_source(warehouse, "MNG") is None


def test_assess_and_explain_db_read_trade_substitutability_from_the_screen(warehouse):
    # CHN is the top supplier of both products: 1 - 100 / (100 + 30) = 3/13 = 0.2308 <= 0.3
    # and CHN 0.6 >= 0.5: critical; margin min(0.8 - 0.6, max(-0.1, 3/13 - 0.3)) = -0.0692
    res = runner.invoke(app, ["assess", "--db", str(warehouse), "--focal", "KAZ", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    t = out["domains"]["trade"]
    assert t["substitutability"] == pytest.approx(3 / 13)
    assert t["substitutability_basis"] == "data"
    ev = t["substitutability_evidence"]
    assert ev["method"].startswith("product screen") and ev["partner"] == "CHN"
    assert ev["year"] == 2021 and ev["critical_products"] == ["280530"]
    rule = next(r for r in out["doctrine"]["check"]["rules"]
                if r["name"] == "no_critical_dependency:trade")
    assert rule["status"] == "fail"
    assert rule["margin"] == pytest.approx(min(0.2, max(-0.1, 3 / 13 - 0.3)))
    res = runner.invoke(app, ["explain", "--db", str(warehouse), "--focal", "KAZ",
                              "--domain", "trade", "--json"])
    assert res.exit_code == 0, res.output
    ex = json.loads(res.stdout)
    assert ex["substitutability_basis"] == "data"
    assert ex["substitutability"] == pytest.approx(3 / 13)
    res = runner.invoke(app, ["explain", "--db", str(warehouse), "--focal", "KAZ",
                              "--domain", "trade"])
    assert res.exit_code == 0 and "Substitutability 0.231 (data: measured)" in res.stdout
    assert "Traceback" not in res.output


# ---------------------------------------------------------------- energy from the graph

def test_energy_is_a_graph_domain_min_over_its_export_systems():
    assert "energy" in GRAPH_DOMAINS
    # two energy systems: oil SRC -> A (RUS) 8 -> M, SRC -> B (AZE) 2 -> M: without RUS 2/10;
    # gas G -> C (RUS) 3 -> M, G -> D (CHN) 1 -> M: without RUS 1/4; the least: 0.2
    nodes = pd.DataFrame({"id": ["SRC", "G", "A", "B", "C", "D", "M"],
                          "country": ["KAZ", "KAZ", "RUS", "AZE", "RUS", "CHN", "DEU"],
                          "kind": ["source", "source", "pipe", "pipe", "pipe", "pipe", "sink"]})
    edges = pd.DataFrame({"source": ["SRC", "A", "SRC", "B", "G", "C", "G", "D"],
                          "target": ["A", "M", "B", "M", "C", "M", "D", "M"],
                          "capacity": [8, 8, 2, 2, 3, 3, 1, 1], "mode": ["pipeline"] * 8})
    systems = pd.DataFrame({"system": ["oil", "gas"], "domain": ["energy", "energy"],
                            "source": ["SRC", "G"], "sinks": ["M", "M"]})
    g = CorridorGraph.from_tables(nodes, edges, name="test graph")
    v, ev = graph_substitutability(g, systems, "energy", "RUS")
    assert v == pytest.approx(0.2)
    assert ev["alternative_capacity"] == pytest.approx({"oil": 0.2, "gas": 0.25})
    # CHN has a node only in gas: 3 of 4 without it
    assert graph_substitutability(g, systems, "energy", "CHN")[0] == pytest.approx(0.75)


def test_kaz_energy_substitutability_from_the_shipped_export_systems():
    # shipped graph: gas KZ_GAS -> GAS_MARKETS 105 bcm/yr (Beineu-Aleksandrov Gay 90 + Beineu-
    # Bozoi-Shymkent 15); without Russia's nodes 15 of 105. Oil: 3.8 of 85.476 mt/yr. Least: oil
    from equipoise.risk.corridors import load_corridors, load_systems

    v, ev = measured_for(load_corridors(focal="KAZ"), load_systems("KAZ"))("energy", "RUS")
    assert ev["alternative_capacity"]["gas_export"] == pytest.approx(15 / 105)
    assert ev["alternative_capacity"]["oil_export"] == pytest.approx(3.8 / 85.476, abs=1e-6)
    assert v == pytest.approx(3.8 / 85.476, abs=1e-6)
    # in check --year 2022 the energy rule (RUS 0.9375 of crude routes) reads it: margin
    # min(0.8 - 0.9375, max(0.5 - 0.9375, 0.0445 - 0.3)) = -0.2555
    a = assess(year=2022, engagement=False)
    e = a.domains["energy"]
    assert e.substitutability_basis == "data" and e.substitutability == pytest.approx(v)
    r = next(x for x in a.rules if x.name == "no_critical_dependency:energy")
    assert r.status == "fail"
    assert r.margin == pytest.approx(min(0.8 - 0.9375, max(0.5 - 0.9375, v - 0.3)))
    assert not math.isnan(r.margin)


def test_default_basis_shown_in_explain_text():
    # security has no data measure: the documented default, said so
    res = runner.invoke(app, ["explain", "--domain", "security"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "Substitutability 0.200 (default: the documented fallback)" in text
