"""Equal distance from the ideal points where a year has too few roll calls for kappa, and the
gas export routes in the energy domain, on the hand-built panel (tests/panel/layouts.py) with
ideal points and gas pipelines added; every expected value by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equipoise.doctrine.model import load_doctrine
from equipoise.panel import index as index_mod
from equipoise.panel.index import _ideal_equal, balance_index

from .layouts import _write, build_panel

# BSV ideal points (COW codes; session = year - 1945). Votes exist for 2010 only (layouts.VOTES:
# 12 roll calls), so 2010 keeps kappa and 2009, 2011 have no roll calls for kappa.
#   2010: KAZ -0.5, USA 2.5, CHN -1.0, RUS -0.2, EU27 = mean(DEU 1.0, FRA 1.5) = 1.25 (ITA
#         has none) -> distances USA 3.0, CHN 0.5, RUS 0.3, EU27 1.75: spread D = 2.7
#   2011: KAZ -0.3, USA 2.7, CHN -0.9, RUS -0.4, EU27 = mean(0.9, 1.3) = 1.1 -> distances
#         USA 3.0, CHN 0.6, RUS 0.1, EU27 1.4: spread D = 2.9
#   2009: KAZ and the poles (no earlier year with both measures: no value)
#   JPN (740) has ideal points but never votes in the fixture: no kappa, no scale
IDEAL = {
    64: {705: -0.4, 2: 2.4, 710: -1.0, 365: -0.3, 255: 1.0, 220: 1.4, 740: 1.0},
    65: {705: -0.5, 2: 2.5, 710: -1.0, 365: -0.2, 255: 1.0, 220: 1.5, 325: "", 740: 1.1},
    66: {705: -0.3, 2: 2.7, 710: -0.9, 365: -0.4, 255: 0.9, 220: 1.3, 740: 1.2},
}
# KAZ 2010 kappas (tests/panel/test_build.py and by hand from layouts.VOTES):
#   CHN: 8 of 12 alike, p_e = (8*9 + 2*2 + 2*1)/144 = 13/24 -> kappa = (2/3 - 13/24)/(11/24)
#        = 3/11
#   RUS: 9 of 12 alike, p_e = (8*7 + 2*3 + 2*2)/144 = 11/24 -> kappa = (3/4 - 11/24)/(13/24)
#        = 7/13
#   USA -1/8, EU27 8/74: spread K = 7/13 + 1/8 = 69/104
K_2010 = 7 / 13 + 1 / 8
EQUAL_2011 = 1 - (K_2010 / 2.7) * 2.9 / 2  # the scale K / D of 2010, times D of 2011
# GEM gas pipelines (2022 release): KAZ exports to CHN (G1, 55 bcm/y) and RUS (G2 no capacity,
# G3 10 bcm/y); imports from RUS (G4, 30 bcm/y). Export routes: CHN 1/3, RUS 2/3; export
# capacity: CHN 55/65, RUS 10/65. The energy domain (export routes and capacity, not the
# import routes): CHN (1/3 + 11/13)/2, RUS (2/3 + 2/13)/2.
GAS_HDR = ["ProjectID", "Fuel", "StartCountry", "EndCountry", "Countries", "PipelineName",
           "SegmentName", "Parent", "Status", "StartYear1", "Capacity", "CapacityUnits",
           "CapacityBcm/y"]
GAS = [("G1", "Gas", "Kazakhstan", "China", "Kazakhstan, China", "A", "", "", "Operating",
        2009, 55, "bcm/y", 55),
       ("G2", "Gas", "Kazakhstan", "Russia", "Kazakhstan, Russia", "B", "", "", "Operating",
        1967, "--", "", "--"),
       ("G3", "Gas", "Kazakhstan", "Russia", "Kazakhstan, Russia", "C", "", "", "Operating",
        1987, 10, "bcm/y", 10),
       ("G4", "Gas", "Russia", "Kazakhstan", "Russia, Kazakhstan", "D", "", "", "Operating",
        1990, 30, "bcm/y", 30)]
CHN_ENERGY = (1 / 3 + 55 / 65) / 2
RUS_ENERGY = (2 / 3 + 10 / 65) / 2


def _extra(data, ideal: bool = True, gas: bool = True) -> None:
    if ideal:
        _write(data / "unga-ideal-points" / "IdealpointestimatesAll_Jun2024.csv",
               ["ccode", "session", "NVotesAll", "IdealPointAll", "Q5%All", "Q95%All", "iso3c",
                "Countryname"],
               [(c, s, 50, v, "", "", "", "") for s, row in IDEAL.items()
                for c, v in row.items()])
    if gas:
        f = data / "gem-gas-pipelines" / "gem_ggit_gas_pipelines_2022.csv"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("\n".join(";".join(map(str, r)) for r in [GAS_HDR, *GAS]) + "\n",
                     encoding="utf-8")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    root = tmp_path_factory.mktemp("ipd")
    _extra(root / "data")
    return build_panel(root)


@pytest.fixture(scope="module")
def db_plain(tmp_path_factory):
    """The same panel without ideal points (and without gas)."""
    return build_panel(tmp_path_factory.mktemp("ipd_plain"))


def _rec(res, state, year):
    return next(r for r in res.records() if r["state"] == state and r["year"] == year)


def test_ideal_point_spread_stands_in_for_kappa_by_hand(db):
    res = balance_index(db, states=["KAZ"], start=2009, end=2011, reps=0, doctrine=load_doctrine())
    r10, r11 = _rec(res, "KAZ", 2010), _rec(res, "KAZ", 2011)
    # 2010 has roll calls: kappa, 1 - K/2
    assert r10["equal_distance_measure"] == "kappa"
    assert r10["components"]["equal_distance"] == pytest.approx(1 - K_2010 / 2)
    # 2011 has none: the ideal-point spread in kappa's units
    assert r11["equal_distance_measure"] == "ideal_distance"
    assert r11["components"]["equal_distance"] == pytest.approx(EQUAL_2011)
    assert r11["components"]["equal_distance"] == pytest.approx(0.643697, abs=1e-6)
    assert "from the ideal-point spread" in r11["note"] and "1 earlier year " in r11["note"]
    assert any("2011" in n and "ideal-point" in n for n in res.notes)
    # 2009: no earlier year with both measures, so no scale and no equal distance
    r09 = _rec(res, "KAZ", 2009)
    assert r09["components"]["equal_distance"] is None
    assert r09["equal_distance_measure"] is None
    assert "equal_distance: fewer than two poles with kappa" in r09["note"]


def test_no_stand_in_without_a_year_with_both(db):
    """JPN has ideal points but never votes: no kappa in 2010 (a year with roll calls, so no
    stand-in) and no year with both measures to scale its 2011 spread."""
    res = balance_index(db, states=["JPN"], start=2010, end=2011, reps=0, doctrine=load_doctrine())
    for y in (2010, 2011):
        r = _rec(res, "JPN", y)
        assert r["status"] == "insufficient" and r["equal_distance_measure"] is None


def test_years_with_roll_calls_unchanged(db, db_plain):
    """2010 (roll calls) gives the same records, interval and notes with ideal points in the
    panel as without them."""
    a = balance_index(db, start=2010, end=2010, reps=200, seed=4, doctrine=load_doctrine())
    b = balance_index(db_plain, start=2010, end=2010, reps=200, seed=4, doctrine=load_doctrine())
    fa, fb = a.frame, b.frame
    assert len(fa) and (fa["equal_distance_measure"].dropna() == "kappa").all()
    pd.testing.assert_frame_equal(fa, fb)
    assert a.notes == b.notes


def test_ideal_point_year_has_no_rollcall_resampling(db, monkeypatch):
    """With fixed weights and one indicator per domain, nothing moves the index of 2011 (its
    equal distance rests on ideal points: no roll calls to resample), while 2010's moves with
    its roll calls."""
    monkeypatch.setattr(index_mod, "CONCENTRATION", 1e9)
    res = balance_index(db, states=["KAZ"], start=2010, end=2011, reps=300, seed=2, doctrine=load_doctrine())
    r10, r11 = _rec(res, "KAZ", 2010), _rec(res, "KAZ", 2011)
    assert r11["lower"] == pytest.approx(r11["index"], abs=1e-6)
    assert r11["upper"] == pytest.approx(r11["index"], abs=1e-6)
    assert r10["upper"] - r10["lower"] > 0.01


def test_gas_export_routes_in_the_energy_domain_by_hand(db):
    from equipoise.panel.index import DOMAINS, _arrays, _kappas, _pole_shares
    from equipoise.panel.show import open_panel

    poles = ["CHN", "USA", "RUS", "EU27"]
    con = open_panel(db)
    try:
        a = _arrays(_pole_shares(con, poles, 2022, 2022), _kappas(con, poles, 2022, 2022),
                    poles)
    finally:
        con.close()
    s = int(np.flatnonzero((a.keys["focal"] == "KAZ").to_numpy())[0])
    e = DOMAINS.index("energy")
    assert sorted(a.indicators[s][e]) == ["energy.gas.export_capacity",
                                          "energy.gas.export_routes"]
    dom = np.nanmean(a.x[s, e, :a.n[s, e]], axis=0)
    assert dom == pytest.approx([CHN_ENERGY, 0.0, RUS_ENERGY, 0.0])
    # KAZ 2022 has the energy domain only: dependency = 1 - the largest pole share
    r = _rec(balance_index(db, states=["KAZ"], start=2022, end=2022, reps=0, doctrine=load_doctrine()), "KAZ", 2022)
    assert r["domains"] == "energy"
    assert r["components"]["dependency"] == pytest.approx(1 - CHN_ENERGY)
    assert r["components"]["dependency"] == pytest.approx(0.410256, abs=1e-6)
    # RUS: its export routes to KAZ (G4) count; its import route from KAZ does not
    rus = _rec(balance_index(db, states=["RUS"], start=2022, end=2022, reps=0, doctrine=load_doctrine()), "RUS", 2022)
    assert rus["domains"] == "energy"
    assert rus["components"]["dependency"] == pytest.approx(1.0)  # KAZ is not a pole


def test_ideal_equal_rule_by_hand():
    """The per-year rule, the five latest calibration years, the cap at a spread of 2."""
    rows = [  # focal, year, k, nk, d, nd
        ("AAA", 2000, 0.2, 4, 2.0, 4), ("AAA", 2001, 0.4, 4, 2.0, 4),
        ("AAA", 2002, 0.3, 4, 3.0, 4), ("AAA", 2003, 0.3, 4, 3.0, 4),
        ("AAA", 2004, 0.2, 4, 2.0, 4), ("AAA", 2005, 0.2, 4, 2.0, 4),
        ("AAA", 2006, np.nan, 0, 4.0, 4), ("AAA", 2007, np.nan, 0, 200.0, 4),
        ("AAA", 2008, np.nan, 0, 3.0, 4),
        ("BBB", 2008, np.nan, 1, 1.0, 2),  # one kappa: the year 2008 still has roll calls
        ("BBB", 2006, np.nan, 0, 1.0, 2), ("CCC", 2006, np.nan, 0, 1.0, 1)]
    sp = pd.DataFrame(rows, columns=["focal", "year", "k", "nk", "d", "nd"])
    out = _ideal_equal(sp, 2000, 2008).set_index(["focal", "year"])
    # 2000-2005 have kappa, and 2008 through BBB's one pole: no stand-in there
    assert sorted(out.index) == [("AAA", 2006), ("AAA", 2007)]
    # AAA 2006: the five latest years 2001-2005: K = 1.4, D = 12 -> 1 - (1.4/12 * 4)/2
    assert out.loc[("AAA", 2006), "equal"] == pytest.approx(1 - (1.4 / 12 * 4) / 2)
    assert out.loc[("AAA", 2006), "cal"] == 5
    # 2007: the spread in kappa's units is capped at 2 (kappa's range): 0
    assert out.loc[("AAA", 2007), "equal"] == 0.0
    # BBB has no year with both, CCC one pole only: no value
    assert _ideal_equal(sp.iloc[:0], 2000, 2007).empty


def test_cli_reports_the_measure(db, capsys, tmp_path):
    """``index`` --json and --csv carry the measure per state-year; the table marks it."""
    import csv
    import json

    from equipoise._cli.main import run

    def _out(*args):
        try:
            run([str(a) for a in args])
        except SystemExit as exc:
            assert not exc.code
        return capsys.readouterr().out

    args = ("index", "--focal", "KAZ", "--peers", "", "--from", "2010", "--to", "2011",
            "--reps", "0", "--db", db)
    recs = json.loads(_out(*args, "--json", "--csv", tmp_path / "i.csv"))["records"]
    assert [r["equal_distance_measure"] for r in recs] == ["kappa", "ideal_distance"]
    with (tmp_path / "i.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["equal_distance_measure"] for r in rows] == ["kappa", "ideal_distance"]
    assert float(rows[1]["component_equal_distance"]) == pytest.approx(EQUAL_2011)
    text = _out(*args)
    assert "(ip)" in text and "ideal-point spread" in text
