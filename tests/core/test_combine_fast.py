"""The domain combination (``exposure._combine``) without pandas' pivot per domain-year gives
the same numbers, bit for bit, as the pivot-table formulation it replaced."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from equipoise.measures import exposure
from equipoise.measures.exposure import LOOKBACK, STALE_MAX_AGE, _weights


def _pivot_combine(ishares, weights, lookback=LOOKBACK):
    """The former implementation (pivot_table, mul, sum per domain-year), with the same choice
    of each indicator's year (``exposure._choose``: in the lookback, else a stale figure;
    supporting and single-partner indicators left out)."""
    rows = []
    lone = exposure.single_partner_years(ishares)
    for domain, gd in ishares.groupby("domain", sort=True):
        ind_years = {i: np.array(sorted(g["year"].unique())) for i, g in gd.groupby("indicator")}
        for year in sorted(gd["year"].unique()):
            picked, stale, support, alone = exposure._choose(ind_years, int(year), lone,
                                                             lookback, STALE_MAX_AGE)
            if not picked:
                continue
            g = gd[[picked.get(i) == y for i, y in zip(gd["indicator"], gd["year"], strict=True)]]
            inds = pd.Series(sorted(picked))
            w = _weights(inds, weights)
            if w.sum() <= 0:
                continue
            w = w / w.sum()
            wmap = dict(zip(inds, w, strict=True))
            mat = g.pivot_table(index="partner", columns="indicator", values="share",
                                aggfunc="sum", fill_value=0.0)
            combined = mat.mul(pd.Series(wmap)[mat.columns], axis=1).sum(axis=1)
            iy = ";".join(f"{i}:{picked[i]}" for i in inds)
            for partner, sh in combined.items():
                rows.append((domain, int(year), partner, float(sh), ";".join(inds), iy,
                             ";".join(sorted(stale)), ";".join(sorted(support)),
                             ";".join(sorted(alone))))
    return pd.DataFrame(rows, columns=["domain", "year", "partner", "share", "indicators",
                                       "indicator_years", "stale", "supporting",
                                       "single_partner"])


def test_default_data_identical():
    import equipoise as eq

    ish = exposure.indicator_shares(eq.load_default(), "KAZ")
    new = exposure._combine(ish, None)
    old = _pivot_combine(ish, None)
    assert len(new) == len(old) > 100
    pd.testing.assert_frame_equal(new, old, check_exact=True)


def test_hand_values():
    ish = pd.DataFrame({
        "indicator": ["a", "a", "b"], "domain": ["d", "d", "d"], "year": [2020, 2020, 2020],
        "partner": ["CHN", "RUS", "CHN"], "share": [0.25, 0.75, 1.0]})
    out = exposure._combine(ish, {"a": 3.0, "b": 1.0})
    # CHN: 0.25 * 0.75 + 1.0 * 0.25 = 0.4375; RUS: 0.75 * 0.75 + 0 = 0.5625
    assert out["partner"].tolist() == ["CHN", "RUS"]
    assert out["share"].tolist() == [0.4375, 0.5625]


cells = st.lists(st.tuples(st.integers(0, 11), st.integers(2015, 2022), st.integers(0, 7),
                           st.one_of(st.floats(0, 1), st.just(float("nan")))),
                 min_size=1, max_size=120)


@given(cells, st.booleans())
def test_random_tables_identical(cs, weighted):
    """Up to 12 indicators (past numpy's 8-wide pairwise block), NaN shares, gaps in years."""
    d = pd.DataFrame(cs, columns=["i", "year", "p", "share"]).drop_duplicates(["i", "year", "p"])
    ish = pd.DataFrame({"indicator": [f"ind{i:02d}" for i in d["i"]],
                        "domain": ["x" if i < 10 else "y" for i in d["i"]],
                        "year": d["year"].to_numpy(), "partner": [f"P{p}" for p in d["p"]],
                        "share": d["share"].to_numpy()})
    weights = {f"ind{i:02d}": 1.0 + (i * 7919 % 13) / 3 for i in range(12)} if weighted else None
    pd.testing.assert_frame_equal(exposure._combine(ish, weights),
                                  _pivot_combine(ish, weights), check_exact=True)


def test_repeated_cell_falls_back_to_pandas():
    ish = pd.DataFrame({
        "indicator": ["a", "a"], "domain": ["d", "d"], "year": [2020, 2020],
        "partner": ["CHN", "CHN"], "share": [0.25, 0.5]})
    pd.testing.assert_frame_equal(exposure._combine(ish, None), _pivot_combine(ish, None),
                                  check_exact=True)
    assert exposure._combine(ish, None)["share"].tolist() == [0.75]


def test_many_indicators_sum_in_pandas_order():
    """12 indicators x 60 partners in one year: summed in another order (left to right, say)
    some totals differ in the last bit; these must not."""
    rng = np.random.default_rng(7)
    n_ind, n_p = 12, 60
    ish = pd.DataFrame({
        "indicator": np.repeat([f"ind{i:02d}" for i in range(n_ind)], n_p),
        "domain": "d", "year": 2020, "partner": np.tile([f"P{p:02d}" for p in range(n_p)], n_ind),
        "share": rng.random(n_ind * n_p) / 7})
    weights = {f"ind{i:02d}": float(rng.random() + 0.1) for i in range(n_ind)}
    new = exposure._combine(ish, weights)
    pd.testing.assert_frame_equal(new, _pivot_combine(ish, weights), check_exact=True)
    m = ish.pivot_table(index="partner", columns="indicator", values="share").to_numpy()
    w = _weights(pd.Series(sorted(weights)), weights).to_numpy()
    v = m * (w / w.sum())
    left_to_right = np.array([sum(r[1:], r[0]) for r in v])
    assert (left_to_right != new["share"].to_numpy()).any()  # the order is really tested
