"""Property tests (seeded by the project's hypothesis profile): the grouped agreement query
against a direct count, and the bounds of the index components."""

from __future__ import annotations

from collections import Counter

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from equipoise import reference
from equipoise.panel.agreement import agreement_counts
from equipoise.panel.builder import _political, _political_sql
from equipoise.panel.datasets import Read
from equipoise.panel.index import _combine, _components

STATES = ("KAZ", "CHN", "RUS", "USA", "DEU", "FRA", "POL", "GBR")
POLES = ["CHN", "USA", "RUS", "EU27"]
CHOICES = ("yes", "abstain", "no", None)

votes_st = st.lists(
    st.tuples(st.sampled_from([2003, 2010]),
              st.lists(st.sampled_from(CHOICES), min_size=len(STATES), max_size=len(STATES))),
    min_size=1, max_size=15)


def _reference(rows):
    """Agreement and kappa per (year, focal, pole) by direct counting."""
    eu_pos = {}
    for rc, (year, vs) in enumerate(rows):
        members = set(reference.expand_group("EU27", year))
        c = Counter(v for s, v in zip(STATES, vs, strict=True) if s in members and v)
        if c:
            top = max(c.values())
            winners = [v for v, n in c.items() if n == top]
            if len(winners) == 1:
                eu_pos[rc] = winners[0]
    out = {}
    for fi, focal in enumerate(STATES):
        for pole in POLES:
            if pole == focal:
                continue
            pairs = {}
            for rc, (year, vs) in enumerate(rows):
                fv = vs[fi]
                pv = eu_pos.get(rc) if pole == "EU27" else vs[STATES.index(pole)]
                if fv and pv:
                    pairs.setdefault(year, []).append((fv, pv))
            for year, ps in pairs.items():
                n = len(ps)
                po = sum(a == b for a, b in ps) / n
                fa, pa = Counter(a for a, _ in ps), Counter(b for _, b in ps)
                pe = sum(fa[k] * pa[k] for k in ("yes", "abstain", "no")) / n**2
                out[(year, focal, pole)] = (po, (po - pe) / (1 - pe) if pe < 1 else None)
    return out


@given(votes_st)
def test_grouped_query_equals_direct_count(rows):
    recs = [(rc, year, s, v) for rc, (year, vs) in enumerate(rows)
            for s, v in zip(STATES, vs, strict=True) if v]
    if not recs:
        return
    votes = pd.DataFrame(recs, columns=["rcid", "year", "country", "vote"])
    con = duckdb.connect()
    try:
        sql = _political(con, Read("political", {"votes": votes}), 0, 9999, POLES)
        got = con.execute(f"SELECT year, focal, partner, indicator, value FROM ({sql})").df()
    finally:
        con.close()
    want = _reference(rows)
    agree = got[got.indicator == "political.unga.agreement"]
    assert len(agree) == len(want)
    for r in agree.itertuples():
        assert r.value == pytest.approx(want[(r.year, r.focal, r.partner)][0])
    for r in got[got.indicator == "political.unga.kappa"].itertuples():
        k = want[(r.year, r.focal, r.partner)][1]
        if k is None:
            assert r.value != r.value  # NaN: undefined without variation
        else:
            assert r.value == pytest.approx(k)


shares_st = st.lists(st.floats(0, 1), min_size=12, max_size=12)


@given(shares_st, st.lists(st.booleans(), min_size=3, max_size=3),
       st.lists(st.floats(-1, 1), min_size=4, max_size=4))
def test_components_are_in_the_unit_interval(shares, present, kappas):
    dom = np.array(shares).reshape(3, 4)
    dom = dom / np.maximum(dom.sum(-1, keepdims=True), 1)  # pole shares of a domain sum <= 1
    pres = np.array(present)
    k = np.array(kappas)
    equal = 1 - (k.max() - k.min()) / 2
    comp = _components(dom[None], pres[None], np.ones(3)[None], np.array([[equal, 0.5]]),
                       np.array([4]))[0]
    ok = comp[~np.isnan(comp)]
    assert ((ok >= 0) & (ok <= 1)).all()
    assert np.isnan(comp[0]) == (not pres.any())
    idx = _combine(comp[None], np.ones(4)[None])[0]
    assert 0 <= idx <= 1
    # one pole leading every present domain gives distinctness 0, never more
    lead = dom.argmax(-1)
    has = pres & (dom.max(-1) > 0)
    if has.sum() >= 2 and len(set(lead[has])) == 1:
        assert comp[1] == 0


def _rows(sql_fn, votes):
    con = duckdb.connect()
    try:
        sql = sql_fn(con, Read("political", {"votes": votes}), 0, 9999, POLES)
        return con.execute(f"SELECT * FROM ({sql}) ORDER BY 1, 2, 4, 5").df()
    finally:
        con.close()


@given(votes_st, st.lists(st.sampled_from(["yes", "abstain", "no", "absent", None]),
                          min_size=0, max_size=4))
def test_matrix_counts_equal_the_sql_counts_exactly(rows, extra):
    """The vote-matrix path (numpy) gives the same rows, bit for bit, as the grouped SQL."""
    recs = [(rc, year, s, v) for rc, (year, vs) in enumerate(rows)
            for s, v in zip(STATES, vs, strict=True) if v]
    # codes other than yes/abstain/no (and missing) are ignored by both paths
    recs += [(len(rows) + k, 2010, "KAZ", v) for k, v in enumerate(extra)]
    if not recs:
        return
    votes = pd.DataFrame(recs, columns=["rcid", "year", "country", "vote"])
    fast = _rows(_political, votes)
    slow = _rows(_political_sql, votes)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)


def test_matrix_falls_back_to_sql_on_a_double_vote():
    votes = pd.DataFrame({"rcid": [1, 1, 1], "year": [2010] * 3,
                          "country": ["KAZ", "KAZ", "USA"], "vote": ["yes", "no", "yes"]})
    assert agreement_counts(votes, POLES) is None
    fast = _rows(_political, votes)
    assert fast.equals(_rows(_political_sql, votes))
    assert fast[fast.indicator == "political.unga.agreement"].iloc[0]["value"] == 0.5
