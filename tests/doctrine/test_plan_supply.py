"""The plan's capacities from the newest data (issue 13 point 6, plan part): product-level trade
in a warehouse (the partner's world exports of the goods the focal state imports,
import-weighted), energy from the bp Statistical Review (net exports, or the buyers' net imports
where the focal state's energy flows are its exports), the evidence behind every cap (source,
year, value, basis) in the binding rows' words and in ``plan --json``, and no growth without
measured capacity. Every expected number is worked out by hand in the comments."""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from equipoise import context, reference, warehouse
from equipoise.assessment import plan
from equipoise.doctrine.plan.capacity import (
    Evidence,
    Supply,
    capacity_table,
    evidence_of,
    headroom,
)
from equipoise.doctrine.plan.constraints import explain
from equipoise.doctrine.rules import PlanRow
from equipoise.errors import EquipoiseWarning
from equipoise.measures.supply import MIN_IMPORTERS, basket_supply

TP = ["year", "exporter", "importer", "product", "value"]


# --------------------------------------------------------------- the product-weighted share

def _basket_rows():
    """KAZ imports A 100 (CHN 60, RUS 40) and B 10 (DEU 10): weights 10/11 and 1/11. World A =
    60 + 40 + CHN->USA 100 + DEU->USA 100 + KAZ->CHN 0.5 = 300.5; world B = 10 + USA->FRA 90
    = 100."""
    return pd.DataFrame([(2022, "CHN", "KAZ", "A", 60.0), (2022, "RUS", "KAZ", "A", 40.0),
                         (2022, "CHN", "USA", "A", 100.0), (2022, "DEU", "USA", "A", 100.0),
                         (2022, "DEU", "KAZ", "B", 10.0), (2022, "USA", "FRA", "B", 90.0),
                         (2022, "KAZ", "CHN", "A", 0.5)], columns=TP)


def test_basket_supply_by_hand():
    r = basket_supply(_basket_rows(), "KAZ", min_importers=3)
    got = r.frame.set_index("partner")
    # CHN: 10/11 * 160/300.5; DEU: 10/11 * 100/300.5 + 1/11 * 10/100; RUS: 10/11 * 40/300.5;
    # USA: 1/11 * 90/100
    assert got.loc["CHN", "share"] == pytest.approx(10 / 11 * 160 / 300.5)
    assert got.loc["DEU", "share"] == pytest.approx(10 / 11 * 100 / 300.5 + 1 / 11 * 0.1)
    assert got.loc["RUS", "share"] == pytest.approx(10 / 11 * 40 / 300.5)
    assert got.loc["USA", "share"] == pytest.approx(1 / 11 * 0.9)
    assert got.loc["CHN", "value"] == 160.0 and got.loc["DEU", "value"] == 110.0
    assert "KAZ" not in got.index                    # the focal state is not a partner
    assert r.years == {2022: {"source": "rows", "products": 2, "importers": 3,
                              "imports": 110.0}}


def test_basket_supply_refuses_a_table_that_is_not_a_world_table():
    # importers besides KAZ's own export destinations: KAZ, USA, FRA = 3
    r = basket_supply(_basket_rows(), "KAZ", min_importers=4)
    assert r.frame.empty and not r.years
    assert r.notes == ("2022: 3 importer(s) besides KAZ's export destinations in source rows, "
                       "fewer than 4: not a world table",)
    # a Comtrade extract of KAZ's own declarations: one importer (KAZ), whatever it exports
    own = pd.DataFrame([(2022, "CHN", "KAZ", "A", 5.0)] + [
        (2022, "KAZ", f"X{i:02d}", "A", 1.0) for i in range(30)], columns=TP)
    assert not basket_supply(own, "KAZ").years


def test_basket_supply_one_source_per_year():
    rows = _basket_rows()
    two = pd.concat([rows.assign(source="baci"),
                     rows.iloc[[0, 1, 4]].assign(source="comtrade")], ignore_index=True)
    r = basket_supply(two, "KAZ", min_importers=1)
    assert r.years[2022]["source"] == "baci"          # 3 importers against 1
    only = basket_supply(two, "KAZ", min_importers=1, source="comtrade")
    # comtrade: A from CHN 60 and RUS 40, B from DEU 10 (KAZ is the only importer)
    assert only.frame.set_index("partner")["share"].to_dict() == pytest.approx(
        {"CHN": 10 / 11 * 0.6, "RUS": 10 / 11 * 0.4, "DEU": 1 / 11})


@given(st.lists(st.tuples(st.sampled_from(["KAZ", "CHN", "RUS", "DEU", "USA"]),
                          st.sampled_from(["KAZ", "CHN", "USA", "FRA"]),
                          st.sampled_from(["A", "B", "C"]),
                          st.floats(0.01, 1e6, allow_nan=False)), min_size=1, max_size=25))
def test_basket_shares_add_up_to_one(rows):
    """The shares of all exporters (the focal state's own exports included) add up to one
    whenever the focal state imports something; each lies in [0, 1]."""
    df = pd.DataFrame([(2022, e, i, k, v) for e, i, k, v in rows if e != i], columns=TP)
    if df.empty or not (df["importer"] == "KAZ").any():
        return
    r = basket_supply(df, "KAZ", min_importers=1)
    own = basket_supply(df.assign(exporter=df["exporter"].replace("KAZ", "ZZZ")), "KAZ",
                        min_importers=1)
    assert own.frame["share"].sum() == pytest.approx(1.0)
    assert ((r.frame["share"] >= 0) & (r.frame["share"] <= 1 + 1e-12)).all()
    assert r.frame["share"].sum() <= 1 + 1e-9


def test_product_weighted_share_is_used_as_is():
    """A table with a ``share`` column: the latest year up to the plan's year, a group's share
    the sum of its members' (DEU 0.2 + FRA 0.1), no division by a total."""
    f = pd.DataFrame([(2021, "CHN", 5.0, 0.9), (2022, "CHN", 4.0, 0.4), (2022, "DEU", 2.0, 0.2),
                      (2022, "FRA", 1.0, 0.1), (2025, "CHN", 9.0, 0.99)],
                     columns=["year", "partner", "value", "share"])
    s = Supply("trade", f, "baci in warehouse w.duckdb", "exports", "world exports of X",
               "USD bn", window=5)
    ev = capacity_table(s, 2023, ["CHN", "EU27", "JPN"])
    assert ev["CHN"].share == pytest.approx(0.4) and ev["CHN"].value == 4.0
    assert ev["CHN"].period == "2022" and ev["CHN"].year == 2022
    assert ev["EU27"].share == pytest.approx(0.3)
    assert ev["JPN"].share == 0.0 and ev["JPN"].basis == "measured"  # a world table: none


def test_missing_is_unknown_not_zero():
    """Where a table does not list every supplier, a partner missing from it has no measured
    capacity (basis none, share unknown) and never grows."""
    f = pd.DataFrame([(2020, "CHN", 30.0), (2020, "JPN", 10.0)],
                     columns=["year", "partner", "value"])
    s = Supply("energy", f, "bp", "net imports", "all net imports", "TWh",
               absent_is_zero=False)
    ev = capacity_table(s, 2024, ["CHN", "NGA"])
    assert ev["CHN"].share == pytest.approx(0.75)
    assert ev["NGA"].basis == "none" and ev["NGA"].share is None and ev["NGA"].value is None
    assert "unknown, not zero" in ev["NGA"].text
    assert headroom(ev["NGA"], 0.125, 0.25) == 0.0


# --------------------------------------------------------------------------- energy (bp)

BP_HEADER = ["Entity", "Year", "Oil Production - TWh", "Oil Consumption - TWh",
             "Gas Production - TWh", "Gas Consumption - TWh", "Coal Production - TWh"]
#: made-up figures in the bp panel's layout: Japan produces nothing it reports (missing
#: production beside a consumption counts as none), Nigeria reports no consumption (unknown)
BP_ROWS = [
    ("Japan", 2020, "", 100, "", 50, 1),
    ("China", 2020, 200, 300, 100, 150, 1),        # oil -100, gas -50
    ("Russia", 2020, 500, 100, 600, 400, 1),       # oil +400, gas +200
    ("Norway", 2020, 100, 20, 50, 60, 1),          # oil +80, gas -10
    ("Nigeria", 2020, 90, "", 40, "", 1),          # unknown
    ("Congo", 2020, 30, 10, "", "", 1),            # COG oil +20
    ("World", 2020, 920, 530, 790, 660, 1),        # a region: left out
    ("Other Europe", 2020, 1, 1, 1, 1, 1),
]


@pytest.fixture
def bp_shared(tmp_path, monkeypatch):
    """A shared-data folder holding only a bp panel (made-up figures)."""
    d = tmp_path / "shared" / "energy-statistical-review"
    d.mkdir(parents=True)
    with (d / "bp_statistical_review_2021_panel.csv.gz").open("wb") as raw:
        import gzip

        with gzip.open(raw, "wt", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(BP_HEADER)
            w.writerows(BP_ROWS)
    monkeypatch.setenv(context.SHARED_DATA, str(tmp_path / "shared"))
    return d / "bp_statistical_review_2021_panel.csv.gz"


def test_energy_balance_by_hand(bp_shared):
    b = context.energy_balance(bp_shared).set_index("partner")
    assert sorted(b.index) == ["CHN", "COG", "JPN", "NOR", "RUS"]   # NGA: neither fuel known
    assert (b.loc["JPN", "oil"], b.loc["JPN", "gas"]) == (-100, -50)
    assert (b.loc["NOR", "oil"], b.loc["NOR", "gas"]) == (80, -10)
    assert b.loc["COG", "oil"] == 20 and pd.isna(b.loc["COG", "gas"])


def test_energy_side():
    exp = SimpleNamespace(data=pd.DataFrame({
        "reporter": ["KAZ", "KAZ", "CHN"], "domain": ["energy"] * 3,
        "indicator": ["energy.crude.export_route", "energy.gas.transit", "energy.gas.import"]}))
    imp = SimpleNamespace(data=pd.DataFrame({
        "reporter": ["ARM"], "domain": ["energy"], "indicator": ["energy.gas.import"]}))
    bal = pd.DataFrame({"year": [2020], "partner": ["KAZ"], "oil": [800.0], "gas": [150.0]})
    assert context.energy_side("KAZ", exp) == "imports"      # KAZ sells: partners buy
    assert context.energy_side("ARM", imp) == "exports"      # ARM buys: partners supply
    assert context.energy_side("KAZ", None, bal) == "imports"  # a net exporter
    assert context.energy_side("MNG", None, bal) == "exports"  # not in bp: suppliers


def test_energy_supply_for_a_buyer_and_a_seller(bp_shared):
    # KAZ's embedded energy flows are exports: partners' capacity is their net imports,
    # per fuel: JPN 100 + 50, CHN 100 + 50, NOR 10 (gas); total 310
    s = context.plan_supply_source("KAZ", flows=context.load_default("KAZ"))
    assert set(s) == {"energy"}
    ev = capacity_table(s["energy"], 2024, ["JPN", "CHN", "NOR", "RUS", "NGA", "EU27"])
    assert ev["JPN"].share == pytest.approx(150 / 310) and ev["JPN"].value == 150
    assert ev["NOR"].share == pytest.approx(10 / 310)
    assert ev["RUS"].share == 0.0 and ev["RUS"].basis == "measured"
    assert ev["NGA"].basis == "none" and ev["EU27"].basis == "none"   # no member with data
    assert ev["JPN"].text.startswith("JPN net oil and gas imports 48.4% of all countries' net "
                                     "oil and gas imports 2018-20 (bp Statistical Review 2021)")
    assert "a buyer's" in s["energy"].note
    # a focal state whose energy flows are imports: partners supply; per fuel: RUS 400 + 200,
    # NOR 80, COG 20; total 700
    arm = SimpleNamespace(data=pd.DataFrame({"reporter": ["ARM"], "domain": ["energy"],
                                             "indicator": ["energy.gas.import"]}))
    ev = capacity_table(context.plan_supply_source("ARM", flows=arm)["energy"], 2024,
                        ["RUS", "NOR", "COG", "JPN"])
    assert ev["RUS"].share == pytest.approx(600 / 700)
    assert ev["COG"].share == pytest.approx(20 / 700) and ev["JPN"].share == 0.0


# ------------------------------------------------------------------ a warehouse with BACI

def _m49(iso3: str) -> int:
    c = reference.load("countries").set_index("iso3")
    return int(c.loc[iso3, "m49"])


OTHERS = ["UZB", "KGZ", "AZE", "GEO", "ARM", "MNG", "VNM", "THA", "MYS", "IDN", "BRA", "ARG",
          "MEX", "CAN", "AUS", "EGY", "ZAF", "NGA", "POL", "ESP", "NLD"]


def write_world_baci(folder: Path, year: int = 2022) -> Path:
    """A BACI folder with a world table: KAZ imports 850110 from CHN 60 and RUS 40, 880240
    from USA 100 (weights 1/2 each); each of 21 other importers buys 850110 from CHN 10 and
    DEU 10, 880240 from USA 5 and FRA 5. World 850110 = 100 + 21*20 = 520 (CHN 270, DEU 210,
    RUS 40); 880240 = 100 + 21*10 = 310 (USA 205, FRA 105)."""
    folder.mkdir(parents=True, exist_ok=True)
    code = {"KAZ": 398, "CHN": 156, "RUS": 643, "USA": 842, "DEU": 276, "FRA": 251,
            **{c: _m49(c) for c in OTHERS}}
    rows = [(code["CHN"], code["KAZ"], 850110, 60.0), (code["RUS"], code["KAZ"], 850110, 40.0),
            (code["USA"], code["KAZ"], 880240, 100.0)]
    for c in OTHERS:
        rows += [(code["CHN"], code[c], 850110, 10.0), (code["DEU"], code[c], 850110, 10.0),
                 (code["USA"], code[c], 880240, 5.0), (code["FRA"], code[c], 880240, 5.0)]
    with (folder / f"BACI_HS17_Y{year}_V202401b.csv").open("w", newline="") as fh:
        fh.write("t,i,j,k,v,q\n")
        for i, j, k, v in rows:
            fh.write(f"{year},{i},{j},{k},{v:.3f},1.000\n")
    with (folder / "country_codes_V202401b.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["country_code", "country_name", "country_iso2", "country_iso3"])
        for iso, n in code.items():
            w.writerow([n, iso, iso[:2], iso])
    with (folder / "product_codes_HS17_V202401b.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(["code", "description"])
        w.writerows([("850110", "Electric motors"), ("880240", "Aeroplanes")])
    return folder


@pytest.fixture(scope="module")
def world_db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("plan_supply")
    db = tmp / "w.duckdb"
    warehouse.ingest("baci", write_world_baci(tmp / "baci"), db=db)
    return db


WANT = {"CHN": 0.5 * 270 / 520, "DEU": 0.5 * 210 / 520, "RUS": 0.5 * 40 / 520,
        "USA": 0.5 * 205 / 310, "FRA": 0.5 * 105 / 310}


def test_warehouse_trade_supply(world_db, monkeypatch, tmp_path):
    monkeypatch.setenv(context.SHARED_DATA, str(tmp_path / "missing"))
    s = context.plan_supply_source("KAZ", db=world_db)
    assert set(s) == {"trade"}
    t = s["trade"]
    assert t.source == "baci in warehouse w.duckdb" and t.unit == "USD bn"
    ev = capacity_table(t, 2024, ["CHN", "DEU", "RUS", "USA", "EU27", "JPN"])
    for p, want in WANT.items():
        if p in ev:
            assert ev[p].share == pytest.approx(want), p
    assert ev["EU27"].share == pytest.approx(WANT["DEU"] + WANT["FRA"])
    assert ev["JPN"].share == 0.0                  # a world table: JPN exported none of them
    # CHN: 270 thousand USD = 0.00027 USD bn
    assert ev["CHN"].value == pytest.approx(270 / 1e6) and ev["CHN"].year == 2022
    assert ev["CHN"].text.startswith(
        "CHN exports 26.0% of world exports of the 2 products KAZ imports (weighted by KAZ's "
        "imports; 22 importers) 2022 (baci in warehouse w.duckdb)")


def test_warehouse_without_a_world_table_falls_back(tmp_path, monkeypatch):
    """A warehouse holding only KAZ's own imports is no world table: without shared data the
    plan is told so (a warning) and trade has no supply table."""
    from sources.layouts import write_baci

    db = tmp_path / "own.duckdb"
    warehouse.ingest("baci", write_baci(tmp_path / "b"), db=db)
    monkeypatch.setenv(context.SHARED_DATA, str(tmp_path / "missing"))
    # newest year first; 2021 has KAZ and CHE (IND -> CHE) as importers
    with pytest.warns(EquipoiseWarning, match=r"warehouse own.duckdb has no world table of "
                      r"KAZ's imports \(2021: 2 importer\(s\) .*; 2020: 1 importer\(s\)"):
        assert context.plan_supply_source("KAZ", db=db) == {}
    assert MIN_IMPORTERS == 20


@pytest.mark.shared_data
def test_warehouse_without_a_world_table_notes_the_cow_fallback(tmp_path, shared_data):
    from sources.layouts import write_baci

    db = tmp_path / "own.duckdb"
    warehouse.ingest("baci", write_baci(tmp_path / "b"), db=db)
    t = context.plan_supply_source("KAZ", db=db)["trade"]
    assert t.source == "COW National Trade v4.0"
    assert t.note.startswith("warehouse own.duckdb has no world table of KAZ's imports")
    assert t.note.endswith("trade capacity from COW National Trade v4.0")


# ------------------------------------------------------------- the plan and its evidence

def test_binding_capacity_row_quotes_its_evidence():
    s = Supply("security", pd.DataFrame([(2023, "USA", 60.0), (2023, "ESP", 40.0)],
                                        columns=["year", "partner", "value"]),
               "SIPRI", "arms exports", "world TIV", "TIV mn", window=5)
    ev = capacity_table(s, 2023, ["USA"])
    row = PlanRow("capacity:security:USA", "capacity:security", "capacity", "security",
                  {0: 1.0}, 0.2)
    text = explain(row, 0.0, -0.5, evidence={"security": ev})
    assert text == ("USA cannot absorb more of security: 0.01 more capacity for USA would "
                    "lower the CVaR by about 0.00500. Capacity evidence (basis measured; "
                    "SIPRI, 2019-23; value 60 TIV mn): USA arms exports 60.0% of world TIV "
                    "2019-23 (SIPRI).")
    assert explain(row, 0.0, -0.5).endswith("about 0.00500.")   # without evidence
    big = Evidence("energy", "EU27", "measured", 0.27, 27821.1, "TWh", "2018-20", "bp", "t",
                   2020)
    erow = PlanRow("capacity:energy:EU27", "capacity:energy", "capacity", "energy", {0: 1.0}, 0.2)
    assert "(basis measured; bp, 2018-20; value 27,821 TWh): t." in explain(
        erow, 0.0, -0.1, evidence={"energy": {"EU27": big}})
    pres = evidence_of("society", {"TUR": 0.038, "OTH": 0.1}, 2023, None, True)
    trow = PlanRow("capacity:society:TUR", "capacity:society", "capacity", "society", {0: 1.0},
                   0.2)
    assert "(basis present; flows, 2023; value a 3.8% share): TUR already holds 3.8% of " \
           "society" in explain(trow, 0.0, -0.1, evidence={"society": pres})


def test_plan_with_warehouse_trade(world_db, kaz_flows, monkeypatch, tmp_path):
    monkeypatch.setenv(context.SHARED_DATA, str(tmp_path / "missing"))
    p = plan(kaz_flows, domains=["trade"], n_scenarios=300,
             supply=context.plan_supply_source("KAZ", db=world_db))
    t = p.shifts.set_index("partner")
    B = p.request.budget
    # cap = x0 + min(B/2, B * c)
    for q, c in (("CHN", WANT["CHN"]), ("USA", WANT["USA"]),
                 ("EU27", WANT["DEU"] + WANT["FRA"])):
        assert t.loc[q, "capacity"] == pytest.approx(min(1, t.loc[q, "current"]
                                                         + min(B / 2, B * c))), q
    no = t[(t.index != "OTH") & ~t.index.isin(["CHN", "USA", "RUS", "EU27", "DEU", "FRA"])]
    assert len(no) and (no["target"] <= no["current"] + 1e-9).all()
    caps = [c for c in p.binding if c.kind == "capacity" and not c.name.endswith(":OTH")]
    assert caps and all("Capacity evidence (basis measured; baci in warehouse w.duckdb, 2022"
                        in c.explanation for c in caps)
    assert any("product-level trade from warehouse w.duckdb" in n for n in p.capacity_notes)


def _no_growth_without_measured_capacity(d: dict) -> None:
    for s in d["targets"]:
        if s["shift"] > 5e-4:
            ev = d["capacity_evidence"][s["domain"]][s["partner"]]
            assert ev["basis"] in ("measured", "present"), s
            if ev["basis"] == "measured":
                assert ev["share"] > 0, s
            assert s["target"] <= s["capacity"] + 1e-7, s
        if s["capacity_basis"] == "none":
            assert s["target"] <= s["current"] + 1e-9, s


def test_cli_plan_db_without_shared_data(world_db, monkeypatch, tmp_path):
    """`plan --json --db`: the trade evidence comes from the warehouse, energy from presence
    (no shared data here)."""
    from typer.testing import CliRunner

    from equipoise._cli.main import app

    monkeypatch.setenv(context.SHARED_DATA, str(tmp_path / "missing"))
    r = CliRunner().invoke(app, ["plan", "--json", "--scenarios", "200", "--db", str(world_db),
                                 "--domains", "trade,energy"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    chn = d["capacity_evidence"]["trade"]["CHN"]
    assert chn["basis"] == "measured" and chn["source"] == "baci in warehouse w.duckdb"
    assert chn["year"] == 2022 and chn["share"] == pytest.approx(WANT["CHN"])
    assert d["capacity_evidence"]["energy"]["RUS"]["basis"] == "present"
    _no_growth_without_measured_capacity(d)


@pytest.mark.shared_data
def test_cli_plan_json_energy_and_trade_evidence(world_db, shared_data):
    """`plan --json --db` on the embedded default with the shared data: an energy partner's
    evidence from bp (KAZ sells, so EU27's net imports), a trade partner's from the warehouse;
    no partner without measured capacity grows in any domain."""
    from typer.testing import CliRunner

    from equipoise._cli.main import app

    with warnings.catch_warnings():
        warnings.simplefilter("error", EquipoiseWarning)
        r = CliRunner().invoke(app, ["plan", "--json", "--scenarios", "300",
                                     "--db", str(world_db)])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    eu = d["capacity_evidence"]["energy"]["EU27"]
    assert eu["basis"] == "measured" and eu["source"] == "bp Statistical Review 2021"
    assert eu["year"] == 2020 and eu["period"] == "2018-20" and eu["unit"] == "TWh"
    assert 0.15 < eu["share"] < 0.40 and eu["value"] > 0
    assert d["capacity_evidence"]["energy"]["AZE"]["share"] == 0.0   # a net exporter
    usa = d["capacity_evidence"]["trade"]["USA"]
    assert usa["source"] == "baci in warehouse w.duckdb" and usa["year"] == 2022
    assert usa["share"] == pytest.approx(WANT["USA"])
    moved = {(s["domain"], s["partner"]) for s in d["shifts"] if s["shift"] > 0}
    assert ("energy", "EU27") in moved and ("energy", "AZE") not in moved
    _no_growth_without_measured_capacity(d)


def test_assess_run_plan_takes_the_warehouse(world_db, kaz_flows, monkeypatch, tmp_path):
    """`assess --db W --plan` hands W down: the plan's trade capacity is the warehouse's."""
    from equipoise.pipeline import assess_run

    monkeypatch.setenv(context.SHARED_DATA, str(tmp_path / "missing"))
    job = assess_run(kaz_flows, plan=True, db=world_db)
    ev = job.plan.capacity_evidence["trade"]["CHN"]
    assert ev["source"] == "baci in warehouse w.duckdb"
    assert ev["share"] == pytest.approx(WANT["CHN"])


def test_newest_world_year_is_used(tmp_path, monkeypatch):
    """2023 holds only KAZ's imports (not a world table): the 2022 world table is used and the
    note says why 2023 was not; ``year`` caps the years looked at."""
    folder = write_world_baci(tmp_path / "baci", 2022)
    with (folder / "BACI_HS17_Y2023_V202401b.csv").open("w", newline="") as fh:
        fh.write("t,i,j,k,v,q\n2023,156,398,850110,99.000,1.000\n")
    db = tmp_path / "two.duckdb"
    warehouse.ingest("baci", folder, db=db)
    monkeypatch.setenv(context.SHARED_DATA, str(tmp_path / "missing"))
    t = context.plan_supply_source("KAZ", db=db)["trade"]
    assert sorted(set(t.frame["year"])) == [2022]
    assert "2023: 1 importer(s) besides KAZ's export destinations" in t.note
    with pytest.warns(EquipoiseWarning, match="no rows with KAZ as importer"):
        assert context.plan_supply_source("KAZ", db=db, year=2021) == {}
    con = warehouse.connect_duckdb(db)
    try:
        from equipoise.measures.supply import import_years

        assert import_years(con, "KAZ") == [2023, 2022]
        assert import_years(con, "KAZ", up_to=2022) == [2022]
        only = basket_supply(con, "KAZ", years=[2022])
        assert set(only.years) == {2022}
        assert only.frame.set_index("partner")["share"].to_dict() == pytest.approx(WANT)
    finally:
        con.close()
