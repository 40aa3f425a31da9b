"""Write a synthetic panel in the exact CEPII BACI layout, for the screen benchmark.

Shape (documented in docs/perf/screen.md):

* ``n_countries`` (200) trading countries with real BACI/M49 numeric codes (USA as 842,
  FRA 251, IND 699, CHE 757, NOR 579 as BACI writes them), each exporter and importer drawn with
  a heavy-tailed (Zipf, exponent 1.1) size weight;
* ``n_products`` (5,000) HS6 codes across chapters 01-97 (BACI writes ``k`` without the leading
  zero, e.g. ``10121``), product popularity Zipf (exponent 0.6);
* about ``rows`` (10 million) distinct (exporter, importer, product) cells a year, i.e. 5 % of
  the 200 x 200 x 5,000 cube;
* values (thousand USD) log-normal (sigma 2) times exporter and importer size; for 15 % of
  products one exporter dominates world supply (values x 40), so the world-export HHI spans
  its range and a few percent of pairs are flagged critical;
* years: 90 % of the cells persist to the next year with values times log-normal(0, 0.3);
  10 % are redrawn;
* quantities ``q`` in tonnes, with ``NA`` (padded with spaces, as BACI writes it) in 3 % of rows;
* the ``country_codes_V202401b.csv`` and ``product_codes_HS17_V202401b.csv`` files beside.

Usage::

    python benchmarks/generate_baci.py OUT_DIR [--rows 10000000] [--years 2019 2020 2021]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

VERSION = "V202401b"
REVISION = "HS17"
# BACI codes that differ from ISO/M49 (CEPII BACI country_codes file).
BACI_OVERRIDES = {"USA": 842, "FRA": 251, "IND": 699, "CHE": 757, "NOR": 579}


def _countries(n: int) -> list[tuple[int, str, str, str]]:
    from equipoise import reference

    c = reference.load("countries")
    c = c[(c["m49"] != "") & (c["iso2"] != "")]
    # large economies first so the heavy tail sits on familiar codes
    first = ["CHN", "USA", "DEU", "JPN", "KOR", "FRA", "ITA", "GBR", "IND", "NLD", "RUS", "CAN",
             "MEX", "BRA", "ESP", "CHE", "SGP", "TUR", "POL", "KAZ", "NOR", "SAU", "ARE", "AUS"]
    rest = sorted(set(c["iso3"]) - set(first))
    order = first + rest
    c = c.set_index("iso3").loc[order[:n]]
    out = []
    for iso3, r in c.iterrows():
        code = BACI_OVERRIDES.get(iso3, int(r["m49"]))
        out.append((code, r["name"], r["iso2"], iso3))
    return out


def _products(n: int, rng: np.random.Generator) -> np.ndarray:
    chapters = np.array([c for c in range(1, 98) if c != 77])
    codes: set[int] = set()
    while len(codes) < n:
        ch = rng.choice(chapters, size=n)
        rest = rng.integers(101, 9999, size=n)
        codes.update((ch * 10000 + rest).tolist())
    return np.array(sorted(codes)[:n], dtype=np.int64)


def _zipf_weights(n: int, a: float, rng: np.random.Generator) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** a
    return w / w.sum()


def generate(out: Path, *, rows: int = 10_000_000, years=(2019, 2020, 2021),
             n_countries: int = 200, n_products: int = 5_000, seed: int = 12345) -> dict:
    """Write the panel; return its shape (rows per year, countries, products)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    countries = _countries(n_countries)
    codes = np.array([c[0] for c in countries], dtype=np.int64)
    products = _products(n_products, rng)
    nc, npr = len(codes), len(products)
    w_exp = _zipf_weights(nc, 1.1, rng)
    w_imp = rng.permutation(_zipf_weights(nc, 1.1, rng))
    w_imp = np.where(np.arange(nc) < 24, _zipf_weights(nc, 1.1, rng), w_imp)
    w_imp /= w_imp.sum()
    w_prod = rng.permutation(_zipf_weights(npr, 0.6, rng))

    # distinct cells: oversample, drop duplicates and self-trade
    cells = np.empty(0, dtype=np.int64)
    while cells.size < rows:
        m = int((rows - cells.size) * 1.25) + 1000
        i = rng.choice(nc, size=m, p=w_exp)
        j = rng.choice(nc, size=m, p=w_imp)
        k = rng.choice(npr, size=m, p=w_prod)
        keep = i != j
        enc = (i[keep] * nc + j[keep]) * npr + k[keep]
        cells = np.unique(np.concatenate([cells, enc]))
    cells = rng.permutation(cells)[:rows]

    size_e = (w_exp / w_exp.max()) ** 0.5
    size_i = (w_imp / w_imp.max()) ** 0.5
    dominant = np.full(npr, -1)
    dom_k = rng.random(npr) < 0.15
    dominant[dom_k] = rng.choice(nc, size=int(dom_k.sum()), p=w_exp)

    def values(enc: np.ndarray) -> np.ndarray:
        k = enc % npr
        ij = enc // npr
        i, j = ij // nc, ij % nc
        v = rng.lognormal(2.0, 2.0, size=enc.size) * size_e[i] * size_i[j] * 100
        v = np.where(dominant[k] == i, v * 40, v)
        return np.round(np.maximum(v, 0.001), 3)

    shape = {"rows": {}, "countries": nc, "products": npr, "seed": seed}
    base_v = values(cells)
    files = []
    for y_idx, year in enumerate(years):
        t0 = time.perf_counter()
        if y_idx > 0:
            n_new = int(cells.size * 0.10)
            replace = rng.choice(cells.size, size=n_new, replace=False)
            fresh = np.unique(rng.integers(0, nc * nc * npr, size=n_new * 2))
            ii = (fresh // npr) // nc
            jj = (fresh // npr) % nc
            fresh = np.setdiff1d(fresh[ii != jj], cells)[:n_new]
            rng.shuffle(fresh)
            replace = replace[:fresh.size]
            cells = cells.copy()
            cells[replace] = fresh
            base_v = base_v * rng.lognormal(0.0, 0.3, size=base_v.size)
            base_v[replace] = values(fresh)
            base_v = np.round(np.maximum(base_v, 0.001), 3)
        k = cells % npr
        ij = cells // npr
        q = np.round(base_v / rng.uniform(0.5, 20.0, size=cells.size), 3)
        q_arr = pa.array(q)
        q_txt = pc.cast(q_arr, pa.string())
        na = pa.array(rng.random(cells.size) < 0.03)
        q_txt = pc.if_else(na, pa.scalar("           NA"), q_txt)
        table = pa.table({
            "t": pa.array(np.full(cells.size, year, dtype=np.int64)),
            "i": pa.array(codes[ij // nc]),
            "j": pa.array(codes[ij % nc]),
            "k": pa.array(products[k]),
            "v": pa.array(base_v),
            "q": q_txt,
        })
        path = out / f"BACI_{REVISION}_Y{year}_{VERSION}.csv"
        with path.open("wb") as fh:  # BACI's header is unquoted: t,i,j,k,v,q
            fh.write(b"t,i,j,k,v,q\n")
            pacsv.write_csv(table, fh, write_options=pacsv.WriteOptions(
                include_header=False, quoting_style="none"))
        files.append(path)
        shape["rows"][year] = int(cells.size)
        print(f"wrote {path.name}: {cells.size:,} rows in {time.perf_counter() - t0:.1f} s")

    with (out / f"country_codes_{VERSION}.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["country_code", "country_name", "country_iso2", "country_iso3"])
        w.writerows(countries)
    with (out / f"product_codes_{REVISION}_{VERSION}.csv").open("w", newline="",
                                                              encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(["code", "description"])
        for p in products:
            w.writerow([f"{p:06d}", f"Synthetic product {p:06d}"])
    return shape


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--years", type=int, nargs="+", default=[2019, 2020, 2021])
    ap.add_argument("--countries", type=int, default=200)
    ap.add_argument("--products", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=12345)
    a = ap.parse_args()
    print(generate(a.out, rows=a.rows, years=a.years, n_countries=a.countries,
                   n_products=a.products, seed=a.seed))


if __name__ == "__main__":
    main()
