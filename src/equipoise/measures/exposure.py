"""Partner x domain exposure from canonical flows.

Shares of one indicator (METHODS.md, "Concentration"):

* for a year ``Y`` and an indicator with a window of ``w`` years, partner values are summed over
  ``Y-w+1 .. Y`` (SIPRI sums arms transfers over 5-year windows) and over products;
* the denominator is the reporter's ``WLD`` total over the same window where one exists (basis
  ``"WLD"``; the remainder is shown as partner ``OTH``), else the sum of the partner rows (basis
  ``"sum"``). If the partner rows add up to more than the WLD total the sum is used and an
  :class:`~equipoise.errors.InconsistentTotalWarning` is issued;
* indicators of kind ``score`` (e.g. UN vote agreement) are levels, not parts of a whole: their
  shares are the values over the sum of the partner rows.

A domain's shares are the weighted mean of its indicators' shares (weights from the indicators
table, equal by default, overridable; renormalised over the indicators present). For a domain
year ``Y`` each indicator contributes its latest year within ``Y-lookback .. Y`` (default 3), and
the year each indicator contributed is reported. An indicator whose latest figure up to ``Y`` is
older than that, but at most ``STALE_MAX_AGE`` years behind ``Y``, still contributes that figure
and is flagged stale (column ``stale``). Without an explicit year, each domain uses the latest
year in which any of its indicators has data, and says so.

Supporting evidence never enters a domain's shares (docs/methods.md, "Single-partner
indicators are supporting evidence"). An indicator is supporting in a domain-year when

* its ``role`` in the indicators table is ``supporting`` (an event, a pole-side figure, one
  corridor per partner: reasons the rows alone do not show), or
* the year it would contribute is a *single-partner* year: on a partner-sum basis (no ``WLD``
  total) with one partner row, so that partner's share is 1 by construction, whatever the world
  looks like (:func:`single_partner_years`). Only when a domain-year has nothing else do such
  indicators make its shares, and the domain is then flagged single-partner only (every verdict
  on it is insufficient).

The ones a domain-year left out are listed in the column ``supporting``
(``indicator:year;...``), the single-partner ones among them also in ``single_partner``, so
they stay in the evidence.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Mapping
from functools import cache

import numpy as np
import pandas as pd

from .. import reference
from .._results import fmt_sig
from ..errors import InconsistentTotalWarning, NoDataError

__all__ = ["domain_share_series", "domain_shares", "exposure_matrix", "indicator_role",
           "indicator_shares", "is_single_partner", "pole_share", "single_partner_years",
           "supporting_years"]


def _frame(flows) -> pd.DataFrame:
    return flows.data if hasattr(flows, "data") else flows


def indicator_shares(flows, focal: str, *, years: list[int] | None = None) -> pd.DataFrame:
    """Shares of every indicator of ``focal`` in every year it has data (or in ``years``).

    Returns a long table with columns ``indicator, domain, year, window, partner, value, share,
    basis, denominator, n_rows``. ``OTH`` rows carry the remainder against the WLD total.
    """
    df = _frame(flows)
    df = df[df["reporter"] == focal]
    if df.empty:
        raise NoDataError(f"no flows with reporter {focal!r}; reporters present: "
                          f"{sorted(_frame(flows)['reporter'].unique())[:20]}")
    ind = reference.indicator_table()
    out = []
    # (partner, year) sums of every indicator in one grouping (each group's rows, and so its
    # sum, are the same as grouping indicator by indicator)
    allg = df.groupby(["indicator", "partner", "year"], sort=False)["value"].agg(["sum", "size"])
    a_ind = allg.index.get_level_values("indicator").to_numpy(dtype=object)
    a_partner = allg.index.get_level_values("partner").to_numpy(dtype=object)
    a_year = allg.index.get_level_values("year").to_numpy()
    a_sum = allg["sum"].to_numpy(dtype=float)
    a_size = allg["size"].to_numpy()
    for indicator, g in df.groupby("indicator", sort=True):
        window = int(ind.at[indicator, "window"]) if indicator in ind.index else 1
        kind = ind.at[indicator, "kind"] if indicator in ind.index else "flow"
        domain = g["domain"].iat[0]
        end_years = sorted(g["year"].unique()) if years is None else [y for y in years]
        mine = a_ind == indicator
        bp, byr, bsum, bsize = a_partner[mine], a_year[mine], a_sum[mine], a_size[mine]
        windows = _window_sums(end_years, window, bp, byr, bsum, bsize)
        for y in end_years:
            per = windows.get(y)
            if per is None:
                continue
            wld = per["WLD"][0] if "WLD" in per else None
            # an explicit OTH row is kept as a partner; the WLD remainder is added to it below
            partners = [(k, v) for k, v in per.items() if k != "WLD"]
            if not partners:
                continue
            # summed as pandas sums the column (NaN as 0, numpy's pairwise order)
            psum = float(np.nansum(np.array([v[0] for _, v in partners], dtype=float)))
            basis, denom = "sum", psum
            if wld is not None and kind != "score":
                if psum > float(wld) * (1 + 1e-9):
                    warnings.warn(
                        f"{focal} {indicator} {y}: partner rows add up to {fmt_sig(psum, 6, thousands=False)} > WLD total "
                        f"{fmt_sig(float(wld), 6, thousands=False)}; using the sum of partner rows as the denominator",
                        InconsistentTotalWarning, stacklevel=2)
                else:
                    basis, denom = "WLD", float(wld)
            rest = max(0.0, denom - psum) if basis == "WLD" else 0.0
            for partner, (vsum, vsize) in partners:
                value = float(vsum) + (rest if partner == "OTH" else 0.0)
                out.append((indicator, domain, y, window, partner, value,
                            value / denom if denom > 0 else np.nan, basis, denom,
                            int(vsize)))
            if basis == "WLD" and "OTH" not in per:
                out.append((indicator, domain, y, window, "OTH", rest, rest / denom, basis, denom,
                            0))
    cols = ["indicator", "domain", "year", "window", "partner", "value", "share", "basis",
            "denominator", "n_rows"]
    return pd.DataFrame(out, columns=cols)


def _window_sums(end_years, window: int, bp: np.ndarray, byr: np.ndarray, bsum: np.ndarray,
                 bsize: np.ndarray) -> dict:
    """``{end year: _per_partner(...)}`` for the windows ``end - window + 1 .. end`` that hold
    rows. The windows where a partner has several years (pandas adds them up) are summed in one
    grouping over (end year, partner) instead of one per window: each cell's rows come in the
    same order as in the window's own grouping, so the sums are the same floats
    (tests/core/test_assess_fast.py)."""
    out: dict = {}
    batch: list[tuple] = []
    for y in end_years:
        inwin = (byr >= y - window + 1) & (byr <= y)
        if not inwin.any():
            continue
        ps = bp[inwin]
        if len(set(ps)) == len(ps) or not all(isinstance(p, str) for p in ps):
            out[y] = _per_partner(inwin, bp, bsum, bsize)
        else:
            batch.append((y, ps, bsum[inwin], bsize[inwin]))
    if batch:
        agg = pd.DataFrame({
            "end": np.concatenate([np.full(len(b[1]), i) for i, b in enumerate(batch)]),
            "partner": np.concatenate([b[1] for b in batch]),
            "sum": np.concatenate([b[2] for b in batch]),
            "size": np.concatenate([b[3] for b in batch])}).groupby(["end", "partner"]).sum()
        cells = agg[["sum", "size"]].to_numpy(dtype=object)
        for (i, p), r in zip(agg.index.tolist(), cells, strict=True):
            out.setdefault(batch[i][0], {})[p] = (r[0], r[1])
    return out


def _per_partner(inwin: np.ndarray, bp: np.ndarray, bsum: np.ndarray,
                 bsize: np.ndarray) -> dict:
    """``{partner: (sum, rows)}`` over the window's years, partners sorted: what a pandas
    ``groupby("partner").sum()`` of the window's (partner, year) sums gives. Where every
    partner has one year in the window (window 1, most indicators) the sums are the rows
    themselves; otherwise pandas adds them up."""
    ps, vs, ns = bp[inwin], bsum[inwin], bsize[inwin]
    if len(set(ps)) == len(ps) and all(isinstance(p, str) for p in ps):
        return {ps[k]: (vs[k], ns[k]) for k in sorted(range(len(ps)), key=ps.__getitem__)}
    agg = pd.DataFrame({"partner": ps, "sum": vs, "size": ns}).groupby("partner").sum()
    return {k: (r[0], r[1]) for k, r in zip(agg.index, agg[["sum", "size"]].to_numpy(
        dtype=object), strict=True)}


@cache
def _roles() -> dict[str, str]:
    ind = reference.indicator_table()
    if "role" not in ind.columns:
        return {}
    return {i: (r.strip() or "share") for i, r in zip(ind.index, ind["role"], strict=True)}


def indicator_role(indicator: str) -> str:
    """``share`` (enters the domain's shares) or ``supporting`` (evidence only), from the
    indicators table's ``role`` column; ``share`` for an indicator not in the table."""
    return _roles().get(indicator, "share")


def _weights(indicators: pd.Series, weights: Mapping[str, float] | None) -> pd.Series:
    table = _table_weights()
    w = indicators.map(lambda i: table.get(i, 1.0))
    if weights:
        w = pd.Series([float(weights.get(i, wi)) for i, wi in zip(indicators, w, strict=True)],
                      index=indicators.index)
    return w


@cache
def _table_weights() -> dict[str, float]:
    ind = reference.indicator_table()
    return {i: float(v) for i, v in zip(ind.index, ind["weight"], strict=True)}


LOOKBACK = 3
"""Default number of years an indicator's latest figure stays current in a domain."""

STALE_MAX_AGE = 5
"""Oldest figure (years behind the domain year) that still enters a domain, flagged stale, when
it is the indicator's latest figure up to that year and older than the lookback (the uranium
export values of 2020 in a 2024 energy domain). Older figures are left out. A fallback until the
doctrine sets a maximum age."""


def _pick(ys: np.ndarray, year: int, lookback: int, max_age: int) -> tuple[int, bool] | None:
    """The year an indicator with figures in ``ys`` contributes to domain-year ``year`` and
    whether that figure is stale; None when it contributes nothing."""
    ok = ys[(ys <= year) & (ys >= year - lookback)]
    if ok.size:
        return int(ok.max()), False
    old = ys[(ys < year - lookback) & (ys >= year - max(max_age, lookback))]
    return (int(old.max()), True) if old.size else None


def supporting_years(ishares: pd.DataFrame, domain: str, year: int, *, lookback: int = LOOKBACK,
                     max_age: int = STALE_MAX_AGE) -> dict[str, int]:
    """The supporting indicators of ``domain`` and the year each would contribute to domain-year
    ``year`` (the same choice as for share indicators): evidence shown beside the shares."""
    d = ishares[ishares["domain"] == domain]
    lone = single_partner_years(d)
    out = {}
    for ind, g in d.groupby("indicator", sort=True):
        got = _pick(np.array(sorted(g["year"].unique())), int(year), lookback, max_age)
        if got is not None and (indicator_role(ind) == "supporting"
                                or (ind, got[0]) in lone):
            out[ind] = got[0]
    return out


def is_single_partner(basis: str, n_rows: int) -> bool:
    """One indicator-year's shares have one partner by construction: a partner-sum basis (no
    WLD total) and a single partner row (``OTH`` included), whose share is then 1."""
    return basis == "sum" and n_rows <= 1


def single_partner_years(ishares: pd.DataFrame) -> set[tuple[str, int]]:
    """The (indicator, year) pairs of ``ishares`` (:func:`indicator_shares`) that are
    single-partner (:func:`is_single_partner`): supporting evidence, never a share."""
    if ishares.empty or "basis" not in ishares.columns:
        return set()
    # the basis is one per (indicator, year): count the rows of the partner-sum ones
    on_sum = ishares["basis"].to_numpy() == "sum"
    n = Counter(zip(ishares["indicator"].to_numpy()[on_sum], ishares["year"].to_numpy()[on_sum],
                    strict=True))
    return {(str(i), int(y)) for (i, y), k in n.items() if is_single_partner("sum", k)}


def _combine(ishares: pd.DataFrame, weights: Mapping[str, float] | None,
             lookback: int = LOOKBACK, max_age: int = STALE_MAX_AGE) -> pd.DataFrame:
    """Weighted mean of indicator shares per (domain, year); partners absent count 0.

    For a domain-year ``Y`` each indicator enters with its latest year in ``Y-lookback .. Y``
    (so a domain is not judged on the one indicator that happens to have the newest figure),
    or, flagged stale, with its latest figure up to ``max_age`` years behind ``Y``;
    ``indicator_years`` records which year each indicator contributed, ``stale`` the stale ones,
    ``supporting`` the supporting indicators left out of the shares (role ``supporting``, or a
    single-partner year) and ``single_partner`` the single-partner ones among them.
    """
    rows = []
    lone = single_partner_years(ishares)
    for domain, gd in ishares.groupby("domain", sort=True):
        ind_years = {i: np.array(sorted(g["year"].unique())) for i, g in gd.groupby("indicator")}
        g_ind = gd["indicator"].to_numpy()
        g_year = gd["year"].to_numpy()
        g_partner = gd["partner"].to_numpy()
        g_share = gd["share"].to_numpy(dtype=float)
        for year in sorted(np.unique(g_year)):
            picked, stale, support, alone = _choose(ind_years, int(year), lone, lookback,
                                                    max_age)
            if not picked:
                continue
            inds = pd.Series(sorted(picked))
            w = _weights(inds, weights)
            if w.sum() <= 0:
                continue
            w = w / w.sum()
            sel = np.fromiter((picked.get(i) == y for i, y in zip(g_ind, g_year, strict=True)),
                              dtype=bool, count=len(g_ind))
            combined = _weighted_rows(g_partner[sel], g_ind[sel], g_share[sel],
                                      list(inds), w.to_numpy(dtype=float))
            if combined is None:  # an unusual table: the general (slow) path
                g = gd[sel]
                wmap = dict(zip(inds, w, strict=True))
                mat = g.pivot_table(index="partner", columns="indicator", values="share",
                                    aggfunc="sum", fill_value=0.0)
                combined = mat.mul(pd.Series(wmap)[mat.columns], axis=1).sum(axis=1).items()
            iy = ";".join(f"{i}:{picked[i]}" for i in inds)
            extra = (";".join(sorted(stale)), ";".join(sorted(support)),
                     ";".join(sorted(alone)))
            for partner, sh in combined:
                rows.append((domain, int(year), partner, float(sh), ";".join(inds), iy, *extra))
    return pd.DataFrame(rows, columns=["domain", "year", "partner", "share", "indicators",
                                       "indicator_years", "stale", "supporting",
                                       "single_partner"])


def _choose(ind_years: Mapping[str, np.ndarray], year: int, lone: set, lookback: int,
            max_age: int) -> tuple[dict[str, int], list[str], list[str], list[str]]:
    """The indicators of one domain-year: ``picked`` (indicator -> the year it contributes to
    the shares), the stale ones, the supporting ones left out and the single-partner ones among
    them (all as ``indicator:year``). Single-partner indicator-years (``lone``) are left out
    unless nothing else is there; they then make the shares (module docstring)."""
    picked, stale, support, alone = {}, [], [], {}
    for ind, ys in ind_years.items():
        got = _pick(ys, year, lookback, max_age)
        if got is None:
            continue
        if indicator_role(ind) == "supporting":
            support.append(f"{ind}:{got[0]}")
        elif (ind, got[0]) in lone:
            alone[ind] = got
        else:
            picked[ind] = got[0]
            if got[1]:
                stale.append(f"{ind}:{got[0]}")
    if not picked:  # single-partner evidence only: it makes the shares, flagged downstream
        picked = {i: g[0] for i, g in alone.items()}
        stale += [f"{i}:{g[0]}" for i, g in alone.items() if g[1]]
        return picked, stale, support, []
    single = [f"{i}:{g[0]}" for i, g in alone.items()]
    return picked, stale, support + single, single


def _weighted_rows(partners: np.ndarray, indicators: np.ndarray, shares: np.ndarray,
                   inds: list[str], w: np.ndarray) -> list[tuple[str, float]] | None:
    """``sum_i share[partner, i] * w[i]`` per partner (sorted), absent cells 0: the same numbers,
    bit for bit, as ``pivot_table(index="partner", columns="indicator", aggfunc="sum",
    fill_value=0).mul(w).sum(axis=1)`` (a NaN share counts 0 as in the group sum; the products
    are summed as pandas sums a row: numpy's sum over a C-contiguous partner x indicator
    array, pairwise past 8 indicators; tests/core/test_combine_fast.py holds the two
    together), without pandas' per-call cost. None when a (partner, indicator) cell repeats or a partner is missing (the
    caller then uses pandas)."""
    if len(partners) == 0 or any(not isinstance(p, str) for p in partners):
        return None
    cols = {ind: k for k, ind in enumerate(inds)}
    if any(i not in cols for i in indicators):
        return None
    names = sorted(set(partners))
    prow = {p: k for k, p in enumerate(names)}
    block = np.zeros((len(names), len(inds)))
    seen = set()
    for p, i, v in zip(partners, indicators, shares, strict=True):
        key = (p, i)
        if key in seen:
            return None
        seen.add(key)
        block[prow[p], cols[i]] = 0.0 if v != v else v
    vals = np.ascontiguousarray(block * w)
    return list(zip(names, vals.sum(axis=1).tolist(), strict=True))


def domain_share_series(flows, focal: str, *, weights: Mapping[str, float] | None = None,
                        lookback: int = LOOKBACK, max_age: int = STALE_MAX_AGE) -> pd.DataFrame:
    """Domain shares for every (domain, year) with data: columns domain, year, partner, share,
    indicators (the indicators combined, ';'-separated), indicator_years
    (``indicator:year;...``), stale (the stale ones among them, same form), supporting (the
    supporting indicators left out of the shares, same form) and single_partner (the
    single-partner ones among those, same form)."""
    return _combine(indicator_shares(flows, focal), weights, lookback, max_age)


def domain_shares(flows, focal: str, *, year: int | None = None,
                  weights: Mapping[str, float] | None = None,
                  series: pd.DataFrame | None = None) -> pd.DataFrame:
    """Domain shares of ``focal`` in one year per domain.

    Parameters
    ----------
    flows
        A :class:`~equipoise.io.flows.FlowSet` or a canonical flows DataFrame.
    focal
        ISO3 code of the focal (reporting) state.
    year
        Use this year in every domain (domains without data that year are left out). ``None``
        uses each domain's latest year with data.
    weights
        Indicator weights overriding the indicators table.

    Returns
    -------
    DataFrame with columns ``domain, year, partner, share, indicators``.
    """
    s = domain_share_series(flows, focal, weights=weights) if series is None else series
    if year is not None:
        out = s[s["year"] == year]
        if out.empty:
            raise NoDataError(f"{focal}: no domain has data in {year}; years with data: "
                              f"{sorted(s['year'].unique())}")
        return out.reset_index(drop=True)
    latest = s.groupby("domain")["year"].transform("max")
    return s[s["year"] == latest].reset_index(drop=True)


def exposure_matrix(flows, focal: str, *, year: int | None = None,
                    weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Partner x domain matrix of shares (rows partners, columns domains; 0 where absent)."""
    d = domain_shares(flows, focal, year=year, weights=weights)
    return d.pivot_table(index="partner", columns="domain", values="share", aggfunc="sum",
                         fill_value=0.0)


def pole_share(shares: Mapping[str, float] | pd.Series, pole: str, year: int | None) -> float:
    """Share of a pole in one domain: the pole's own share plus, for a group pole (EU27), the
    shares of its members in that year."""
    s = dict(shares)
    codes = {pole, *reference.expand_group(pole, year)} if reference.is_group(pole) else {pole}
    return float(sum(v for k, v in s.items() if k in codes))
