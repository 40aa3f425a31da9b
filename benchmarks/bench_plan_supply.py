"""The plan's trade capacity from a warehouse: `basket_supply` (one DuckDB query over
``trade_products``) on one BACI-shaped year, against a pandas implementation of the same
formula on the same rows read into memory (same shares checked).

    python benchmarks/bench_plan_supply.py [--rows 2000000] [--focal KAZ] [--repeat 3]

The year is written by ``generate_baci.py`` (200 countries, 5,000 products, Zipf sizes) and
ingested into a temporary warehouse; the ingest is not timed. Prints the median time of each
and the ratio; figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_baci import generate

from equipoise import warehouse
from equipoise.measures.supply import basket_supply


def pandas_supply(tp: pd.DataFrame, focal: str) -> pd.Series:
    """c_p = sum_k (M_k / M) * X_pk / W_k with pandas groupbys (the baseline)."""
    tp = tp[tp["value"] > 0]
    m = tp[tp["importer"] == focal].groupby("product")["value"].sum()
    w = m / m.sum()
    ex = tp[tp["product"].isin(m.index)].groupby(["exporter", "product"])["value"].sum()
    world = ex.groupby(level="product").sum()
    share = ex / world.reindex(ex.index.get_level_values("product")).to_numpy()
    share = share * w.reindex(ex.index.get_level_values("product")).to_numpy()
    out = share.groupby(level="exporter").sum()
    return out.drop(focal, errors="ignore")


def _median(f, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--focal", default="KAZ")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "baci"
        generate(folder, rows=a.rows, years=(2021,))
        db = Path(tmp) / "w.duckdb"
        warehouse.ingest("baci", folder, db=db)
        con = warehouse.connect_duckdb(db)
        try:
            n = con.execute("SELECT count(*) FROM trade_products").fetchall()[0][0]
            t_sql, got = _median(lambda: basket_supply(con, a.focal, years=[2021]), a.repeat)
            tp = con.execute("SELECT exporter, importer, product, value FROM trade_products "
                             "WHERE year = 2021").df()
        finally:
            con.close()
    t_pd, want = _median(lambda: pandas_supply(tp, a.focal), a.repeat)
    mine = got.frame.set_index("partner")["share"]
    assert np.allclose(mine.sort_index().to_numpy(), want.sort_index().to_numpy(), rtol=1e-9)
    print(f"rows {n:,}, focal {a.focal}: {len(mine)} exporters, "
          f"{got.years[2021]['products']:,} products imported, "
          f"{got.years[2021]['importers']} importers")
    print(f"basket_supply (DuckDB, on the warehouse) {t_sql:.3f} s")
    print(f"pandas baseline (rows already in memory)  {t_pd:.3f} s")
    print(f"ratio DuckDB / pandas                     {t_sql / t_pd:.2f}")


if __name__ == "__main__":
    main()
