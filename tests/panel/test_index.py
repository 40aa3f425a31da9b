"""The balance index on the small panel of tests/panel/layouts.py (values by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equipoise import panel
from equipoise.doctrine.model import load_doctrine
from equipoise.errors import OptionError, WarehouseError
from equipoise.panel import index as index_mod
from equipoise.panel.index import balance_index

from .layouts import write_all


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    root = tmp_path_factory.mktemp("panel")
    data = write_all(root / "data")
    path = root / "w.duckdb"
    panel.build(data, path, poles=["CHN", "USA", "RUS", "EU27"])
    return path


def _kappa(po, pe):
    return (po - pe) / (1 - pe)


def _rec(res, state, year):
    recs = [r for r in res.records() if r["state"] == state and r["year"] == year]
    assert len(recs) == 1
    return recs[0]


def test_kaz_2010_by_hand(db):
    res = balance_index(db, states=["KAZ"], start=2010, end=2010, reps=0, doctrine=load_doctrine())
    r = _rec(res, "KAZ", 2010)
    # trade: mean of imports (CHN .3, USA .1, RUS .4, EU27 0 -- DEU's 0) and exports (CHN
    # 500/900, USA 100/900, RUS 200/900): CHN leads with (0.3 + 5/9) / 2
    trade = (0.3 + 500 / 900) / 2
    # security (window 2006-2010): RUS 0.6 leads, USA 0.4
    dep = 1 - (trade + 0.6) / 2  # doctrine weights trade 1, security 1
    # kappas (see test_build): USA -1/8, EU27 8/74; CHN: 9 of 12 alike, p_e = 78/144;
    # RUS: 9 of 12 alike, p_e = 66/144 -> the largest
    k = [-0.125, 8 / 74, _kappa(0.75, 78 / 144), _kappa(0.75, 66 / 144)]
    equal = 1 - (max(k) - min(k)) / 2
    c = r["components"]
    assert c["dependency"] == pytest.approx(dep)
    assert c["distinctness"] == 1.0  # CHN leads trade, RUS security
    assert c["equal_distance"] == pytest.approx(equal)
    # predictability: the same basket as 2009 is security's one indicator: 2009 (window
    # 2005-2009) RUS 1.0; 2010 RUS .6, USA .4; total variation 0.5 (.4 + .4) = .4
    assert c["predictability"] == pytest.approx(0.6)
    assert r["index"] == pytest.approx((dep + 1.0 + equal + 0.6) / 4)
    assert r["status"] == "ok" and r["rank"] == 1 and r["ranked"] == 1
    assert r["percentile"] == 100.0
    assert r["lower"] is None and r["upper"] is None  # reps=0: no interval
    assert r["domains"] == "trade,security"


def test_partial_and_insufficient(db):
    res = balance_index(db, states=["USA", "KAZ"], start=2008, end=2010, reps=0, doctrine=load_doctrine())
    # USA 2010: its imports' partner rows explain 40 % of the total (< 50 %): only exports
    # count; no arms imports; one domain -> no distinctness: partial, not ranked
    usa = _rec(res, "USA", 2010)
    assert usa["status"] == "partial" and usa["rank"] is None
    assert usa["components"]["distinctness"] is None
    assert "fewer than two domains" in usa["note"]
    # the USA is never its own pole: its dependency uses CHN, RUS, EU27 (CHN 600 of 1000)
    assert usa["components"]["dependency"] == pytest.approx(1 - 0.6)
    kaz08 = _rec(res, "KAZ", 2008)  # security only (no trade or votes in 2008)
    assert kaz08["status"] == "partial"
    assert kaz08["components"]["dependency"] == pytest.approx(1 - 50 / 80)
    usa08 = _rec(res, "USA", 2008)
    assert usa08["status"] == "insufficient" and usa08["index"] is None
    assert "no panel rows" in usa08["note"]


def test_interval_is_seeded_and_brackets_the_resampling(db):
    a = balance_index(db, states=["KAZ"], start=2010, end=2010, reps=400, seed=7, doctrine=load_doctrine())
    b = balance_index(db, states=["KAZ"], start=2010, end=2010, reps=400, seed=7, doctrine=load_doctrine())
    ra, rb = _rec(a, "KAZ", 2010), _rec(b, "KAZ", 2010)
    assert (ra["lower"], ra["upper"]) == (rb["lower"], rb["upper"])
    # resampling trade's two indicators: imports alone make RUS lead trade as well as
    # security (distinctness 0), so the interval reaches well below the point estimate
    assert ra["lower"] < ra["index"] - 0.1 < ra["upper"]
    assert 0.0 <= ra["lower"] <= ra["upper"] <= 1.0


def test_interval_collapses_without_resampling_variation(db, monkeypatch):
    """One indicator per domain and near-fixed weights: the replicates equal the point."""
    monkeypatch.setattr(index_mod, "CONCENTRATION", 1e9)
    res = balance_index(db, states=["KAZ"], start=2008, end=2008, reps=200, seed=1, doctrine=load_doctrine())
    r = _rec(res, "KAZ", 2008)
    assert r["lower"] == pytest.approx(r["index"], abs=1e-6)
    assert r["upper"] == pytest.approx(r["index"], abs=1e-6)


def test_bootstrap_matches_a_loop_over_replicates(db):
    """The vectorised replicates equal a replicate-by-replicate computation on the same draws,
    predictability included (resampled on the same draw of indicators as the shares)."""
    from equipoise.panel.index import DOMAINS, _arrays, _bootstrap, _kappas, _pole_shares
    from equipoise.panel.show import open_panel

    con = open_panel(db)
    poles = ["CHN", "USA", "RUS", "EU27"]
    a = _arrays(_pole_shares(con, poles, 2009, 2010), _kappas(con, poles, 2009, 2010), poles)
    con.close()
    rows = np.arange(len(a.keys))
    D = len(DOMAINS)
    wd0, wc0 = np.ones(D), np.ones(4)
    vec = _bootstrap(a, rows, 50, np.random.default_rng(3), wd0, wc0)
    rng = np.random.default_rng(3)
    wd = rng.dirichlet(index_mod.CONCENTRATION * wd0 / D, size=50)
    wc = rng.dirichlet(index_mod.CONCENTRATION * wc0 / 4, size=50)
    u = rng.random((50, len(rows), D, a.x.shape[2]))
    assert (~np.isnan(a.tv)).any()  # KAZ 2010 has security of 2009: predictability resampled
    for r in range(50):
        for s in rows:
            comps = []
            shares, leaders, tvs = [], [], []
            for d in range(D):
                n = a.n[s, d]
                if n == 0:
                    continue
                pick = [int(u[r, s, d, i] * n) for i in range(n)]
                dom = np.mean([a.x[s, d, i] for i in pick], axis=0)
                m = np.nanmax(dom)
                shares.append((wd[r, d], m))
                if m > 0:
                    leaders.append(int(np.nanargmax(dom)))
                tv = [a.tv[s, d, i] for i in pick if a.tv[s, d, i] == a.tv[s, d, i]]
                if tv:
                    tvs.append((wd[r, d], np.mean(tv)))
            if shares:
                comps.append((wc[r, 0], 1 - sum(w * m for w, m in shares)
                              / sum(w for w, _ in shares)))
            n_pol = int((~np.isnan(a.x[s]).all(axis=(0, 1))).sum()) if shares else 4
            if len(leaders) >= 2:
                comps.append((wc[r, 1], (len(set(leaders)) - 1)
                              / (min(len(leaders), n_pol) - 1)))
            k = a.kappa[s][~np.isnan(a.kappa[s])]
            if len(k) >= 2:
                comps.append((wc[r, 2], 1 - (k.max() - k.min()) / 2))
            if tvs:
                comps.append((wc[r, 3], 1 - sum(w * t for w, t in tvs)
                              / sum(w for w, _ in tvs)))
            elif a.pred[s] == a.pred[s]:
                comps.append((wc[r, 3], a.pred[s]))
            want = sum(w * x for w, x in comps) / sum(w for w, _ in comps)
            assert vec[r, s] == pytest.approx(want)


def test_options_and_errors(db, tmp_path):
    with pytest.raises(OptionError, match="--from 2011 is after --to 2010"):
        balance_index(db, states=["KAZ"], start=2011, end=2010, doctrine=load_doctrine())
    import duckdb

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(WarehouseError, match="holds no panel; build it first"):
        balance_index(empty, states=["KAZ"], doctrine=load_doctrine())


def test_all_states_rank_only_ok(db):
    res = balance_index(db, start=2010, end=2010, reps=10, doctrine=load_doctrine())
    f = res.frame
    assert f.loc[f.status != "ok", "rank"].isna().all()
    assert set(f.loc[f.status == "ok", "state"]) == {"KAZ"}


def test_orientations_by_hand(db):
    from equipoise.panel.validate import _orientations

    o = _orientations(db, 2010).set_index("state")
    # trade: imports CHN .3 of CHN+USA+EU27 .4; exports CHN 500 of 600 (EU27: no rows);
    # security: USA .4, no CHN -> 0; the mean of the two domains
    assert o.loc["KAZ", "shares"] == pytest.approx(((0.3 / 0.4 + 500 / 600) / 2 + 0) / 2)
    k_chn, k_usa, k_eu = _kappa(0.75, 78 / 144), -0.125, 8 / 74
    assert o.loc["KAZ", "votes"] == pytest.approx((k_chn - (k_usa + k_eu) / 2) / 2)


def test_fbic_correlation_by_hand(tmp_path, monkeypatch):
    from equipoise.panel import validate

    fbic = tmp_path / "fbic.csv"
    # orientations china / (china + west): 0.1, 0.2, 0.6
    fbic.write_text("country,iso3c,year,china_fbic,west1_fbic_sum\n"
                    "a,AAA,2019,0.1,0.9\nb,BBB,2019,0.2,0.8\nc,CCC,2019,0.3,0.2\n"
                    "d,DDD,2018,0.5,0.5\n")
    monkeypatch.setattr(validate, "_orientations", lambda db, year: pd.DataFrame(
        {"state": ["AAA", "BBB", "CCC"], "shares": [0.0, 0.5, 1.0],
         "votes": [0.3, 0.2, 0.1]}))
    out = validate.fbic_comparison(None, fbic, year=2019)
    # deviations (-.5, 0, .5) and (-.2, -.1, .3): r = .25 / sqrt(.5 * .14)
    assert out["measures"]["shares"]["pearson"] == pytest.approx(0.25 / (0.5 * 0.14) ** 0.5)
    assert out["measures"]["shares"]["spearman"] == pytest.approx(1.0)
    assert out["measures"]["votes"]["spearman"] == pytest.approx(-1.0)
    assert out["measures"]["shares"]["n"] == 3
    bad = tmp_path / "bad.csv"
    bad.write_text("iso3c,year\nKAZ,2019\n")
    from equipoise.errors import SchemaError

    with pytest.raises(SchemaError, match=r"bad.csv line 1: missing column\(s\) \['china_fbic'"):
        validate.fbic_comparison(None, bad)


# roll calls of KAZ and USA in 2010 (tests/panel/layouts.py VOTES): yes 0, abstain 1, no 2
_KZ = [0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 1]
_US = [2, 2, 0, 2, 0, 2, 2, 2, 0, 0, 1, 2]


def test_replicate_kappas_by_hand():
    from equipoise.panel.agreement import replicate_kappas

    s, p = np.array([_KZ], dtype=np.int8), np.array([_US], dtype=np.int8)
    # every roll call once: the panel's kappa, -1/8 (3 of 12 alike, p_e = 48/144)
    # roll call 3 twice and 12 not at all: 4 of 12 alike; KAZ yes 9, no 2, abstain 1; USA
    # yes 5, no 6, abstain 1: p_e = (45 + 12 + 1) / 144; kappa = (48 - 58) / (144 - 58)
    w = np.array([[1] * 12, [1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0], [0] * 10 + [12, 0]])
    k = replicate_kappas(s, p, w)
    assert k.shape == (3, 1, 1)
    assert k[0, 0, 0] == pytest.approx(-1 / 8)
    assert k[1, 0, 0] == pytest.approx(-10 / 86)
    assert np.isnan(k[2, 0, 0])  # roll call 11 (both abstain) 12 times: p_e = 1, undefined


def test_rollcalls_table_holds_the_votes_and_the_eu27_plurality(db):
    from equipoise.panel.show import open_panel

    con = open_panel(db)
    try:
        rc = con.execute("SELECT rcid, country, vote FROM panel_rollcalls").df()
    finally:
        con.close()
    assert len(rc[rc.country == "KAZ"]) == 12
    assert rc[rc.country == "USA"].sort_values("rcid")["vote"].tolist() == _US
    eu = rc[rc.country == "EU27"].set_index("rcid")["vote"]
    assert 8 not in eu.index  # yes, no and abstain once each: a tie, no EU27 vote
    assert eu[4] == 1 and eu[9] == 0 and eu[12] == 0  # rc 4: DE A, FR A, IT Y; rc 12: IT absent


def test_rollcall_resampling_moves_equal_distance(db):
    """KAZ 2010 rests its equal distance on 12 roll calls: resampling them varies it."""
    from equipoise.panel.index import (
        _arrays,
        _equal,
        _equal_replicates,
        _kappas,
        _pole_shares,
        _rollcall_votes,
    )
    from equipoise.panel.show import open_panel

    poles = ["CHN", "USA", "RUS", "EU27"]
    con = open_panel(db)
    try:
        a = _arrays(_pole_shares(con, poles, 2010, 2010), _kappas(con, poles, 2010, 2010),
                    poles)
        votes = _rollcall_votes(con, 2010, 2010)
    finally:
        con.close()
    rows = np.flatnonzero((a.keys["focal"] == "KAZ").to_numpy())
    eq = _equal_replicates(a, rows, votes, poles, 400, np.random.default_rng(5))
    assert eq.shape == (400, 1)
    point = _equal(a.kappa[rows])[0]
    assert eq.std() > 0.02
    assert np.quantile(eq, 0.05) < point < np.quantile(eq, 0.95)
    assert ((eq >= 0) & (eq <= 1)).all()
    # a replicate drawing every roll call once gives the point value
    from equipoise.panel import agreement

    class Once:  # the draws 0, 1, ..., n-1: every roll call once
        def integers(self, lo, hi, size):
            return np.broadcast_to(np.arange(lo, hi), size)

    same = _equal_replicates(a, rows, votes, poles, 3, Once())
    assert same == pytest.approx(np.full((3, 1), point))
    assert agreement.replicate_kappas is not None


def test_interval_is_wider_with_rollcall_resampling(db, monkeypatch):
    """With fixed weights and one indicator per domain, only the roll calls move the index."""
    monkeypatch.setattr(index_mod, "CONCENTRATION", 1e9)
    r = _rec(balance_index(db, states=["KAZ"], start=2010, end=2010, reps=300, seed=2, doctrine=load_doctrine()),
             "KAZ", 2010)
    assert r["upper"] - r["lower"] > 0.01
    assert r["lower"] <= r["index"] <= r["upper"]


def test_multinomial_counts_draw_each_year_in_full():
    from equipoise.panel.index import _multinomial_counts

    w = _multinomial_counts(np.random.default_rng(0), 7, 500)
    assert w.shape == (500, 7) and (w.sum(1) == 7).all() and (w >= 0).all()
    assert w.mean(0) == pytest.approx(np.ones(7), abs=0.15)  # each roll call once on average


def test_sensitivity_by_hand():
    from equipoise.panel.index import _sensitivity

    keys = pd.DataFrame({"focal": ["AAA", "BBB", "CCC", "DDD"], "year": [2010] * 4})
    comp = np.array([[1.0, 0.0, 0.5, 0.5],    # doctrine (equal weights) 0.5
                     [0.2, 0.8, 0.4, 0.4],    # 0.45
                     [0.4, 0.4, 0.4, 0.3],    # 0.375
                     [0.9, np.nan, 0.9, 0.9]])  # partial: not ranked under any weighting
    ok = np.array([True, True, True, False])
    sens, ws = _sensitivity(keys, comp, ok, np.ones(4))
    assert [w["name"] for w in ws][:3] == ["doctrine", "equal", "without_dependency"]
    assert ws[-1]["weights"]["predictability"] == pytest.approx(0.4)  # 2 / 5
    r = sens.set_index("state")
    assert r["rank_doctrine"].tolist()[:3] == [1, 2, 3]
    # without dependency: A (0 + .5 + .5)/3, B (.8 + .4 + .4)/3, C (.4 + .4 + .3)/3
    assert r["rank_without_dependency"].tolist()[:3] == [3, 1, 2]
    # without distinctness: A 2/3, B 1/3, C 1.1/3
    assert r["rank_without_distinctness"].tolist()[:3] == [1, 3, 2]
    # distinctness doubled (.2 .4 .2 .2): A .4, B .52, C .38
    assert r["rank_double_distinctness"].tolist()[:3] == [2, 1, 3]
    assert r["max_change"].tolist()[:3] == [2, 1, 1]
    assert r.loc["AAA", "ranked"] == 3
    assert np.isnan(r.loc["DDD", "rank_doctrine"]) and np.isnan(r.loc["DDD", "max_change"])


def test_index_tables_for_the_workbook(db):
    res = balance_index(db, states=["KAZ"], start=2010, end=2010, reps=0, sensitivity=True, doctrine=load_doctrine())
    t = res.tables()
    assert list(t) == ["index", "components", "sensitivity", "weightings", "about"]
    assert t["components"].set_index("component").loc["distinctness", "value"] == 1.0
    assert t["sensitivity"].iloc[0]["rank_doctrine"] == 1  # the only ranked state of 2010
    assert len(t["weightings"]) == 22  # 10 of the components, 2 per domain
