"""The index's further domains (energy, institutions, events), the doctrine's weights for
them, predictability in the bootstrap and the domain weightings of the sensitivity (values by
hand, on the small layouts of tests/panel/layouts.py and test_sources_extra.py)."""

from __future__ import annotations

import numpy as np
import pytest

from equipoise import panel
from equipoise.doctrine.model import load_doctrine
from equipoise.panel.index import (
    DOMAINS,
    _arrays,
    _kappas,
    _point,
    _pole_shares,
    balance_index,
    domain_weights,
    functional_domains,
    weightings,
)
from equipoise.panel.show import open_panel

from .layouts import _write
from .test_sources_extra import GD_HDR, write_extra

POLES = ["CHN", "USA", "RUS", "EU27"]
# KAZ 2021: positive parts CHN 12, RUS 6, UZB 2 (USA -4 counts 0): of 20
GD = [(2021, "CHN", "KAZ", 365, 100, 12.0, 20.0, -8.0),
      (2021, "KAZ", "RUS", 365, 90, 6.0, 9.0, -3.0),
      (2021, "KAZ", "USA", 365, 50, -4.0, 1.0, -5.0),
      (2021, "KAZ", "UZB", 365, 30, 2.0, 2.0, 0.0),
      (2021, "KAZ", "DEU", 365, 5, 0.0, 0.0, 0.0),
      (2024, "KAZ", "RUS", 61, 10, 3.0, 4.0, -1.0)]  # 61 days: partial, not in the index


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    root = write_extra(tmp_path_factory.mktemp("dom") / "data")
    _write(root / "gdelt-dyad-composite" / "gdelt_composite_dyad_year_2018_2024.csv", GD_HDR,
           GD)
    path = root.parent / "w.duckdb"
    panel.build(root, path, poles=["CHN", "USA", "RUS", "EU27"])
    return path


def _shares(db, lo, hi):
    con = open_panel(db)
    try:
        s = _pole_shares(con, POLES, lo, hi)
    finally:
        con.close()
    return s.set_index(["focal", "year", "indicator", "pole"])["share"]


def test_domain_weights_come_from_the_doctrine():
    doc = load_doctrine()
    w = dict(zip(DOMAINS, domain_weights(doc), strict=True))
    # trade, security, finance, energy: the doctrine's 1.0; institutions and events share
    # the political domain's 1.0
    assert w == {"trade": 1.0, "security": 1.0, "finance": 1.0, "energy": 1.0,
                 "institutions": 0.5, "events": 0.5}
    doc2 = doc.model_copy(update={"weights": {**doc.weights, "political": 3.0,
                                              "energy": 0.0}})
    w2 = dict(zip(DOMAINS, domain_weights(doc2), strict=True))
    assert (w2["institutions"], w2["events"], w2["energy"]) == (1.5, 1.5, 0.0)
    # distinctness: the doctrine's functional domains only (not political)
    assert functional_domains(doc).tolist() == [True, True, True, True, False, False]


def test_events_share_is_the_positive_part_over_the_partners(db):
    s = _shares(db, 2021, 2024)
    ev = "events.gdelt.net_score"
    assert s[("KAZ", 2021, ev, "CHN")] == pytest.approx(12 / 20)
    assert s[("KAZ", 2021, ev, "RUS")] == pytest.approx(6 / 20)
    assert s[("KAZ", 2021, ev, "USA")] == 0.0  # a net conflict score is no share
    assert s[("KAZ", 2021, ev, "EU27")] == 0.0  # DEU's 0
    # the other side of each pair: RUS 2021 has one partner, KAZ (not a pole)
    assert s[("RUS", 2021, ev, "CHN")] == 0.0
    # 2024 covers 61 days: the row is partial and the index leaves it out
    assert ("KAZ", 2024, ev, "RUS") not in s.index


def test_institutions_and_energy_shares(db):
    s = _shares(db, 2010, 2024)
    igo = "institutions.igo.shared"
    # CHN 30, RUS 50, USA 20, EU27 the mean of DEU 40 and FRA 60 = 50: of 150
    assert s[("KAZ", 2010, igo, "CHN")] == pytest.approx(0.2)
    assert s[("KAZ", 2010, igo, "EU27")] == pytest.approx(1 / 3)
    assert s[("KAZ", 2010, igo, "RUS")] == pytest.approx(1 / 3)
    # GEM 2024: CPC (RUS, 1.3 mb/d) and KC A (CHN, no capacity): routes 1/2 each, capacity
    # all RUS's
    assert s[("KAZ", 2024, "energy.oil.routes", "RUS")] == pytest.approx(0.5)
    assert s[("KAZ", 2024, "energy.oil.route_capacity", "RUS")] == pytest.approx(1.0)
    assert s[("KAZ", 2024, "energy.oil.route_capacity", "CHN")] == 0.0


def test_kaz_2010_with_institutions_by_hand(db):
    r = balance_index(db, states=["KAZ"], start=2010, end=2010, reps=0, doctrine=load_doctrine()).records()[0]
    trade = (0.3 + 500 / 900) / 2  # CHN leads trade (test_index.test_kaz_2010_by_hand)
    # institutions: RUS and EU27 lead with 1/3, weight 0.5 (half the political weight)
    dep = 1 - (trade * 1 + 0.6 * 1 + (1 / 3) * 0.5) / 2.5
    c = r["components"]
    assert c["dependency"] == pytest.approx(dep)
    # distinctness on the functional domains only: CHN trade, RUS security (institutions'
    # leader does not count)
    assert c["distinctness"] == 1.0
    assert r["domains"] == "trade,security,institutions"


def test_kaz_2024_energy_and_2021_events_by_hand(db):
    recs = {r["year"]: r for r in balance_index(db, states=["KAZ"], start=2021, end=2024,
                                                reps=0, doctrine=load_doctrine()).records()}
    # 2024: energy RUS (0.5 + 1) / 2 = 0.75; no other domain (GDELT 2024 is partial)
    assert recs[2024]["components"]["dependency"] == pytest.approx(0.25)
    assert recs[2024]["domains"] == "energy"
    # 2021: trade (national statistics: imports CHN .25, RUS .625; exports CHN .6, RUS .3
    # -> RUS (0.625 + 0.3) / 2 = 0.4625) and events (CHN 0.6, weight 0.5)
    dep = 1 - (0.4625 * 1 + 0.6 * 0.5) / 1.5
    assert recs[2021]["components"]["dependency"] == pytest.approx(dep)


def test_dropping_a_domain_gives_the_index_without_it(db):
    con = open_panel(db)
    try:
        a = _arrays(_pole_shares(con, POLES, 2009, 2010), _kappas(con, POLES, 2009, 2010),
                    POLES)
    finally:
        con.close()
    a.lead = functional_domains(load_doctrine())
    wd = domain_weights(load_doctrine())
    s = int(np.flatnonzero((a.keys["focal"] == "KAZ") & (a.keys["year"] == 2010))[0])
    wd_wo = wd.copy()
    wd_wo[DOMAINS.index("institutions")] = 0.0
    comp, _ = _point(a, wd_wo, np.ones(4))
    trade = (0.3 + 500 / 900) / 2
    assert comp[s, 0] == pytest.approx(1 - (trade + 0.6) / 2)  # the first index's value
    ws = {w["name"]: w for w in weightings(np.ones(4), wd)}
    assert ws["without_domain_institutions"]["domain_weights"]["institutions"] == 0.0
    assert ws["double_domain_events"]["domain_weights"]["events"] == pytest.approx(1 / 5.5)
    res = balance_index(db, start=2010, end=2010, reps=0, sensitivity=True, doctrine=load_doctrine())
    rec = next(r for r in res.sensitivity_records() if r["state"] == "KAZ")
    assert rec["rank_without_domain_trade"] == 1 and rec["max_change"] == 0


def test_predictability_follows_the_draw_of_indicators():
    """_pred on a domain of two indicators whose change against the year before is 0.1 and
    0.5, and a second domain with 0.2 and no year before for its other indicator: the
    replicate that draws only the first gives 1 - 0.1 in the first domain, ..."""
    from equipoise.panel.index import _pred

    tv = np.array([[[0.1, 0.5], [0.2, np.nan]]])  # [S=1, D=2, I=2]
    wd = np.array([1.0, 1.0])
    assert _pred(tv, wd)[0] == pytest.approx(1 - (0.3 + 0.2) / 2)  # point: the means
    frac = np.array([[[[1.0, 0.0], [0.5, 0.5]]],   # first only; the second domain's 0.2
                     [[[0.0, 1.0], [0.0, 1.0]]],   # second only; the second domain: none
                     [[[0.5, 0.5], [1.0, 0.0]]]])  # [R=3, S=1, D=2, I=2]
    got = _pred(tv[None], wd[None, None, :], frac)[:, 0]
    assert got == pytest.approx([1 - (0.1 + 0.2) / 2, 1 - 0.5, 1 - (0.3 + 0.2) / 2])
    # the replicate's domain weights: 3 on the first domain
    got = _pred(tv[None], np.array([[[3.0, 1.0]]]), frac)[:, 0]
    assert got[0] == pytest.approx(1 - (3 * 0.1 + 0.2) / 4)
    assert np.isnan(_pred(np.full((1, 2, 2), np.nan), wd)[0])  # no year before
