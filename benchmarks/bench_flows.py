"""Flow-file validation benchmark: ``read_flows`` on a 1,000,000-row canonical flows CSV.

Workload (seeded): 1,000,000 rows, about 7 % with partner ``EU27`` (the rows whose
group/member overlap check used to cost a full-table scan each), about 1 % bad rows of every kind
(bad year, bad or negative value, unknown code, WLD reporter, self partner, unknown domain or
indicator, domain or unit mismatch, empty cells, duplicate keys, EU27 members given next to
EU27), a few blank lines, quoted fields with an embedded newline and ragged rows. The file is
about 70 MB.

Measured, each in the same run:

* ``read_flows(path, lenient=True)``: open, parse, check every row, quarantine (the thing
  being measured);
* ``pandas.read_csv(path, dtype=str)`` alone: the floor of any pandas-based validator;
* the previous row-by-row validator (``_old_validate`` below, a copy of the loader's checks
  before they were vectorised) on a 20,000-row sample with the same mix; its cost grows with
  (EU27 rows x rows), so it is reported for the sample, not scaled.

Both validators are run on the sample and must find the same problems (file, line, column,
value, reason, message) and load the same rows.

Usage: python benchmarks/bench_flows.py [--rows 1000000] [--sample 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source"


def generate(path: Path, rows: int, seed: int = 2026, *, extras: bool = True) -> dict:
    """Write a canonical flows CSV of ``rows`` data rows; returns what was planted."""
    from equipoise import reference

    rng = np.random.default_rng(seed)
    ind = reference.indicator_table()
    ind = ind[ind["kind"] == "flow"] if "kind" in ind.columns else ind
    indicators = list(ind.index)
    countries = sorted(reference.country_codes())
    eu = set(reference.expand_group("EU27", 2020))
    non_eu = [c for c in countries if c not in eu]
    reporters = [c for c in non_eu][:60]
    partners = [c for c in countries]
    n_ind = len(indicators)
    years = np.arange(1995, 2025)
    # distinct keys: (year, reporter, indicator, product) blocks, partners drawn without overlap
    lines = [HEADER]
    kinds = []
    i = 0
    product = 0
    while i < rows:
        y = int(rng.choice(years))
        r = reporters[int(rng.integers(len(reporters)))]
        k = indicators[int(rng.integers(n_ind))]
        product += 1
        dom, unit = ind.at[k, "domain"], ind.at[k, "unit"]
        block = []
        if rng.random() < 0.5:  # EU27 as one partner, members left out
            block.append("EU27")
            pool = [p for p in non_eu if p != r]
        else:
            pool = [p for p in partners if p != r]
        take = rng.choice(len(pool), size=min(len(pool), 3 if block else 9), replace=False)
        block += [pool[j] for j in take]
        for p in block:
            if i >= rows:
                break
            v = f"{rng.gamma(1.5, 3.0):.4f}"
            row = [str(y), r, p, dom, k, f"P{product}", v, unit, "bench"]
            kind = "good" if p != "EU27" else "eu27"
            if rng.random() < 0.01:
                kind, row = _spoil(row, rng, r, ind, dom, unit, y, product)
            lines.append(",".join(row))
            kinds.append(kind)
            i += 1
    n_blank = n_ragged = n_quoted = 0
    if extras:
        for pos in rng.choice(np.arange(2, len(lines)), size=20, replace=False):
            lines[pos] = lines[pos] + "\n"  # a blank line after this row
            n_blank += 1
        for pos in rng.choice(np.arange(2, len(lines)), size=10, replace=False):
            if "\n" not in lines[pos]:
                lines[pos] = lines[pos] + ",extra"
                n_ragged += 1
        for pos in rng.choice(np.arange(2, len(lines)), size=10, replace=False):
            if "\n" not in lines[pos] and not lines[pos].endswith(",extra"):
                parts = lines[pos].split(",")
                parts[-1] = f'"{parts[-1]} (note,\nwith a newline)"'
                lines[pos] = ",".join(parts)
                n_quoted += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"rows": rows, "kinds": pd.Series(kinds).value_counts().to_dict(), "blank": n_blank,
            "ragged": n_ragged, "quoted": n_quoted}


def _spoil(row, rng, r, ind, dom, unit, y, product):
    kind = str(rng.choice(["year", "value", "negative", "code", "wld", "self", "domain",
                           "indicator", "dmismatch", "umismatch", "blank", "dup", "overlap",
                           "many"]))
    if kind == "year":
        row[0] = str(rng.choice(["20x2", "1700", "2022.5", ""]))
    elif kind == "value":
        row[6] = str(rng.choice(["eight", "inf", "nan", "1e400"]))
    elif kind == "negative":
        row[6] = "-3"
    elif kind == "code":
        row[2] = "XXK"
    elif kind == "wld":
        row[1] = "WLD"
    elif kind == "self":
        row[2] = r
    elif kind == "domain":
        row[3] = "commerce"
    elif kind == "indicator":
        row[4] = "trade.goods.flux"
    elif kind == "dmismatch":
        row[3] = "security" if dom != "security" else "trade"
    elif kind == "umismatch":
        row[7] = "EUR bn"
    elif kind == "blank":
        row[8] = ""
    elif kind == "dup":
        row[2] = "CHN" if r != "CHN" else "RUS"
        row[5] = "DUP"
        row[0] = "2020"
        row[4] = "trade.goods.turnover"
        row[3], row[7] = "trade", "USD bn"
    elif kind == "overlap":  # a member next to an EU27 row of the same block
        row[2] = "ITA"
        row[5] = "OVL"
        row[0] = "2021"
        row[4] = "trade.goods.turnover"
        row[3], row[7] = "trade", "USD bn"
    else:  # several problems in one row
        row[2], row[6], row[7] = "XXK", "-1", "EUR bn"
    return kind, row


def add_overlap_partners(path: Path) -> None:
    """Append the EU27 rows that the ``overlap`` rows (ITA, product OVL) collide with."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip")
    ovl = df[(df["product"] == "OVL")].drop_duplicates(["year", "reporter"])
    with path.open("a", encoding="utf-8") as fh:
        for r in ovl.itertuples(index=False):
            fh.write(f"{r.year},{r.reporter},EU27,trade,trade.goods.turnover,OVL,1,USD bn,bench\n")


# --- the previous validator, row by row (kept as the baseline and the oracle) ------------------


def _old_cell_text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def _old_validate(df: pd.DataFrame, source: str, lines: np.ndarray):
    """The checks as they were (per-cell ``map``, a scan of the table per group row); returns
    (problems as tuples, loaded line numbers)."""
    from equipoise import reference
    from equipoise.io.flows import _EXPECTED, COLUMNS, _unit_detail

    raw = df[list(COLUMNS)].copy()
    for c in COLUMNS:
        raw[c] = raw[c].map(_old_cell_text)
    problems = []
    ind = reference.indicator_table()
    domains = set(reference.domain_list())
    known = reference.known_codes()

    def blank(s):
        return s.isna() | s.astype(str).str.strip().eq("")

    def add(mask, column, reason, detail=None):
        for i in np.flatnonzero(np.asarray(mask)):
            value = str(raw[column].iat[i])
            msg = f"{reason}: saw {value!r}, expected {_EXPECTED[reason]}"
            if detail is not None:
                msg += f" ({detail(i)})"
            problems.append((source, int(lines[i]), column, value, reason, msg))

    for col in ("year", "reporter", "partner", "domain", "indicator", "value", "unit", "source"):
        add(blank(raw[col]), col, "missing_value")
    year_num = pd.to_numeric(raw["year"], errors="coerce")
    add(~blank(raw["year"]) & (year_num.isna() | (year_num % 1 != 0) | (year_num < 1800)
                               | (year_num > 2100)), "year", "bad_year")
    value_num = pd.to_numeric(raw["value"], errors="coerce")
    bad_value = ~blank(raw["value"]) & (value_num.isna() | ~np.isfinite(value_num.fillna(0)))
    add(bad_value, "value", "bad_value")
    add(~bad_value & (value_num < 0), "value", "negative_value")
    for col in ("reporter", "partner"):
        add(~blank(raw[col]) & ~raw[col].isin(known), col, "unknown_code")
    add(raw["reporter"].isin(["WLD", "OTH"]), "reporter", "bad_reporter")
    add(~blank(raw["partner"]) & (raw["partner"] == raw["reporter"]), "partner", "self_partner")
    add(~blank(raw["domain"]) & ~raw["domain"].isin(domains), "domain", "unknown_domain")
    known_ind = raw["indicator"].isin(ind.index)
    add(~blank(raw["indicator"]) & ~known_ind, "indicator", "unknown_indicator")
    exp_domain = raw["indicator"].map(ind["domain"])
    add(known_ind & raw["domain"].isin(domains) & (exp_domain != raw["domain"]), "domain",
        "domain_mismatch", lambda i: f"indicator {raw['indicator'].iat[i]!r} belongs to "
        f"{exp_domain.iat[i]!r}")
    exp_unit = raw["indicator"].map(ind["unit"])
    ut = reference.unit_table()
    dim = ut["dimension"].to_dict()
    convertible = [e != u and u in dim and e in dim and dim[u] == dim[e]
                   for u, e in zip(raw["unit"], exp_unit, strict=True)]
    add(known_ind & ~blank(raw["unit"]) & (exp_unit != raw["unit"]) & ~np.array(convertible,
                                                                                 dtype=bool),
        "unit", "unit_mismatch",
        lambda i: _unit_detail(raw["indicator"].iat[i], exp_unit.iat[i], ut))

    raw["file"] = source
    raw["line"] = lines
    bad_lines = {p[1] for p in problems}
    good = raw[~raw["line"].isin(bad_lines)].copy()
    good["year"] = pd.to_numeric(good["year"]).astype("int64")
    good["product"] = good["product"].where(~blank(good["product"]), None)
    keyed = good.assign(_product=good["product"].fillna(""))
    kcols = ["year", "reporter", "partner", "indicator", "_product"]
    dup = keyed.duplicated(kcols, keep="first")
    if dup.any():
        first = keyed[~dup].set_index(kcols)
        for idx in np.flatnonzero(dup.to_numpy()):
            r = keyed.iloc[idx]
            f = first.loc[(r["year"], r["reporter"], r["partner"], r["indicator"], r["_product"])]
            problems.append((
                r["file"], int(r["line"]), "partner", str(r["partner"]), "duplicate_key",
                f"duplicate_key: saw key (year={r['year']}, reporter={r['reporter']}, "
                f"partner={r['partner']}, indicator={r['indicator']}, product={r['_product']!r}) "
                f"already at {f['file']} line {int(f['line'])}; "
                f"expected {_EXPECTED['duplicate_key']}"))
    clean = keyed[~dup]
    groups = reference.group_codes() - {"WLD", "OTH"}
    for _, g in clean[clean["partner"].isin(groups)].iterrows():
        members = set(reference.expand_group(g["partner"], int(g["year"])))
        same = clean[(clean["year"] == g["year"]) & (clean["reporter"] == g["reporter"])
                     & (clean["indicator"] == g["indicator"])
                     & (clean["_product"] == g["_product"]) & clean["partner"].isin(members)]
        for _, m in same.iterrows():
            problems.append((
                m["file"], int(m["line"]), "partner", str(m["partner"]), "group_overlap",
                f"group_overlap: saw {m['partner']!r}, a member of {g['partner']} which is also "
                f"given at {g['file']} line {int(g['line'])} for {g['indicator']} {g['year']}; "
                f"expected {_EXPECTED['group_overlap']}"))
    rejected = {p[1] for p in problems}
    loaded = sorted(set(good["line"]) - rejected)
    return problems, loaded


def new_validate(path: Path):
    """(problems as tuples, loaded line numbers) from ``read_flows`` (lenient)."""
    from equipoise.io.flows import _check_cells, _finalise, _key_check, _read_file

    src = str(path)
    raw, lines, parse = _read_file(path, src, None)
    data, ok, cell = _check_cells(raw, src, lines)
    key, _ = _key_check(data, np.flatnonzero(ok))
    fs = _finalise(data, pd.DataFrame(), lenient=True, ok=ok)
    probs = [(p.source, p.line, p.column, p.value, p.reason, p.message)
             for p in [*cell, *key]]
    return parse, probs, sorted(fs.data["line"].tolist())


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from equipoise.io.flows import read_flows

    print(f"python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "flows.csv"
        t = time.perf_counter()
        planted = generate(big, args.rows)
        add_overlap_partners(big)
        print(f"generated {args.rows:,} rows ({big.stat().st_size / 2**20:.1f} MiB) in "
              f"{time.perf_counter() - t:.1f} s: {planted}")

        small = Path(tmp) / "sample.csv"
        generate(small, args.sample, seed=7, extras=False)
        add_overlap_partners(small)
        raw = pd.read_csv(small, dtype=str, keep_default_na=False)
        lines = np.arange(len(raw)) + 2
        t = time.perf_counter()
        old_probs, old_loaded = _old_validate(raw, str(small), lines)
        t_old = time.perf_counter() - t
        t = time.perf_counter()
        parse, new_probs, new_loaded = new_validate(small)
        t_new_small = time.perf_counter() - t
        same = (not parse and sorted(old_probs) == sorted(new_probs)
                and old_loaded == new_loaded)
        print(f"sample {args.sample:,} rows: old validator {t_old:.2f} s, new {t_new_small:.3f} s "
              f"({t_old / t_new_small:.0f}x); problems {len(old_probs)} old / {len(new_probs)} "
              f"new; loaded {len(old_loaded)} / {len(new_loaded)}; identical: {same}")
        if not same:
            print("MISMATCH between the old and the new validator", file=sys.stderr)
            return 1

        t_pd, t_rf = [], []
        fs = None
        for _ in range(args.repeat):
            t = time.perf_counter()
            pd.read_csv(big, dtype=str, keep_default_na=False, on_bad_lines="skip")
            t_pd.append(time.perf_counter() - t)
            t = time.perf_counter()
            fs = read_flows(big, lenient=True)
            t_rf.append(time.perf_counter() - t)
        c = fs.counts
        reasons = (fs.quarantine["reason"].str.split(";").explode().value_counts().to_dict())
        print(f"read_flows: read {c['read']:,}, loaded {c['loaded']:,}, quarantined "
              f"{c['quarantined']:,}; reasons {reasons}")
        med_rf, med_pd = float(np.median(t_rf)), float(np.median(t_pd))
        print()
        print(f"| measure ({args.rows:,} rows) | median of {args.repeat} | runs |")
        print("|---|---|---|")
        print(f"| pandas read_csv alone (floor) | {med_pd:.2f} s | "
              + ", ".join(f"{x:.2f}" for x in t_pd) + " |")
        print(f"| read_flows, lenient (parse + checks + quarantine) | {med_rf:.2f} s | "
              + ", ".join(f"{x:.2f}" for x in t_rf) + " |")
        print(f"| ratio read_flows / read_csv | {med_rf / med_pd:.2f}x | |")
        print(f"| old validator, {args.sample:,}-row sample | {t_old:.2f} s | |")
        print(f"| new validator, same sample | {t_new_small:.3f} s | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
