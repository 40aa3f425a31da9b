"""Back-test of equal distance from the ideal points (docs/methods.md, "Equal distance without
roll calls"): for each year given, pretend it had no roll calls for kappa, compute the stand-in
(the state's ideal-point spread in kappa's units, scaled by its five latest years before with
both) and compare it, and the index ranks it gives, with kappa's; also the pooled scale (one
ratio for every state) that the index does not use.

    PYTHONPATH=src python scripts/ideal_backtest.py /tmp/panel.duckdb 2019 2020 2021
    PYTHONPATH=src python scripts/ideal_backtest.py /tmp/panel.duckdb --gap 2 2021
"""

from __future__ import annotations

import sys

import numpy as np

from equipoise.doctrine.model import load_doctrine
from equipoise.panel import index as ix
from equipoise.panel.show import open_panel


def backtest(db: str, year: int, gap: int = 1) -> dict:
    """``gap`` years without roll calls up to ``year`` (2: as 2023, calibrated on the years
    before 2022)."""
    doc = load_doctrine()
    poles = list(doc.poles)
    con = open_panel(db)
    try:
        sh = ix._pole_shares(con, poles, year - 1, year)
        kap = ix._kappas(con, poles, year - 1, year)
        sp = ix._spreads(con, poles, year)
    finally:
        con.close()
    blind = sp.copy()
    # as if the years year - gap + 1 .. year had no roll calls
    blind.loc[blind["year"].between(year - gap + 1, year), "nk"] = 0
    ideal = ix._ideal_equal(blind, year, year)
    wd0, wc0 = ix.domain_weights(doc), np.ones(len(ix.COMPONENTS))
    frames = []
    for k, i in ((kap, None), (kap[kap["year"] != year], ideal)):
        a = ix._arrays(sh, k, poles, i)
        a.lead = ix.functional_domains(doc)
        comp, idx = ix._point(a, wd0, wc0)
        f = ix._ranked_frame(a, comp, idx)
        frames.append(f[f["year"] == year])
    m = frames[0].merge(frames[1], on=["focal", "year"], suffixes=("_k", "_i"))
    ok = m[(m["status_k"] == "ok") & (m["status_i"] == "ok")]
    eq = ok[["equal_distance_k", "equal_distance_i"]]
    moved = (ok["rank_k"] - ok["rank_i"]).abs()
    # the pooled scale: one ratio sum K / sum D over every state's five years before
    both = sp[(sp["nk"] >= 2) & (sp["nd"] >= 2)]
    cal = both[both["year"].between(year - gap + 1 - ix.IDEAL_CAL_YEARS, year - gap)]
    cur = both[both["year"] == year].set_index("focal")
    pooled = 1 - np.minimum(2, cal["k"].sum() / cal["d"].sum() * cur["d"]) / 2
    kappa_eq = 1 - cur["k"] / 2
    kaz = m[m["focal"] == "KAZ"].iloc[0]
    return {
        "year": year, "ok_both": len(ok),
        "equal_mae": float((eq.iloc[:, 0] - eq.iloc[:, 1]).abs().mean()),
        "equal_spearman": float(eq.rank().corr().iloc[0, 1]),
        "index_rank_spearman": float(ok[["index_k", "index_i"]].rank().corr().iloc[0, 1]),
        "rank_change_median": float(moved.median()),
        "rank_change_p90": float(moved.quantile(0.9)),
        "pooled_equal_spearman": float(np.corrcoef(pooled.rank(), kappa_eq.rank())[0, 1]),
        "pooled_equal_mae": float((pooled - kappa_eq).abs().mean()),
        "kaz": (float(kaz["equal_distance_k"]), float(kaz["equal_distance_i"]),
                kaz["rank_k"], kaz["rank_i"]),
    }


def main(argv: list[str]) -> int:
    gap = 1
    if "--gap" in argv:
        i = argv.index("--gap")
        gap = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    db, years = argv[0], [int(y) for y in argv[1:]] or [2019, 2020, 2021]
    for y in years:
        r = backtest(db, y, gap)
        k = r["kaz"]
        print(f"{y}: {r['ok_both']} states ok both ways; equal distance MAE "
              f"{r['equal_mae']:.3f}, Spearman {r['equal_spearman']:.3f} (pooled scale: MAE "
              f"{r['pooled_equal_mae']:.3f}, Spearman {r['pooled_equal_spearman']:.3f}); "
              f"index ranks Spearman {r['index_rank_spearman']:.3f}, |rank change| median "
              f"{r['rank_change_median']:.0f}, 90th percentile {r['rank_change_p90']:.0f}; "
              f"KAZ equal {k[0]:.3f} -> {k[1]:.3f}, rank {k[2]:.0f} -> {k[3]:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
