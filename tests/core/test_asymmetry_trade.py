"""Two-way dependence of goods trade (issue 13 point 7 leftovers): a ratio is taken within one
year, from the latest year both sides share (the focal side may come from a fallback
indicator), never across years; a pole side from another year alone leaves the ratio unknown.
Every expected number is worked out by hand in a comment."""

from __future__ import annotations

import pandas as pd
import pytest

from equipoise.io.flows import read_flows
from equipoise.measures.asymmetry import FOCAL_SIDE, asymmetry, table, table_frame

HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source\n"
IMP, FIMP = "trade.goods.import", "asymmetry.goods.focal_import"
PEXP = "asymmetry.goods.export"

ROWS = [
    # the focal state's imports (national statistics), 2023: CHN 30, RUS 40, USA 5 of 100
    (2023, "MNG", "CHN", "trade", IMP, "", 30, "USD bn", "nat"),
    (2023, "MNG", "RUS", "trade", IMP, "", 40, "USD bn", "nat"),
    (2023, "MNG", "USA", "trade", IMP, "", 5, "USD bn", "nat"),
    (2023, "MNG", "WLD", "trade", IMP, "", 100, "USD bn", "nat"),
    # China's exports, 2023: 0.6 % go to the focal state
    (2023, "CHN", "MNG", "trade", PEXP, "", 0.6, "%", "cn"),
    (2023, "CHN", "WLD", "trade", PEXP, "", 100, "%", "cn"),
    # Russia's side only for 2014 (2 % of its exports), and the focal side of 2014 from the
    # fallback indicator: 20 of 80 USD mn of the focal state's imports came from Russia
    (2014, "RUS", "MNG", "trade", PEXP, "", 2, "%", "dy"),
    (2014, "RUS", "WLD", "trade", PEXP, "", 100, "%", "dy"),
    (2014, "MNG", "RUS", "trade", FIMP, "", 20, "USD mn", "dy"),
    (2014, "MNG", "WLD", "trade", FIMP, "", 80, "USD mn", "dy"),
    # the USA's side only for 2014, with no focal-side figure of 2014
    (2014, "USA", "MNG", "trade", PEXP, "", 1, "%", "dy"),
    (2014, "USA", "WLD", "trade", PEXP, "", 100, "%", "dy"),
]


@pytest.fixture
def res(tmp_path):
    p = tmp_path / "flows.csv"
    p.write_text(HEADER + "\n".join(",".join(map(str, r)) for r in ROWS) + "\n",
                 encoding="utf-8")
    return asymmetry(read_flows(p).data, "MNG", ["CHN", "RUS", "USA", "EU27"])


def _goods(res, pole):
    (r,) = [r for r in res["rows"] if r["pole"] == pole and r["flow"].startswith("goods")]
    return r


def test_same_year_ratio_by_hand(res):
    r = _goods(res, "CHN")
    assert r["pole_share_in_focal"] == pytest.approx(0.3)      # 30 / 100
    assert r["focal_share_in_pole"] == pytest.approx(0.006)    # 0.6 % / 100 %
    assert r["ratio"] == pytest.approx(50.0)                   # 0.3 / 0.006
    assert r["ratio_year"] == r["pole_share_year"] == r["focal_share_year"] == 2023
    assert r["focal_indicator"] == IMP and r["note"] is None
    assert r["sources"] == ["cn", "nat"]


def test_latest_common_year_from_the_fallback_indicator(res):
    r = _goods(res, "RUS")
    # latest focal side 40/100 (2023) has no pole side of 2023: both sides of 2014 are used
    assert r["pole_share_in_focal"] == pytest.approx(0.25)     # 20 / 80
    assert r["focal_share_in_pole"] == pytest.approx(0.02)     # 2 %
    assert r["ratio"] == pytest.approx(12.5)                   # 0.25 / 0.02
    assert r["ratio_year"] == r["pole_share_year"] == r["focal_share_year"] == 2014
    assert r["focal_indicator"] == FIMP
    assert "both sides in 2014" in r["note"] and "40.0% (2023)" in r["note"]
    assert r["sources"] == ["dy"]


def test_no_ratio_across_years(res):
    r = _goods(res, "USA")
    # focal side 5/100 in 2023, pole side 1 % in 2014, no year with both: no ratio
    assert r["pole_share_in_focal"] == pytest.approx(0.05)
    assert r["focal_share_in_pole"] == pytest.approx(0.01)
    assert r["ratio"] is None and r["ratio_year"] is None
    assert any("no ratio across years" in u for u in r["unknown"])
    assert "no year in common" in r["note"]


def test_a_pole_with_one_side_only_is_unknown_not_zero(res):
    # the EU27 has no row on either side: not listed (never a 0)
    assert not [r for r in res["rows"] if r["pole"] == "EU27"]
    # focal-side indicators are never shown as flows of their own
    assert FIMP in FOCAL_SIDE
    assert not [r for r in res["rows"] if r["pole_indicator"] in FOCAL_SIDE]
    assert res["counts"]["ratio_known"] == 2


def test_flat_table_keeps_unknown_as_none(res):
    flat = {r["pole"]: r for r in table(res["rows"]) if r["flow"].startswith("goods")}
    assert flat["USA"]["ratio"] is None and "no ratio across years" in flat["USA"]["unknown"]
    assert flat["CHN"]["sources"] == "cn; nat"
    df = table_frame(res["rows"])
    assert str(df["ratio_year"].dtype) == "Int64"
    usa = df[(df["pole"] == "USA") & df["flow"].str.startswith("goods")].iloc[0]
    assert pd.isna(usa["ratio_year"]) and usa["focal_share_year"] == 2014


@pytest.mark.slow
def test_kaz_default_goods_rows_both_directions():
    from equipoise.assessment import assess

    rows = assess().to_dict()["asymmetry"]["rows"]
    goods = {(r["pole"], r["flow"].split(" (")[1]): r for r in rows if r["flow"].startswith("goods")}
    eu = goods[("EU27", "focal imports / pole exports)")]
    assert eu["ratio_year"] == 2023
    assert eu["sources"] == ["BNS:trade-by-partner", "EUROSTAT:comext-eu27-exports"]
    assert eu["focal_share_in_pole"] == pytest.approx(0.00482982)
    for pole in ("CHN", "RUS", "USA"):
        for flow in ("focal imports / pole exports)", "focal exports / pole imports)"):
            r = goods[(pole, flow)]
            assert r["ratio_year"] == 2014 and r["sources"] == ["COW:trade-v4"]
            assert r["ratio"] > 1  # KAZ depends on each pole more than the pole on it
    # the EU's imports from KAZ: no source (Eurostat's file holds exports only): unknown
    eu_x = goods[("EU27", "focal exports / pole imports)")]
    assert eu_x["focal_share_in_pole"] is None and eu_x["ratio"] is None
