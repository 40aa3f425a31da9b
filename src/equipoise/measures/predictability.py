"""Predictability: how much a domain's partner shares move from one year to the next."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

__all__ = ["share_volatility"]


def share_volatility(series: pd.DataFrame) -> dict[str, dict]:
    """Mean year-on-year total variation distance of each domain's shares.

    For consecutive years with data ``t-1, t`` the distance is
    ``TV = 0.5 * sum_p |s_p(t) - s_p(t-1)|`` (0: same distribution; 1: disjoint partners), the
    total variation distance between the two share vectors (Levin, Peres & Wilmer 2009, ch. 4).
    The volatility of a domain is the mean TV over its consecutive pairs; it needs two years.

    ``series`` has columns domain, year, partner, share (``domain_share_series``).
    Returns domain -> {volatility, years, n_pairs, changes: [{from, to, tv}]}.
    """
    out: dict[str, dict] = {}
    for domain, g in series.groupby("domain"):
        wide = g.pivot_table(index="year", columns="partner", values="share", aggfunc="sum",
                             fill_value=0.0).sort_index()
        years = [int(y) for y in wide.index]
        rows = wide.to_numpy(dtype=float)  # one row a year, partners in the same order
        changes = []
        for k, (a, b) in enumerate(itertools.pairwise(years)):
            tv = 0.5 * float(np.abs(rows[k + 1] - rows[k]).sum())
            changes.append({"from": a, "to": b, "tv": tv})
        vol = sum(c["tv"] for c in changes) / len(changes) if changes else float("nan")
        out[str(domain)] = {"volatility": vol, "years": years, "n_pairs": len(changes),
                            "changes": changes}
    return out
