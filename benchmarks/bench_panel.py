"""World panel benchmark: ``panel build`` over ../shared/data, the all-states UN agreement, and
``index --all`` with bootstrap replicates.

1. **Build**: ``equipoise.panel.build`` of all four domains (COW trade, SIPRI, UN votes, IMF
   DIP) for 1992 to the latest year, each run in a fresh process (wall time, and the process's
   peak resident memory from ``getrusage``); median of ``--repeat`` runs. Goals of issue 12:
   under 60 s and 2 GB.
2. **Agreement**: the panel's grouped DuckDB query (agreement and kappa of every state with
   every pole -- CHN, USA, RUS and EU27 as the plurality of its members -- for every year)
   against a straightforward pandas implementation: the pole votes (EU27 by a groupby), one
   ``merge`` of all votes with the pole votes on the roll call, and a groupby per (year,
   state, pole) for the counts. The same numbers are checked (max abs difference). Goal of
   issue 12: at least 20x.
3. **Index**: ``balance_index`` for every state and year with ``--reps`` replicates, in a
   fresh process with its peak memory (goal: under 30 s for 1,000); ``--db`` reuses a built
   panel.
4. **Spark**: the same build with ``engine="spark"`` (PySpark local[2] computes the trade and
   security shares by the Ibis expressions of ``equipoise.panel.ibis_shares``), in a fresh
   process, and a check that its ``panel`` rows equal the DuckDB build's (text columns
   identical, numbers to a relative 1e-12: Spark does not order its sums). The peak memory is
   the Python driver's; the JVM's is reported from ``RUSAGE_CHILDREN`` after it exits.

Usage: python benchmarks/bench_panel.py [--data-dir DIR] [--repeat 3] [--reps 1000]
[--parts build,agreement,index,spark] [--db FILE (a built panel for the index part)]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
POLES = ["CHN", "USA", "RUS", "EU27"]

_CHILD = """
import json, resource, sys, time
t = time.perf_counter()
from equipoise import panel
r = panel.build(sys.argv[1], sys.argv[2], engine=sys.argv[3],
                poles=["CHN", "USA", "RUS", "EU27"])
sec = time.perf_counter() - t
if sys.argv[3] != "duckdb":
    from pyspark.sql import SparkSession
    SparkSession.getActiveSession().stop()
print(json.dumps({"seconds": sec, "rows": r.rows,
                  "read_seconds": r.read_seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                  / 1024}))
"""


def _build_child(data_dir: Path, db: Path, engine: str = "duckdb") -> dict:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(data_dir), str(db), engine],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _panel_rows(db: Path) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * FROM panel ORDER BY focal, year, domain, indicator, "
                           "partner, source").df()
    finally:
        con.close()


def bench_spark(data_dir: Path, db: Path | None) -> dict:
    """The Spark build in a fresh process and the rows compared with the DuckDB build."""
    with tempfile.TemporaryDirectory() as tmp:
        if db is None:
            db = Path(tmp) / "w.duckdb"
            _build_child(data_dir, db)
        sdb = Path(tmp) / "spark.duckdb"
        r = _build_child(data_dir, sdb, "spark")
        a, b = _panel_rows(db), _panel_rows(sdb)
    same = len(a) == len(b)
    diff = 0.0
    if same:
        for c in a.columns:
            if a[c].dtype.kind == "f":
                x, y = a[c].to_numpy(), b[c].to_numpy()
                same &= bool((np.isnan(x) == np.isnan(y)).all())
                m = ~np.isnan(x)
                rel = np.abs(x[m] - y[m]) / np.maximum(np.abs(x[m]), 1e-300)
                diff = max(diff, float(rel.max()) if rel.size else 0.0)
            else:  # NULL on both sides (None or NaN as pandas reads it back), else equal
                na, nb = a[c].isna().to_numpy(), b[c].isna().to_numpy()
                same &= bool((na == nb).all()) and bool(
                    (a[c][~na].astype(str).to_numpy() == b[c][~nb].astype(str).to_numpy()).all())
    return {**r, "rows_duckdb": len(a), "rows_spark": len(b), "same": same and diff < 1e-12,
            "max_rel_diff": diff}


def bench_build(data_dir: Path, repeat: int, keep: Path | None = None) -> dict:
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        db = keep or Path(tmp) / "w.duckdb"
        for _ in range(repeat):
            runs.append(_build_child(data_dir, db))
    return {"seconds": statistics.median(r["seconds"] for r in runs),
            "read_seconds": statistics.median(r["read_seconds"] for r in runs),
            "peak_mb": max(r["peak_mb"] for r in runs), "rows": runs[0]["rows"],
            "runs": len(runs)}


def duckdb_agreement(votes: pd.DataFrame) -> pd.DataFrame:
    """The panel's grouped DuckDB query (the SQL counts, the matrix path's reference)."""
    import duckdb

    from equipoise.panel.builder import _political_sql
    from equipoise.panel.datasets import Read

    con = duckdb.connect()
    sql = _political_sql(con, Read("political", {"votes": votes}), 0, 9999, POLES)
    df = con.execute(f"SELECT focal, year, indicator, partner, value FROM ({sql})").df()
    con.close()
    return df


def matrix_agreement(votes: pd.DataFrame) -> pd.DataFrame:
    """The panel's path: per-year states x roll calls matrices and one-hot products."""
    from equipoise.panel.agreement import agreement_frame

    return agreement_frame(votes, POLES)


def _pole_votes(v: pd.DataFrame) -> pd.DataFrame:
    """rcid, pvote, pole: the country poles' own votes and the EU27 plurality (ties dropped)."""
    from equipoise import reference

    parts = [v[v["country"] == p][["rcid", "vote"]].assign(pole=p) for p in POLES
             if not reference.is_group(p)]
    gm = reference.load("group_members")
    gm = gm[gm["group"] == "EU27"]
    eu = v.merge(gm[["member", "start_year", "end_year"]], left_on="country",
                 right_on="member")
    eu = eu[(eu["year"] >= eu["start_year"].fillna(-9999).astype(int))
            & (eu["year"] <= eu["end_year"].fillna(9999).astype(int))]
    cnt = eu.groupby(["rcid", "vote"]).size().rename("n").reset_index()
    mx = cnt.groupby("rcid")["n"].transform("max")
    top = cnt[cnt["n"] == mx]
    single = top.groupby("rcid")["vote"].transform("size") == 1
    parts.append(top[single][["rcid", "vote"]].assign(pole="EU27"))
    return pd.concat(parts, ignore_index=True).rename(columns={"vote": "pvote"})


def _kappa(g: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    po = g["a"] / g["n"]
    pe = (g["fy"] * g["py"] + g["fa"] * g["pa"] + g["fn"] * g["pn"]) / g["n"] ** 2
    return po, np.where(pe < 1, (po - pe) / (1 - pe), np.nan)


def pandas_pairs_agreement(votes: pd.DataFrame) -> pd.DataFrame:
    """The straightforward pandas merge (the baseline of the goal): for each state and each
    pole, merge the state's votes with the pole's votes on the roll call, compare, and take
    per year the mean agreement and the counts behind kappa (groupby year)."""
    v = votes[votes["vote"].isin(["yes", "abstain", "no"])]
    pv = _pole_votes(v)
    poles = {p: d[["rcid", "pvote"]] for p, d in pv.groupby("pole")}
    out = []
    for state, sv in v.groupby("country"):
        for pole, p in poles.items():
            if state == pole:
                continue
            m = sv.merge(p, on="rcid")
            if not len(m):
                continue
            m = m.assign(a=m["vote"] == m["pvote"],
                         fy=m["vote"] == "yes", fa=m["vote"] == "abstain",
                         fn=m["vote"] == "no", py=m["pvote"] == "yes",
                         pa=m["pvote"] == "abstain", pn=m["pvote"] == "no")
            g = m.groupby("year")[["a", "fy", "fa", "fn", "py", "pa", "pn"]].sum()
            g["n"] = m.groupby("year").size()
            po, kappa = _kappa(g)
            base = pd.DataFrame({"focal": state, "year": g.index, "partner": pole})
            out.append(base.assign(indicator="political.unga.agreement", value=po.to_numpy()))
            out.append(base.assign(indicator="political.unga.kappa", value=kappa))
    return pd.concat(out, ignore_index=True)


def pandas_agreement(votes: pd.DataFrame) -> pd.DataFrame:
    """A vectorised pandas version (stricter than the goal's baseline): pole votes, one merge
    of all votes with all pole votes, one groupby."""
    v = votes[votes["vote"].isin(["yes", "abstain", "no"])]
    pv = _pole_votes(v)
    m = v.merge(pv, on="rcid")
    m = m[m["country"] != m["pole"]]
    m = m.assign(a=m["vote"] == m["pvote"],
                 fy=m["vote"] == "yes", fa=m["vote"] == "abstain", fn=m["vote"] == "no",
                 py=m["pvote"] == "yes", pa=m["pvote"] == "abstain", pn=m["pvote"] == "no")
    g = m.groupby(["year", "country", "pole"])[["a", "fy", "fa", "fn", "py", "pa", "pn"]].sum()
    g["n"] = m.groupby(["year", "country", "pole"]).size()
    g = g.reset_index()
    po, kappa = _kappa(g)
    base = g[["country", "year", "pole"]].rename(columns={"country": "focal",
                                                         "pole": "partner"})
    return pd.concat([base.assign(indicator="political.unga.agreement", value=po),
                      base.assign(indicator="political.unga.kappa", value=kappa)],
                     ignore_index=True)


def _compare(a: pd.DataFrame, b: pd.DataFrame) -> dict:
    key = ["focal", "year", "indicator", "partner"]
    j = a.merge(b, on=key, how="outer", suffixes=("_a", "_b"), indicator=True)
    both = j[j["_merge"] == "both"]
    return {"max_abs_diff": float(np.nanmax(np.abs(both["value_a"] - both["value_b"]))),
            "same_missing": bool((both["value_a"].isna() == both["value_b"].isna()).all()),
            "only_one_side": int((j["_merge"] != "both").sum())}


def _best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), out


def bench_agreement(data_dir: Path, repeat: int) -> dict:
    from equipoise.sources.unvotes import read_unvotes

    vs = read_unvotes(data_dir / "unvotes")
    v = vs.votes[vs.votes["year"] >= 1992]
    votes = pd.DataFrame({"rcid": v["rcid"].astype("int64").to_numpy(),
                          "year": v["year"].astype("int64").to_numpy(),
                          "country": v["country"].astype(str).to_numpy(),
                          "vote": v["vote"].astype(str).to_numpy()})
    f_min, f_med, f = _best(lambda: matrix_agreement(votes), repeat)
    d_min, _, d = _best(lambda: duckdb_agreement(votes), repeat)
    p_min, _, p = _best(lambda: pandas_pairs_agreement(votes), max(1, repeat // 2))
    v_min, _, vv = _best(lambda: pandas_agreement(votes), repeat)
    checks = {name: _compare(f, other) for name, other in
              (("pandas_pairs", p), ("pandas_vectorised", vv), ("duckdb", d))}
    return {"votes": len(votes), "cells": len(f), "matrix_s": f_min, "matrix_median_s": f_med,
            "duckdb_s": d_min, "pandas_pairs_s": p_min, "pandas_vectorised_s": v_min,
            "ratio": p_min / f_min, "ratio_vectorised": v_min / f_min,
            "ratio_duckdb": d_min / f_min, "checks": checks}


_INDEX_CHILD = """
import json, resource, sys, time
t = time.perf_counter()
from equipoise.context import resolve_doctrine
from equipoise.panel.index import balance_index
res = balance_index(sys.argv[1], reps=int(sys.argv[2]), seed=1, doctrine=resolve_doctrine(None))
sec = time.perf_counter() - t
f = res.frame
print(json.dumps({"seconds": sec, "state_years": len(f), "ranked": int((f["status"] == "ok").sum()),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def bench_index(data_dir: Path, reps: int, db: Path | None = None) -> dict:
    """``balance_index`` of every state and year with ``reps`` replicates, in a fresh process
    (wall time including the imports, and peak memory), on ``db`` (a built panel) or on a
    panel built first."""
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    with tempfile.TemporaryDirectory() as tmp:
        if db is None:
            db = Path(tmp) / "w.duckdb"
            _build_child(data_dir, db)
        out = subprocess.run([sys.executable, "-c", _INDEX_CHILD, str(db), str(reps)],
                             capture_output=True, text=True, env=env, check=True)
    return {"reps": reps, **json.loads(out.stdout.strip().splitlines()[-1])}


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(SRC))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = Path(os.environ.get("EQUIPOISE_SHARED_DATA", HERE.parent.parent / "shared" / "data"))
    ap.add_argument("--data-dir", type=Path, default=default)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--db", type=Path, default=None,
                    help="a built panel for the index part (default: build one first)")
    ap.add_argument("--parts", default="build,agreement,index,spark",
                    help="which parts to run (comma-separated; default all four)")
    args = ap.parse_args(argv)
    if not (args.data_dir / "unvotes").is_dir():
        print(f"skipped: needs the shared data at {args.data_dir} (set --data-dir or "
              f"EQUIPOISE_SHARED_DATA)")
        return 0
    print(f"python {platform.python_version()}, {os.cpu_count()} cpu(s), data {args.data_dir}")
    parts = set(args.parts.split(","))
    ok = True
    tmp = tempfile.TemporaryDirectory()
    keep = Path(tmp.name) / "w.duckdb"
    if "build" in parts:
        b = bench_build(args.data_dir, args.repeat, keep)
        print(f"panel build (fresh process, median of {b['runs']}): {b['seconds']:.1f} s "
              f"(reading {b['read_seconds']:.1f} s), peak {b['peak_mb']:.0f} MB, "
              f"{b['rows']:,} rows   [goals: < 60 s, < 2048 MB]")
    if "agreement" in parts:
        ok = _print_agreement(bench_agreement(args.data_dir, args.repeat))
    if "index" in parts:
        i = bench_index(args.data_dir, args.reps,
                        args.db or (keep if keep.exists() else None))
        print(f"index --all, {i['reps']} replicates (fresh process): {i['seconds']:.1f} s for "
              f"{i['state_years']:,} state-years ({i['ranked']:,} ranked), peak "
              f"{i['peak_mb']:.0f} MB   [goal: < 30 s]")
    if "spark" in parts:
        s = bench_spark(args.data_dir, keep if keep.exists() else None)
        print(f"panel build --engine spark (fresh process, local[2]): {s['seconds']:.1f} s "
              f"(reading {s['read_seconds']:.1f} s), peak {s['peak_mb']:.0f} MB (Python), "
              + (f"{s['children_peak_mb']:.0f} MB (largest child: the JVM)"
                 if s["children_peak_mb"] > 0 else "the JVM's not measured (not reaped)")
              + f"; rows "
              f"{s['rows_spark']:,} vs DuckDB {s['rows_duckdb']:,}, same rows {s['same']} "
              f"(max relative difference {s['max_rel_diff']:.1e})")
        ok &= s["same"]
    tmp.cleanup()
    return 0 if ok else 1


def _print_agreement(a: dict) -> bool:
    print(f"all-states agreement + kappa x {len(POLES)} poles x years ({a['votes']:,} votes, "
          f"{a['cells']:,} cells): vote matrices {a['matrix_s']:.3f} s; pandas merge per "
          f"state and pole {a['pandas_pairs_s']:.3f} s, ratio {a['ratio']:.1f}x   "
          f"[goal: >= 20x]")
    print(f"  against one vectorised pandas merge {a['pandas_vectorised_s']:.3f} s: "
          f"{a['ratio_vectorised']:.1f}x; against the grouped DuckDB query "
          f"{a['duckdb_s']:.3f} s: {a['ratio_duckdb']:.1f}x")
    for name, c in a["checks"].items():
        print(f"  same numbers as {name}: max abs diff {c['max_abs_diff']:.2e}, same missing "
              f"{c['same_missing']}, cells on one side only {c['only_one_side']}")
    return all(c["max_abs_diff"] < 1e-9 and c["same_missing"] and c["only_one_side"] == 0
               for c in a["checks"].values())


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
