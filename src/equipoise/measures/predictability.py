"""Predictability: how much a domain's partner shares move from one year to the next.

Policy, not data churn: two years of a domain are compared on the same basket of indicators.
A domain's shares in a year combine the indicators that have a figure within the lookback
(:func:`equipoise.measures.exposure.domain_share_series`), so the set of indicators changes from
year to year as sources start, stop or skip a year. Comparing those combined shares would count
an indicator entering or leaving as a change of partners. Here each consecutive pair of years
``a, b`` is compared only on the indicators present in both years whose figure was renewed
(the year an indicator contributes to ``b`` is later than the one it contributes to ``a``):

* ``compared``: in both baskets with a new figure in ``b``; the shares of ``a`` and ``b`` are
  recombined over these indicators only (their weights renormalised) and the distance measured;
* ``carried``: in both baskets with the same figure (carried forward by the lookback): it holds
  no observation of change and is left out;
* ``entering`` / ``leaving``: in the basket of ``b`` only / of ``a`` only; left out;
* ``same_basket``: no indicator entering or leaving.

A pair with nothing to compare is *insufficient data*: its distance is ``None`` (not 0) and it
does not enter the domain's volatility; a domain without any comparable pair has volatility NaN
and a ``note`` saying why.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["share_volatility"]

INSUFFICIENT = "insufficient data"


def _tv(a: pd.Series, b: pd.Series) -> float:
    """Total variation distance ``0.5 * sum_p |a_p - b_p|`` (a partner absent counts 0)."""
    a, b = a.align(b, fill_value=0.0)
    return 0.5 * float((b - a).abs().sum())


def _mix(by_iy: dict, years: dict[str, int], w: dict[str, float]) -> pd.Series:
    """Weighted mean of the indicators' partner shares (a partner absent from one counts 0)."""
    out = pd.Series(dtype=float)
    for i, wi in w.items():
        out = out.add(by_iy[(i, years[i])] * wi, fill_value=0.0)
    return out


def _parse_years(text: str) -> dict[str, int]:
    """``"ind:2022;other:2021"`` -> {ind: 2022, other: 2021} (an indicator code has no ``:``)."""
    out = {}
    for part in str(text).split(";"):
        if part:
            ind, _, y = part.rpartition(":")
            out[ind] = int(y)
    return out


def _plain(series: pd.DataFrame) -> dict[str, dict]:
    """Volatility of shares that carry no indicator information (the basket is unknown)."""
    out: dict[str, dict] = {}
    for domain, g in series.groupby("domain"):
        wide = g.pivot_table(index="year", columns="partner", values="share", aggfunc="sum",
                             fill_value=0.0).sort_index()
        years = [int(y) for y in wide.index]
        changes = [{"from": a, "to": b, "tv": _tv(wide.loc[a], wide.loc[b]),
                    "same_basket": None} for a, b in itertools.pairwise(years)]
        vol = sum(c["tv"] for c in changes) / len(changes) if changes else float("nan")
        out[str(domain)] = {"volatility": vol, "years": years, "n_pairs": len(changes),
                            "n_insufficient": 0, "changes": changes,
                            "note": "indicator baskets unknown (shares given without indicators)"}
    return out


def share_volatility(series: pd.DataFrame, ishares: pd.DataFrame | None = None, *,
                     weights: Mapping[str, float] | None = None) -> dict[str, dict]:
    """Mean year-on-year total variation distance of each domain's shares, on the same basket.

    For consecutive years with data ``a, b`` the distance is
    ``TV = 0.5 * sum_p |s_p(b) - s_p(a)|`` (0: same distribution; 1: disjoint partners), the
    total variation distance between the two share vectors (Levin, Peres & Wilmer 2009, ch. 4),
    where ``s(a)`` and ``s(b)`` are the domain's shares recombined over the indicators compared
    in that pair (module docstring). The volatility of a domain is the mean TV over its
    comparable pairs.

    Parameters
    ----------
    series
        Columns domain, year, partner, share and, from
        :func:`~equipoise.measures.exposure.domain_share_series`, indicator_years
        (``indicator:year;...``).
    ishares
        The indicator shares the series was built from
        (:func:`~equipoise.measures.exposure.indicator_shares`). Without them, or without
        ``indicator_years``, the basket cannot be checked: the published shares are compared
        and ``same_basket`` is None.
    weights
        Indicator weights overriding the indicators table (as used to build ``series``).

    Returns
    -------
    dict
        domain -> {volatility, years, n_pairs (comparable pairs), n_insufficient, changes,
        note}; each change is {from, to, tv (None when insufficient), tv_published (the TV of
        the published domain shares, basket changes included), same_basket, compared,
        carried, entering, leaving, indicator_years (compared indicator -> [year in a, year in
        b]), partners_entering / partners_leaving (named partners of the compared indicators
        in one year only: the same basket of indicators can still differ in partners; shown,
        not corrected), reason (for an insufficient pair)}.
    """
    if ishares is None or "indicator_years" not in series.columns:
        return _plain(series)
    by_iy = _by_indicator_year(ishares)
    out: dict[str, dict] = {}
    for domain, g in series.groupby("domain"):
        rows = _year_rows(g)
        picked = {int(y): _parse_years(t) for y, t in
                  g.groupby("year")["indicator_years"].first().items()}
        years = sorted(picked)
        changes = [_pair_change(a, b, picked[a], picked[b], rows, by_iy, weights)
                   for a, b in itertools.pairwise(years)]
        out[str(domain)] = _domain_record(years, changes)
    return out


def _year_rows(g: pd.DataFrame) -> dict[int, np.ndarray]:
    """year -> the domain's shares summed per partner, over all its partners in sorted order
    (0 where a partner has no row that year): the rows of
    ``g.pivot_table(index="year", columns="partner", values="share", aggfunc="sum",
    fill_value=0.0)``, from one grouped sum (the same cells, in a tenth of the time)."""
    sums = g.groupby(["year", "partner"], sort=True)["share"].sum()
    years = sums.index.get_level_values(0).tolist()
    partners = sums.index.get_level_values(1).tolist()
    col = {p: i for i, p in enumerate(sorted(set(partners)))}
    rows: dict[int, np.ndarray] = {}
    for y, p, v in zip(years, partners, sums.tolist(), strict=True):
        if y not in rows:
            rows[y] = np.zeros(len(col))
        rows[y][col[p]] = v
    return rows


def _by_indicator_year(ishares: pd.DataFrame) -> dict[tuple[str, int], dict[str, float]]:
    """(indicator, year) -> {partner: summed share}, partners in sorted order: one grouped sum
    over the three keys (each cell adds the same rows in the same order as a sum per
    (indicator, year) group would, so the floats are the same), not one groupby per group."""
    sums = ishares.groupby(["indicator", "year", "partner"], sort=True)["share"].sum()
    out: dict[tuple[str, int], dict[str, float]] = {}
    for (i, y, p), v in zip(sums.index.tolist(), sums.tolist(), strict=True):
        out.setdefault((str(i), int(y)), {})[p] = v
    return out


def _pair_change(a: int, b: int, pa: dict, pb: dict, rows: dict, by_iy: dict,
                 weights) -> dict:
    """One change of :func:`share_volatility`: years ``a -> b`` whose indicators were picked
    from years ``pa`` and ``pb`` (indicator -> year), compared on their common basket.
    ``rows``: year -> the domain's published shares over all its partners (one array each);
    ``by_iy``: (indicator, year) -> {partner: share}."""
    from .exposure import _table_weights

    common = sorted(set(pa) & set(pb))
    compared = [i for i in common if pb[i] > pa[i]]
    carried = [i for i in common if pb[i] <= pa[i]]
    entering, leaving = sorted(set(pb) - set(pa)), sorted(set(pa) - set(pb))
    c = {"from": a, "to": b, "tv": None,
         "tv_published": 0.5 * float(np.abs(rows[b] - rows[a]).sum()),
         "same_basket": not entering and not leaving, "compared": compared,
         "carried": carried, "entering": entering, "leaving": leaving,
         "indicator_years": {i: [pa[i], pb[i]] for i in compared}}
    table = _table_weights()
    w = np.array([float((weights or {}).get(i, table.get(i, 1.0))) for i in compared])
    if not compared:
        c["reason"] = (f"{INSUFFICIENT}: no indicator in both years" if not common else
                       f"{INSUFFICIENT}: no indicator of both years has a newer figure "
                       f"in {b} (carried: {', '.join(carried)})")
    elif float(w.sum()) <= 0:
        c["reason"] = f"{INSUFFICIENT}: the indicators compared have weight 0"
    else:
        w = dict(zip(compared, (w / w.sum()).tolist(), strict=True))
        c["tv"] = _tv_dict(_mix_dict(by_iy, pa, w), _mix_dict(by_iy, pb, w))
        named = [{p for p in by_iy[(i, y[i])] if p != "OTH"} for y in (pa, pb)
                 for i in compared]
        na, nb = set().union(*named[:len(compared)]), set().union(*named[len(compared):])
        c["partners_entering"], c["partners_leaving"] = sorted(nb - na), sorted(na - nb)
    return c


def _mix_dict(by_iy: dict, years: dict[str, int], w: dict[str, float]) -> dict[str, float]:
    """:func:`_mix` on plain dicts (the same additions in the same order)."""
    out: dict[str, float] = {}
    for i, wi in w.items():
        for p, v in by_iy[(i, years[i])].items():
            out[p] = out.get(p, 0.0) + v * wi
    return out


def _tv_dict(a: dict[str, float], b: dict[str, float]) -> float:
    """:func:`_tv` on plain dicts: over the union of partners in sorted order, as pandas aligns."""
    keys = sorted(set(a) | set(b))
    d = np.array([b.get(k, 0.0) - a.get(k, 0.0) for k in keys], dtype=float)
    return 0.5 * float(np.abs(d).sum())


def _domain_record(years: list[int], changes: list[dict]) -> dict:
    """A domain's volatility (mean TV over its comparable pairs) with its changes."""
    ok = [c["tv"] for c in changes if c["tv"] is not None]
    vol = sum(ok) / len(ok) if ok else float("nan")
    rec = {"volatility": vol, "years": years, "n_pairs": len(ok),
           "n_insufficient": len(changes) - len(ok), "changes": changes}
    if math.isnan(vol):
        rec["note"] = (f"{INSUFFICIENT}: one year only ({years[0]})" if len(years) < 2 else
                       f"{INSUFFICIENT}: no pair of years shares an indicator with a newer "
                       f"figure ({len(changes)} pair(s) skipped)")
    return rec
