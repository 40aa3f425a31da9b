"""The product screen and the Ibis measures, one test body per engine (DuckDB; Spark marked).

Expected values are computed by hand from the toy panel below (METHODS.md toy: shares 0.8, 0.1,
0.1 give HHI 0.66) and, for a random panel, by an independent loop implementation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from equipoise.measures.ibis_measures import (
    NO_EXPORTS_RATIO,
    Thresholds,
    hhi,
    screen_products,
    sensitivity,
    sensitivity_variants,
    shares,
)
from equipoise.measures.screen import domain_rollup, parse_thresholds, screen, sensitivity_table


def toy_panel() -> pd.DataFrame:
    rows = []
    for y in (2019, 2020, 2021):
        # KAZ imports 850110 from CHN 80, RUS 10, DEU 10 -> HHI 0.66; exports 5 to RUS
        rows += [(y, "CHN", "KAZ", "850110", 80.0), (y, "RUS", "KAZ", "850110", 10.0),
                 (y, "DEU", "KAZ", "850110", 10.0), (y, "KAZ", "RUS", "850110", 5.0),
                 (y, "CHN", "USA", "850110", 500.0)]
        # a tie: KAZ imports 270900 from USA and RUS, 50 each -> top supplier RUS (smaller code)
        rows += [(y, "USA", "KAZ", "270900", 50.0), (y, "RUS", "KAZ", "270900", 50.0),
                 (y, "KAZ", "CHN", "270900", 500.0)]
    # 930190 (arms): KAZ imports from RUS only; KAZ exports none; world supply RUS only.
    # conditions hold in 2019 and 2021 but not in 2020 (KAZ exports 2 > imports 1 in 2020)
    rows += [(2019, "RUS", "KAZ", "930190", 7.0), (2020, "RUS", "KAZ", "930190", 1.0),
             (2020, "KAZ", "UZB", "930190", 2.0), (2021, "RUS", "KAZ", "930190", 9.0)]
    # 880240 (aircraft): conditions hold only in 2021
    rows += [(2021, "USA", "KAZ", "880240", 30.0), (2020, "USA", "KAZ", "880240", 30.0),
             (2020, "FRA", "KAZ", "880240", 30.0), (2020, "DEU", "KAZ", "880240", 30.0)]
    df = pd.DataFrame(rows, columns=["year", "exporter", "importer", "product", "value"])
    df["quantity"] = np.nan
    df["year"] = df["year"].astype("int64")
    return df


def _run(con, expr) -> pd.DataFrame:
    return con.execute(expr)


def test_toy_screen_values(con, table):
    t = table(toy_panel())
    r = _run(con, screen_products(t, year=2021)).set_index(["reporter", "product"]).sort_index()
    k = r.loc[("KAZ", "850110")]
    assert k["import_hhi"] == pytest.approx(0.66)
    assert k["top_supplier"] == "CHN" and k["top_share"] == pytest.approx(0.8)
    assert k["imports"] == pytest.approx(100.0) and k["exports"] == pytest.approx(5.0)
    assert k["import_export_ratio"] == pytest.approx(20.0)
    # world exports of 850110 in 2021: CHN 580, RUS 10, DEU 10, KAZ 5 (total 605)
    w = (580**2 + 10**2 + 10**2 + 5**2) / 605**2
    assert k["world_export_hhi"] == pytest.approx(w)
    assert bool(k["critical"]) and int(k["years_met"]) == 3
    assert k["import_hhi_margin"] == pytest.approx(0.66 - 0.4)
    assert k["ratio_margin"] == pytest.approx(math.log10(20.0))
    oil = r.loc[("KAZ", "270900")]
    assert oil["top_supplier"] == "RUS" and oil["top_share"] == pytest.approx(0.5)
    assert not bool(oil["critical"])  # ratio 100/500 < 1
    usa = r.loc[("USA", "850110")]
    assert usa["import_export_ratio"] == NO_EXPORTS_RATIO
    # persistence: 930190 holds in 2019 and 2021 (2 of 3) -> critical; 880240 only in 2021
    arms = r.loc[("KAZ", "930190")]
    assert int(arms["years_met"]) == 2 and bool(arms["persistent"]) and bool(arms["critical"])
    air = r.loc[("KAZ", "880240")]
    assert bool(air["conditions_met"]) and int(air["years_met"]) == 1
    assert not bool(air["critical"])
    assert int(air["years_observed"]) == 2


def test_without_persistence_the_year_decides(con, table):
    t = table(toy_panel())
    r = _run(con, screen_products(t, year=2021, persistence=False))
    r = r.set_index(["reporter", "product"])
    assert bool(r.loc[("KAZ", "880240"), "critical"])
    assert r["persistent"].isna().all()


def test_thresholds_are_parameters(con, table):
    t = table(toy_panel())
    th = Thresholds(import_hhi=0.7)
    r = _run(con, screen_products(t, year=2021, thresholds=th)).set_index(["reporter", "product"])
    assert not bool(r.loc[("KAZ", "850110"), "critical"])
    assert r.loc[("KAZ", "850110"), "import_hhi_margin"] == pytest.approx(0.66 - 0.7)
    th = Thresholds(import_export_ratio=25.0)
    r = _run(con, screen_products(t, year=2021, thresholds=th)).set_index(["reporter", "product"])
    assert not bool(r.loc[("KAZ", "850110"), "critical"])


def test_reporters_filter_keeps_world_concentration(con, table):
    t = table(toy_panel())
    full = _run(con, screen_products(t, year=2021)).set_index(["reporter", "product"])
    one = _run(con, screen_products(t, year=2021, reporters=["KAZ"]))
    assert set(one["reporter"]) == {"KAZ"}
    one = one.set_index(["reporter", "product"])
    for key in one.index:
        assert one.loc[key, "world_export_hhi"] == pytest.approx(full.loc[key, "world_export_hhi"])
        assert one.loc[key, "exports"] == pytest.approx(full.loc[key, "exports"])


def test_sensitivity_matches_rerunning_the_screen(con, table):
    t = table(toy_panel())
    th = Thresholds()
    row = _run(con, sensitivity(t, year=2021, thresholds=th)).iloc[0]
    tab = sensitivity_table(row, th)
    for (param, value), variant in sensitivity_variants(th).items():
        n = int(_run(con, screen_products(t, year=2021, thresholds=variant))["critical"].sum())
        got = tab[(tab["parameter"] == param) & np.isclose(tab["value"], value)]["n_critical"]
        assert int(got.iloc[0]) == n, (param, value)
    assert tab["current"].sum() == 3


def random_panel(seed: int = 7, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cs = ["CHN", "USA", "DEU", "KAZ", "RUS", "FRA", "JPN", "UZB"]
    ps = [f"{p:06d}" for p in (10121, 270900, 850110, 930190, 880240, 720211)]
    df = pd.DataFrame({"year": rng.choice([2019, 2020, 2021], n),
                       "exporter": rng.choice(cs, n), "importer": rng.choice(cs, n),
                       "product": rng.choice(ps, n),
                       "value": np.round(rng.lognormal(2, 2, n), 3)})
    df = df[df["exporter"] != df["importer"]]
    df = df.groupby(["year", "exporter", "importer", "product"], as_index=False)["value"].sum()
    df["quantity"] = np.nan
    df["year"] = df["year"].astype("int64")
    return df


def reference_screen(df: pd.DataFrame, year: int) -> dict:
    """An independent loop implementation of the GeoDep screen (for the random panel)."""
    out = {}
    by_year = {y: g for y, g in df.groupby("year")}

    def met(y, rep, prod):
        g = by_year.get(y)
        if g is None:
            return False, None
        imp = g[(g["importer"] == rep) & (g["product"] == prod)]
        if imp.empty:
            return False, None
        m = imp["value"].sum()
        h = sum((v / m) ** 2 for v in imp["value"])
        x = g[(g["exporter"] == rep) & (g["product"] == prod)]["value"].sum()
        world = g[g["product"] == prod].groupby("exporter")["value"].sum()
        w = sum((v / world.sum()) ** 2 for v in world)
        ratio = m / x if x > 0 else 9999.0
        return (h > 0.4 and w > 0.4 and ratio > 1), (h, w, ratio)

    cur = by_year[year]
    for rep, prod in cur[["importer", "product"]].drop_duplicates().itertuples(index=False):
        flags = [met(y, rep, prod)[0] for y in (year - 2, year - 1, year)]
        out[(rep, prod)] = (sum(flags) >= 2, met(year, rep, prod)[1])
    return out


def test_random_panel_matches_reference(con, table):
    df = random_panel()
    r = _run(con, screen_products(table(df), year=2021)).set_index(["reporter", "product"])
    ref = reference_screen(df, 2021)
    assert set(r.index) == set(ref)
    for key, (crit, (h, w, ratio)) in ref.items():
        assert bool(r.loc[key, "critical"]) == crit, key
        assert r.loc[key, "import_hhi"] == pytest.approx(h)
        assert r.loc[key, "world_export_hhi"] == pytest.approx(w)
        assert r.loc[key, "import_export_ratio"] == pytest.approx(ratio)


def test_shares_and_hhi(con, table):
    df = pd.DataFrame({"reporter": ["KAZ"] * 3 + ["UZB"] * 2, "partner": ["CHN", "RUS", "DEU",
                       "RUS", "CHN"], "value": [80.0, 10.0, 10.0, 5.0, 5.0]})
    t = table(df, "flows")
    h = _run(con, hhi(t, by=["reporter"])).set_index("reporter")
    assert h.loc["KAZ", "hhi"] == pytest.approx(0.66)
    assert h.loc["UZB", "hhi"] == pytest.approx(0.5)
    assert h.loc["KAZ", "top_share"] == pytest.approx(0.8)
    assert int(h.loc["KAZ", "n_partners"]) == 3
    s = _run(con, shares(t, by=["reporter"]))
    assert s.groupby("reporter")["share"].sum().to_numpy() == pytest.approx([1.0, 1.0])
    # invariant to the order of rows
    t2 = table(df.iloc[::-1].reset_index(drop=True), "flows")
    h2 = _run(con, hhi(t2, by=["reporter"])).set_index("reporter")
    assert h2.loc["KAZ", "hhi"] == pytest.approx(0.66)


def test_screen_entry_point(engine, con):
    r = screen(toy_panel(), year=2021, engine=engine, con=con if engine == "spark" else None)
    assert r.year == 2021
    rec = r.to_records()
    assert {"reporter", "product", "import_hhi", "world_export_hhi", "import_export_ratio",
            "persistent", "critical", "top_supplier", "top_share"} <= set(rec[0])
    assert all(isinstance(x["product"], str) and len(x["product"]) == 6 for x in rec)
    crit = {(x["reporter"], x["product"]) for x in rec if x["critical"]}
    assert ("KAZ", "930190") in crit and ("KAZ", "850110") in crit
    assert len(r.sensitivity) == 15
    d = r.domains().set_index(["reporter", "domain"])
    # HS 93 is security, HS 85 technology in the shipped HS -> domain map
    assert d.loc[("KAZ", "security"), "products"] == ["930190"]
    assert bool(d.loc[("KAZ", "technology"), "critical"])


def test_domain_rollup_cites_products_largest_first():
    rec = pd.DataFrame({"year": 2021, "reporter": "KAZ",
                        "product": ["850110", "851712", "270900"],
                        "critical": [True, True, False], "imports": [5.0, 50.0, 100.0],
                        "top_supplier": ["CHN", "USA", "RUS"]})
    hs = pd.DataFrame({"hs_chapter": ["85", "27"], "domain": ["technology", "energy"]})
    d = domain_rollup(rec, hs_map=hs).set_index("domain")
    assert d.loc["technology", "products"] == ["851712", "850110"]
    assert d.loc["technology", "critical_import_share"] == pytest.approx(1.0)
    assert not d.loc["energy", "critical"]


def test_parse_thresholds_and_errors():
    from equipoise.errors import OptionError

    th = parse_thresholds("import_hhi=0.5, ratio=2, min_years=3")
    assert (th.import_hhi, th.import_export_ratio, th.min_years) == (0.5, 2.0, 3)
    with pytest.raises(OptionError, match="expecting one of"):
        parse_thresholds("hhi_import=0.5")
    with pytest.raises(OptionError, match=r"\[0, 1\]"):
        Thresholds(import_hhi=1.5)
    with pytest.raises(OptionError, match="min_years"):
        Thresholds(min_years=4)


def test_note_when_persistence_cannot_be_met():
    one_year = toy_panel()
    one_year = one_year[one_year["year"] == 2021]
    r = screen(one_year, year=2021, sensitivity=False)
    assert not r.records["critical"].any()
    assert r.notes and "persistence" in r.notes[0] and "note:" in r.summary()
    r2 = screen(one_year, year=2021, persistence=False, sensitivity=False)
    assert r2.records["critical"].any() and not r2.notes


def _summaries_of(t):
    """The warehouse's summaries, built from an Ibis table with the same expressions."""
    from equipoise.measures.ibis_measures import ProductSummaries, product_summary, world_summary

    return ProductSummaries(products=product_summary(t), world=world_summary(t))


@pytest.mark.parametrize("persistence", [True, False])
@pytest.mark.parametrize("reporters", [None, ["KAZ", "UZB"]])
def test_summaries_give_the_screen_of_the_raw_rows(con, table, persistence, reporters):
    # the per-year summaries kept by the warehouse are sufficient statistics of the screen
    for df in (toy_panel(), random_panel(seed=11)):
        t = table(df)
        raw = _run(con, screen_products(t, year=2021, persistence=persistence,
                                        reporters=reporters))
        summ = _run(con, screen_products(_summaries_of(t), year=2021, persistence=persistence,
                                         reporters=reporters))
        key = ["reporter", "product"]
        raw, summ = (x.sort_values(key).reset_index(drop=True) for x in (raw, summ))
        pd.testing.assert_frame_equal(summ, raw, check_dtype=False, rtol=1e-12)
        s_raw = _run(con, sensitivity(t, year=2021, persistence=persistence))
        s_sum = _run(con, sensitivity(_summaries_of(t), year=2021, persistence=persistence))
        pd.testing.assert_frame_equal(s_sum, s_raw, check_dtype=False)
