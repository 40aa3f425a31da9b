"""Validation of the panel against the world: the correlation across states between
equipoise's China-versus-West orientation and FBIC's China and West scores.

FBIC (Formal Bilateral Influence Capacity; Moyer, Meisel, Matthews, Bohl & Burrows 2021,
Pardee Center / Diplometrics) gives, per country and year, China's influence capacity on the
country (``china_fbic``) and the sum of a restricted West's (``west1_fbic_sum``: the USA, EU
members, UK, Japan ...; the shared data's ``fbic-china-west`` folder). Its orientation is
``fbic_orientation = china / (china + west)`` (0 = all West, 1 = all China).

equipoise's orientations from the panel, per state and year:

``shares``
    the mean over the functional domains with pole data (trade, security, finance) of
    ``CHN / (CHN + USA + EU27)`` pole shares (domains where the three add up to 0 skipped);
``votes``
    ``(kappa_CHN - (kappa_USA + kappa_EU27) / 2) / 2``, the political lean from UN votes, in
    [-1, 1].

The comparison reports Pearson and Spearman correlations and the number of states.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import NoDataError, SchemaError
from .index import BASE_DOMAINS as DOMAINS
from .index import KAPPA, MIN_WLD_COVERAGE
from .show import open_panel

__all__ = ["fbic_comparison", "read_fbic"]

FBIC_COLUMNS = ("iso3c", "year", "china_fbic", "west1_fbic_sum")


def read_fbic(path: str | Path) -> pd.DataFrame:
    """The FBIC China/West file (``iso3c, year, china_fbic, west1_fbic_sum``)."""
    p = Path(path)
    if not p.is_file():
        raise SchemaError(f"{p}: no such file (the fbic-china-west dataset; see "
                          f"docs/sources.md)")
    df = pd.read_csv(p)
    missing = [c for c in FBIC_COLUMNS if c not in df.columns]
    if missing:
        raise SchemaError(f"{p} line 1: missing column(s) {missing}; expecting "
                          f"{list(FBIC_COLUMNS)}; saw {list(df.columns)}")
    out = df[list(FBIC_COLUMNS)].rename(columns={"iso3c": "state"})
    tot = out["china_fbic"] + out["west1_fbic_sum"]
    out["fbic_orientation"] = np.where(tot > 0, out["china_fbic"] / tot.where(tot > 0), np.nan)
    return out


def _orientations(db, year: int) -> pd.DataFrame:
    from .. import reference

    con = open_panel(db)
    dom = ", ".join(f"'{d}'" for d in DOMAINS)
    con.register("_v_eu", pd.DataFrame({"member": reference.expand_group("EU27", year)}))
    try:
        shares = con.execute(f"""
WITH p AS (SELECT focal, domain, indicator,
                  CASE WHEN partner IN ('CHN', 'USA') THEN partner ELSE 'EU27' END AS pole,
                  share
           FROM panel
           WHERE year = ? AND status = 'ok' AND share IS NOT NULL AND domain IN ({dom})
             AND (basis <> 'wld' OR coverage >= {MIN_WLD_COVERAGE}) AND partner <> focal
             AND (partner IN ('CHN', 'USA') OR partner IN (
                  SELECT member FROM _v_eu))),
i AS (SELECT focal, domain, indicator,
             sum(share) FILTER (WHERE pole = 'CHN') AS chn, sum(share ORDER BY pole) AS allp
      FROM p GROUP BY ALL),
d AS (SELECT focal, domain, avg(coalesce(chn, 0) / allp) AS o FROM i WHERE allp > 0
      GROUP BY ALL)
SELECT focal AS state, avg(o ORDER BY domain) AS shares FROM d GROUP BY focal""",
                             [year]).df()
        votes = con.execute(f"""
SELECT focal AS state,
       (max(value) FILTER (WHERE partner = 'CHN')
        - (max(value) FILTER (WHERE partner = 'USA')
           + max(value) FILTER (WHERE partner = 'EU27')) / 2) / 2 AS votes
FROM panel WHERE year = ? AND indicator = '{KAPPA}' AND status = 'ok'
GROUP BY focal""", [year]).df()
    finally:
        con.close()
    return shares.merge(votes, on="state", how="outer")


def fbic_comparison(db, fbic_path: str | Path, *, year: int = 2019) -> dict:
    """Correlations across states, in ``year``, between equipoise's orientations (``shares``,
    ``votes``) and FBIC's ``china / (china + west)``."""
    fb = read_fbic(fbic_path)
    fb = fb[fb["year"] == year]
    if fb.empty:
        raise NoDataError(f"{fbic_path}: no FBIC rows for {year}")
    ours = _orientations(db, year)
    joined = ours.merge(fb[["state", "fbic_orientation"]], on="state")
    out: dict = {"year": year, "fbic": "china_fbic / (china_fbic + west1_fbic_sum)",
                 "measures": {}}
    for m in ("shares", "votes"):
        sel = joined[[m, "fbic_orientation"]].dropna()
        n = len(sel)
        if n < 3:
            out["measures"][m] = {"n": n, "pearson": None, "spearman": None}
            continue
        pear = float(np.corrcoef(sel[m], sel["fbic_orientation"])[0, 1])
        spear = float(sel[m].rank().corr(sel["fbic_orientation"].rank()))
        out["measures"][m] = {"n": n, "pearson": pear, "spearman": spear}
    return out
