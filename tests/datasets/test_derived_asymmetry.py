"""The asymmetry rows of scripts/derive_kazakhstan.py ((g), (h)) from tiny files written here in
the shared layout, every expected number worked out by hand; and the shipped rows against the
raw files where ../shared/data is present."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest
from conftest import shared_path

from ._facts import DATASET, SCRIPT


@pytest.fixture(scope="module")
def derive():
    spec = importlib.util.spec_from_file_location("derive_kazakhstan", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _gz(df: pd.DataFrame, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, compression="gzip")


@pytest.fixture
def tiny(tmp_path):
    # EU-27 exports 2023: KAZ 5, USA 45 (outside the EU), DEU 100 (a member: left out), and an
    # aggregate row (left out): KAZ's share = 5 / (5 + 45) = 10 %
    _gz(pd.DataFrame({
        "reporter": "EU27_2020", "year": 2023,
        "partner_label": ["Kazakhstan", "United States", "Germany", "Extra-EU27 (from 2020)"],
        "partner_iso3": ["KAZ", "USA", "DEU", None],
        "is_aggregate": [False, False, False, True],
        "exports_eur": [5, 45, 100, 60], "source_file": "x"}),
        tmp_path / "eurostat-eu-exports" / "eu27_exports_by_partner_annual_2010_2023.csv.gz")
    # COW 2014: KAZ (705) imports 20 from CHN (710), CHN imports 10 from KAZ; national totals
    # KAZ imports 50 / exports 80, CHN imports 1000 / exports 4000; RUS and USA absent
    _gz(pd.DataFrame({"ccode1": [705], "ccode2": [710], "year": [2014], "flow1": [20.0],
                      "flow2": [10.0], "smoothflow1": [20.0], "smoothflow2": [10.0]}),
        tmp_path / "cow-atop-peacesciencer" / "cow_trade_ndy.csv.gz")
    _gz(pd.DataFrame({"ccode": [705, 710], "year": [2014, 2014], "imports": [50.0, 1000.0],
                      "exports": [80.0, 4000.0]}),
        tmp_path / "cow-atop-peacesciencer" / "cow_trade_sy.csv.gz")
    return tmp_path


def _val(rows, reporter, partner, indicator, year):
    (r,) = [r for r in rows if (r["reporter"], r["partner"], r["indicator"], r["year"])
            == (reporter, partner, indicator, year)]
    return float(r["value"]), r["source"]


def test_eu_share_by_hand(derive, tiny):
    rows = derive.eurostat_eu_share(tiny)
    assert _val(rows, "EU27", "KAZ", "asymmetry.goods.export", 2023) == (
        10.0, "EUROSTAT:comext-eu27-exports")
    assert _val(rows, "EU27", "WLD", "asymmetry.goods.export", 2023)[0] == 100.0
    assert len(rows) == 2  # exports only: no EU import row (unknown, not 0)


def test_cow_both_sides_by_hand(derive, tiny):
    rows = derive.cow_trade_shares(tiny)
    assert _val(rows, "CHN", "KAZ", "asymmetry.goods.import", 2014) == (1.0, "COW:trade-v4")
    assert _val(rows, "CHN", "KAZ", "asymmetry.goods.export", 2014)[0] == 0.5   # 20 / 4000
    assert _val(rows, "KAZ", "CHN", "asymmetry.goods.focal_import", 2014)[0] == 20.0
    assert _val(rows, "KAZ", "WLD", "asymmetry.goods.focal_import", 2014)[0] == 50.0
    assert _val(rows, "KAZ", "CHN", "asymmetry.goods.focal_export", 2014)[0] == 10.0
    assert _val(rows, "KAZ", "WLD", "asymmetry.goods.focal_export", 2014)[0] == 80.0
    # no dyad and no national total for RUS and USA: no row at all (unknown, not 0)
    assert not [r for r in rows if "RUS" in (r["reporter"], r["partner"])
                or "USA" in (r["reporter"], r["partner"])]


def test_ratio_from_the_derived_rows_by_hand(derive, tiny, tmp_path):
    from equipoise.io.flows import read_flows
    from equipoise.measures.asymmetry import asymmetry

    out = tmp_path / "derived.csv"
    derive.write_csv(derive._sorted(derive.cow_trade_shares(tiny)), out)
    res = asymmetry(read_flows(out).data, "KAZ", ["CHN"])
    by_flow = {r["flow"]: r for r in res["rows"]}
    imp = by_flow["goods (focal imports / pole exports)"]
    # CHN's share of KAZ's imports 20/50 = 0.4; KAZ's share of CHN's exports 0.5 % -> 80
    assert imp["ratio"] == pytest.approx(0.4 / 0.005) and imp["ratio_year"] == 2014
    exp = by_flow["goods (focal exports / pole imports)"]
    # CHN's share of KAZ's exports 10/80 = 0.125; KAZ's share of CHN's imports 1 % -> 12.5
    assert exp["ratio"] == pytest.approx(12.5)


def test_shipped_rows_match_the_raw_files():
    ndy = pd.read_csv(shared_path("cow-atop-peacesciencer", "cow_trade_ndy.csv.gz"))
    sy = pd.read_csv(shared_path("cow-atop-peacesciencer", "cow_trade_sy.csv.gz"))
    chn_from_kaz = ndy[(ndy["ccode1"] == 705) & (ndy["ccode2"] == 710)
                       & (ndy["year"] == 2014)]["flow2"].iat[0]
    chn_imports = sy[(sy["ccode"] == 710) & (sy["year"] == 2014)]["imports"].iat[0]
    d = pd.read_csv(DATASET / "derived.csv")
    row = d[(d["reporter"] == "CHN") & (d["partner"] == "KAZ")
            & (d["indicator"] == "asymmetry.goods.import") & (d["year"] == 2014)]
    assert row["value"].iat[0] == pytest.approx(100 * chn_from_kaz / chn_imports, abs=1e-6)
    eu = d[(d["reporter"] == "EU27") & (d["indicator"] == "asymmetry.goods.export")
           & (d["partner"] == "KAZ")]
    assert eu["year"].agg(["min", "max"]).tolist() == [2010, 2023]
    assert set(eu["source"]) == {"EUROSTAT:comext-eu27-exports"}
    # the asymmetry rows follow every other row, so no earlier line moved
    first = d.index[d["indicator"].str.startswith("asymmetry.")].min()
    assert not d.loc[first:, "indicator"].str.startswith("asymmetry.").eq(False).any()
