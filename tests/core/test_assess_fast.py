"""The faster paths of the assessment (issue 11 point 7) give the same numbers, bit for bit, as
the pandas formulations they replaced: predictability's per-year rows (one grouped sum for
``pivot_table``) and (indicator, year) partner sums (one grouping for one per group), and the
indicator shares' multi-year windows (one grouping over all windows for one per window); and the
flows grouped once per assessment (``FlowIndex``) for the filters of the whole frame per domain."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from equipoise.measures import exposure
from equipoise.measures.predictability import _by_indicator_year, _year_rows

values = st.one_of(st.floats(0, 1), st.floats(-1e12, 1e12, allow_nan=False),
                   st.sampled_from([0.1, 0.2, 0.3, 1e16, -1e16, 1e-300]), st.just(float("nan")))
rows = st.lists(st.tuples(st.integers(0, 3), st.integers(2015, 2021), st.integers(0, 6), values),
                min_size=1, max_size=80)


def _frame(rs) -> pd.DataFrame:
    return pd.DataFrame({"indicator": [f"i{i}" for i, _, _, _ in rs],
                         "year": np.array([y for _, y, _, _ in rs], dtype="int64"),
                         "partner": [f"P{p}" for _, _, p, _ in rs],
                         "share": np.array([v for _, _, _, v in rs], dtype=float)})


def _same(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for k in a:
        x, y = np.asarray(a[k], dtype=float), np.asarray(b[k], dtype=float)
        assert x.tobytes() == y.tobytes(), k  # the same bits (NaN, -0.0 included)


@given(rows)
def test_year_rows_equal_the_pivot(rs):
    g = _frame(rs)  # repeated (year, partner) cells and NaN shares included
    wide = g.pivot_table(index="year", columns="partner", values="share", aggfunc="sum",
                         fill_value=0.0).sort_index()
    _same(dict(zip(wide.index.tolist(), wide.to_numpy(dtype=float), strict=True)),
          _year_rows(g))


def test_year_rows_hand_values():
    g = pd.DataFrame({"year": [2020, 2020, 2021, 2020], "partner": ["RUS", "CHN", "CHN", "RUS"],
                      "share": [0.25, 0.5, 1.0, 0.125]})
    got = _year_rows(g)
    assert list(got) == [2020, 2021]
    assert got[2020].tolist() == [0.5, 0.375] and got[2021].tolist() == [1.0, 0.0]  # CHN, RUS


@given(rows)
def test_indicator_year_sums_equal_one_groupby_per_group(rs):
    ish = _frame(rs)
    want = {(str(i), int(y)): g.groupby("partner")["share"].sum().to_dict()
            for (i, y), g in ish.groupby(["indicator", "year"], sort=False)}
    got = _by_indicator_year(ish)
    assert set(got) == set(want)
    for k in want:
        assert list(got[k]) == list(want[k])  # the partners, in order
        _same({p: [v] for p, v in want[k].items()}, {p: [v] for p, v in got[k].items()})


cells = st.lists(st.tuples(st.integers(2010, 2022), st.integers(0, 5),
                           st.one_of(st.floats(0, 1e9), st.sampled_from([0.1, 0.7, 1e16, 3.0])),
                           st.integers(1, 4)),
                 min_size=1, max_size=60)


@given(cells, st.integers(1, 6))
def test_window_sums_equal_one_groupby_per_window(cs, window):
    """The former code: for each window, ``_per_partner`` (pandas' groupby for a window where a
    partner has several years)."""
    d = pd.DataFrame(cs, columns=["year", "p", "sum", "size"]).drop_duplicates(["year", "p"])
    bp = np.array([f"P{p}" for p in d["p"]], dtype=object)
    byr, bsum, bsize = d["year"].to_numpy(), d["sum"].to_numpy(float), d["size"].to_numpy()
    ends = sorted(set(byr.tolist()) | {2023})
    want = {}
    for y in ends:
        inwin = (byr >= y - window + 1) & (byr <= y)
        if inwin.any():
            ps, vs, ns = bp[inwin], bsum[inwin], bsize[inwin]
            agg = pd.DataFrame({"partner": ps, "sum": vs, "size": ns}).groupby("partner").sum()
            want[y] = {k: (r[0], r[1]) for k, r in zip(
                agg.index, agg[["sum", "size"]].to_numpy(dtype=object), strict=True)}
    got = exposure._window_sums(ends, window, bp, byr, bsum, bsize)
    assert set(got) == set(want)  # looked up by year: the order of the years does not matter
    for y in want:
        assert list(got[y]) == list(want[y])
        for p in want[y]:
            assert np.float64(got[y][p][0]).tobytes() == np.float64(want[y][p][0]).tobytes()
            assert int(got[y][p][1]) == int(want[y][p][1])


def test_default_indicator_shares_unchanged_by_the_batched_windows(monkeypatch):
    import equipoise as eq

    flows = eq.load_default()
    new = exposure.indicator_shares(flows, "KAZ")

    def one_by_one(end_years, window, bp, byr, bsum, bsize):
        out = {}
        for y in end_years:
            inwin = (byr >= y - window + 1) & (byr <= y)
            if inwin.any():
                ps = bp[inwin]
                agg = pd.DataFrame({"partner": ps, "sum": bsum[inwin], "size": bsize[inwin]}
                                   ).groupby("partner").sum()
                out[y] = {k: (r[0], r[1]) for k, r in zip(
                    agg.index, agg[["sum", "size"]].to_numpy(dtype=object), strict=True)}
        return out

    monkeypatch.setattr(exposure, "_window_sums", one_by_one)
    old = exposure.indicator_shares(flows, "KAZ")
    assert (old["window"] > 1).any() and len(new) > 500
    pd.testing.assert_frame_equal(new, old, check_exact=True)


flow_rows = st.lists(st.tuples(st.sampled_from(["KAZ", "RUS", "CHN"]), st.integers(0, 3),
                               st.integers(2015, 2021), st.sampled_from(["s1", "s2"])),
                     max_size=60)


@given(flow_rows, st.sampled_from(["KAZ", "RUS", "USA"]))
def test_flow_index_parts_equal_the_full_frame_filters(rs, focal):
    """Each part of the index is the full-frame filter it replaces: the same rows, order,
    index labels and dtypes; an absent key gives the filter's empty frame."""
    from equipoise.measures.quality import FlowIndex

    flows = pd.DataFrame({"reporter": [r for r, _, _, _ in rs],
                          "indicator": [f"i{i}" for _, i, _, _ in rs],
                          "year": np.array([y for _, _, y, _ in rs], dtype="int64"),
                          "source": [s for _, _, _, s in rs]})
    ish = _frame([(i, y, 0, 0.5) for _, i, y, _ in rs])
    idx = FlowIndex(flows, focal, ish)
    for ind in ["i0", "i1", "i2", "i3", "none"]:
        want = flows[(flows["reporter"] == focal) & (flows["indicator"] == ind)]
        pd.testing.assert_frame_equal(idx.rows(ind), want, check_exact=True)
        for y in range(2014, 2023):
            want = ish[(ish["indicator"] == ind) & (ish["year"] == y)]
            pd.testing.assert_frame_equal(idx.shares(ind, y), want, check_exact=True)


def test_default_domain_rows_and_sources_unchanged_by_the_index():
    """On the embedded default: every domain's rows and sources, and the rows behind each
    domain's rules, are what the full-frame filters gave before the index; the quality blocks
    are the same with the assessment's shared index as with one built for the call."""
    import equipoise as eq
    from equipoise import context, reference
    from equipoise.doctrine.check import rule_source_rows
    from equipoise.measures.quality import indicator_quality

    flows = eq.load_default()
    frame = flows.data if hasattr(flows, "data") else flows
    a = eq.assess(flows)
    ish = exposure.indicator_shares(frame, "KAZ")
    ind_table = reference.indicator_table()
    for d, r in a.domains.items():
        used = ish[ish["domain"] == d]
        windows = dict(zip(used["indicator"], used["window"], strict=False))
        mask = (frame["reporter"] == "KAZ") & frame["indicator"].isin(r.indicators)
        win = np.zeros(len(frame), dtype=bool)
        for ind, iy in r.indicator_years.items():
            w = int(windows.get(ind, 1))
            win |= ((frame["indicator"] == ind) & (frame["year"] > iy - w)
                    & (frame["year"] <= iy)).to_numpy()
        rows = frame[mask.to_numpy() & win]
        assert r.rows == len(rows) > 0 and r.sources == sorted(rows["source"].unique().tolist())
        assert r.quality == indicator_quality(ish, frame, "KAZ", r.indicator_years,
                                              int(max(x.year for x in a.domains.values())),
                                              grades=context.source_grades())
        parts = []
        for ind in r.indicators:
            w = int(ind_table.at[ind, "window"]) if ind in ind_table.index else 1
            y = int(r.indicator_years.get(ind, r.year))
            parts.append(frame[(frame["reporter"] == "KAZ") & (frame["indicator"] == ind)
                               & (frame["year"] > y - w) & (frame["year"] <= y)])
        old = pd.concat(parts, ignore_index=True)
        old = old[[c for c in rule_source_rows(frame, "KAZ", r).columns]]
        old = old.sort_values(["indicator", "year", "partner"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(rule_source_rows(frame, "KAZ", r), old, check_exact=True)


def test_assess_process_loads_no_scipy_networkx_or_monte_carlo():
    """``equipoise assess`` on the embedded default measures the corridor graph's
    substitutability without scipy or networkx (plain-Python max flow on the shipped graph) and
    does not import the Monte Carlo: each cost 0.05-0.3 s of the process (docs/performance.md)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(__file__).resolve().parents[2] / "src")
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: sys.stderr.write('LOADED %r\\n' % sorted(m for m in "
             "('scipy', 'networkx', 'equipoise.risk.montecarlo', 'ibis', 'duckdb') "
             "if m in sys.modules)))\n"
             "from equipoise._cli.main import run\n"
             "run()\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-c", probe, "assess", "--json"], capture_output=True,
                       text=True, env=env, check=False)
    assert p.returncode == 0, p.stderr[-2000:]
    assert '"focal": "KAZ"' in p.stdout
    assert "LOADED []" in p.stderr, p.stderr[-500:]


def test_engagement_summary_equals_the_two_full_balances():
    """The summary builds the focal table once and the latest view without its per-domain
    detail; its blocks are those of the two full :func:`engagement_balance` views."""
    from equipoise import context
    from equipoise.measures.engagement import engagement_balance, engagement_summary

    ev, poles = context.events_source(), context.resolve_poles(None)
    got = engagement_summary("KAZ", poles, events=ev)
    for label, by in (("window", "all"), ("latest", "year")):
        b = engagement_balance(ev, focal="KAZ", poles=poles, by=by)
        last = b.by_pole["period"].max()
        cur = b.by_pole[b.by_pole["period"] == last]
        assert got[label]["period"] == last
        for metric, col in (("visits", "visits_share"), ("agreements", "agreements_share"),
                            ("value_usd", "value_share")):
            sp = b.spread[(b.spread["period"] == last) & (b.spread["metric"] == metric)]
            want = {"shares": {r.pole: None if pd.isna(getattr(r, col)) else
                               float(getattr(r, col)) for r in cur.itertuples()},
                    "totals": {r.pole: float(getattr(r, metric)) for r in cur.itertuples()},
                    "spread": float(sp["value"].iat[0]) if len(sp) else None,
                    "top": sp["top"].iat[0] if len(sp) else None}
            assert got[label][metric] == want, (label, metric)
        if by == "all":
            assert got["multilateral"] == b.multilateral.to_dict("records") != []
            assert got["by_domain"] == {
                p: dict(zip(g["domain"], g["events"].astype(int), strict=True))
                for p, g in b.by_domain.groupby("pole")} != {}
            assert got["sources"] == b.sources
