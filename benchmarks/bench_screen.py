"""Benchmark: BACI ingest and the all-reporter product screen at full trade-data scale.

One command::

    python benchmarks/bench_screen.py [--data DIR] [--rows 10000000] [--spark] [--out FILE]
    python benchmarks/bench_screen.py --cli [--cli-rows 2000000] [--repeat 5]

It writes (or reuses) a synthetic BACI-layout panel (``benchmarks/generate_baci.py``; shape in
docs/perf/screen.md), then runs each phase in a fresh subprocess so that its peak memory
(max RSS) is its own:

1. ingest of one year file, then of the two other years (``equipoise.warehouse.ingest``);
2. the all-reporter screen on DuckDB (threads 2) for one year (no persistence) and for three
   years with persistence (2 of 3), read from the warehouse: from its per-year product
   summaries (built by the ingest, which step 1 times) and, for comparison, from the raw rows;
3. the same screen in plain pandas (a straightforward groupby implementation, below), from a
   frame already in memory, and a check that it gives the same critical flags;
4. optionally (``--spark``) the same Ibis expressions on PySpark local[2] over Parquet.

With ``--cli`` it measures instead the screen as a whole process, the way a user runs it (issue
11, point 7): one BACI-shaped year of ``--cli-rows`` rows (default 2,000,000, a couple of
minutes here; 9,000,000 is the issue's figure) is ingested once, then
``equipoise screen --db W --reporter all --year Y --parquet OUT`` runs as a fresh subprocess
(interpreter start, imports, the screen, the Parquet write) ``--repeat`` times (median), against
``python -c pass`` and two pandas baselines in the same run: (1) ``pandas_screen`` on the same
year already in memory, so only its computation is counted; (2) the pandas screen as a whole
process, the way a user would run it without equipoise (:data:`PANDAS_PROCESS`: start Python,
read the years from the warehouse into pandas, screen, write the records to Parquet;
``--pandas-repeat`` runs, default 3). The critical flags of all three are compared. Goal: at
least 10x the pandas screen and under 4 s at 9M rows; both ratios are printed, in wall and in
CPU seconds. To explain the floor it also
times, in the same run, ``python -c "import duckdb"``, ``equipoise --help`` (the CLI's start-up)
and, inside one process, the DuckDB work of the screen (the records query written to Parquet,
the sensitivity query); ``--compare SRC`` times the same command from another source tree
(e.g. ``git archive <commit> src | tar -x -C /tmp/old``), interleaved run by run.

Goals (issue 3): DuckDB >= 10x faster than pandas, < 4 s (one year), < 12 s (three years with
persistence) on 2 cores, peak memory < 2 GB. Results go to stdout as a table and, with
``--out``, as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
YEARS = (2019, 2020, 2021)
THREADS = 2
MEMORY_LIMIT = "1GB"


# ---------------------------------------------------------------- the pandas baseline
def pandas_screen(df, *, year: int, persistence: bool, t_imp=0.4, t_world=0.4, t_ratio=1.0,
                  window=3, min_years=2):
    """The GeoDep screen in plain pandas: groupby, merge, idxmax. Returns a frame of
    ``reporter, product, import_hhi, world_export_hhi, import_export_ratio, top_share,
    top_supplier, years_met, critical`` for the screened year."""
    import numpy as np

    years = list(range(year - window + 1, year + 1)) if persistence else [year]
    d = df[df["year"].isin(years) & (df["value"] > 0)]
    d = d.assign(v2=d["value"] * d["value"])
    g = d.groupby(["year", "importer", "product"], observed=True)
    imp = g.agg(imports=("value", "sum"), s2=("v2", "sum"), vmax=("value", "max"),
                n_suppliers=("value", "size")).reset_index()
    top = d.loc[g["value"].idxmax(), ["year", "importer", "product", "exporter"]]
    imp = imp.merge(top.rename(columns={"exporter": "top_supplier"}),
                    on=["year", "importer", "product"])
    imp["import_hhi"] = imp["s2"] / imp["imports"] ** 2
    imp["top_share"] = imp["vmax"] / imp["imports"]
    exp = d.groupby(["year", "exporter", "product"], observed=True)["value"].sum().reset_index()
    exp["x2"] = exp["value"] ** 2
    world = exp.groupby(["year", "product"], observed=True).agg(
        wx=("value", "sum"), wx2=("x2", "sum")).reset_index()
    world["world_export_hhi"] = world["wx2"] / world["wx"] ** 2
    m = imp.merge(exp[["year", "exporter", "product", "value"]].rename(
        columns={"exporter": "importer", "value": "exports"}),
        on=["year", "importer", "product"], how="left")
    m["exports"] = m["exports"].fillna(0.0)
    m = m.merge(world[["year", "product", "world_export_hhi"]], on=["year", "product"],
                how="left")
    m["import_export_ratio"] = np.where(m["exports"] > 0, m["imports"] / m["exports"].where(
        m["exports"] > 0, 1.0), 9999.0)
    m["met"] = ((m["import_hhi"] > t_imp) & (m["world_export_hhi"] > t_world)
                & (m["import_export_ratio"] > t_ratio)).astype(int)
    per = m.groupby(["importer", "product"], observed=True)["met"].sum().rename("years_met")
    cur = m[m["year"] == year].merge(per.reset_index(), on=["importer", "product"])
    cur["critical"] = cur["years_met"] >= min_years if persistence else cur["met"] == 1
    return cur.rename(columns={"importer": "reporter"})[
        ["reporter", "product", "import_hhi", "world_export_hhi", "import_export_ratio",
         "top_share", "top_supplier", "years_met", "critical"]]


# ---------------------------------------------------------------- phases (subprocesses)
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def phase_ingest(db: str, files: list[str]) -> dict:
    from equipoise import warehouse

    t0 = time.perf_counter()
    rows = 0
    summ = 0.0
    for f in files:
        rep = warehouse.ingest("baci", f, db=db)
        rows += rep.totals["rows_read"]
        summ += sum(fr.summary_seconds for fr in rep.files)
    return {"seconds": time.perf_counter() - t0, "summary_seconds": summ, "rows": rows,
            "peak_mb": _peak_mb()}


def phase_duckdb(db: str, year: int, persistence: bool, out: str,
                 summaries: bool = True) -> dict:
    from equipoise import warehouse
    from equipoise.measures.screen import screen

    con = warehouse.connect(db, threads=THREADS, memory_limit=MEMORY_LIMIT)
    t0 = time.perf_counter()
    r = screen(con, year=year, persistence=persistence, sensitivity=False,
               summaries=summaries)
    secs = time.perf_counter() - t0
    assert r.read_from == ("summaries" if summaries else "rows"), r.read_from
    r.records[["reporter", "product", "critical", "import_hhi", "top_share", "top_supplier"]] \
        .to_parquet(out)
    return {"seconds": secs, "pairs": len(r.records), "critical": len(r.critical),
            "read_from": r.read_from, "peak_mb": _peak_mb()}


def phase_sensitivity(db: str, year: int, persistence: bool) -> dict:
    from equipoise import warehouse
    from equipoise.measures.screen import screen

    con = warehouse.connect(db, threads=THREADS, memory_limit=MEMORY_LIMIT)
    t0 = time.perf_counter()
    r = screen(con, year=year, persistence=persistence, sensitivity=True)
    return {"seconds": time.perf_counter() - t0, "sensitivity_seconds":
            r.timings.get("sensitivity"), "peak_mb": _peak_mb(),
            "sensitivity": r.sensitivity.to_dict("records")}


def phase_pandas(db: str, year: int, persistence: bool, out: str) -> dict:
    import duckdb

    years = list(range(year - 2, year + 1)) if persistence else [year]
    raw = duckdb.connect(db, read_only=True)
    df = raw.sql(f"SELECT year, exporter, importer, product, value FROM trade_products "
                 f"WHERE year IN ({', '.join(map(str, years))})").df()
    raw.close()
    t0, c0 = time.perf_counter(), time.process_time()
    r = pandas_screen(df, year=year, persistence=persistence)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    r[["reporter", "product", "critical", "import_hhi", "top_share", "top_supplier"]] \
        .to_parquet(out)
    return {"seconds": secs, "cpu_seconds": cpu, "pairs": len(r),
            "critical": int(r["critical"].sum()), "peak_mb": _peak_mb()}


def phase_spark(db: str, year: int, persistence: bool, out: str) -> dict:
    import duckdb

    from equipoise.engine import connect
    from equipoise.measures.screen import screen

    pq = str(Path(db).with_suffix("")) + "_tp.parquet"
    if not Path(pq).exists():
        raw = duckdb.connect(db, read_only=True)
        raw.execute(f"COPY (SELECT * EXCLUDE (load_id) FROM trade_products) TO '{pq}' "
                    f"(FORMAT parquet)").fetchall()
        raw.close()
    con = connect("spark")
    t = con.read_parquet(pq)
    t0 = time.perf_counter()
    r = screen(t, con=con, year=year, persistence=persistence, sensitivity=False)
    secs = time.perf_counter() - t0
    r.records[["reporter", "product", "critical", "import_hhi", "top_share", "top_supplier"]] \
        .to_parquet(out)
    return {"seconds": secs, "pairs": len(r.records), "critical": len(r.critical),
            "peak_mb_driver": _peak_mb()}


def phase_pandas_cli(db: str, year: int, out: str) -> dict:
    """The pandas screen of the one-year database (persistence as the command's default, over
    the years present)."""
    return phase_pandas(db, year, True, out)


def phase_sql_work(db: str, year: int, out: str) -> dict:
    """The DuckDB work of the command inside one process, after the imports: the records query
    copied to Parquet with its counts, and the sensitivity query (the stored SQL path)."""
    t0 = time.perf_counter()
    import duckdb

    from equipoise.measures.screen import screen

    t1 = time.perf_counter()
    raw = duckdb.connect(db, read_only=True)
    t2 = time.perf_counter()
    r = screen(raw, year=year, parquet=out)
    t3 = time.perf_counter()
    assert r.via == "sql", r.via
    # the floor of the records step: the records read back into a table, then that table
    # sorted as the command sorts it, and written to Parquet by DuckDB's writer alone
    raw.execute("SET enable_progress_bar = false")
    raw.execute(f"CREATE TEMP TABLE rec AS SELECT * FROM read_parquet('{out}')")
    t4 = time.perf_counter()
    raw.execute('CREATE TEMP TABLE rec_sorted AS SELECT * FROM rec ORDER BY "reporter", '
                '"product"').fetchall()
    t5 = time.perf_counter()
    raw.execute(f"COPY rec TO '{out}.floor' (FORMAT parquet)").fetchall()
    t6 = time.perf_counter()
    Path(f"{out}.floor").unlink()
    return {"imports": t1 - t0, "connect": t2 - t1, "screen": t3 - t2,
            "records_to_parquet": r.timings["screen"], "sensitivity": r.timings["sensitivity"],
            "sort_alone": t5 - t4, "write_alone": t6 - t5}


#: The pandas screen as a whole process, the way a user would run it without equipoise: start
#: Python, read the screened years from the warehouse into pandas (DuckDB's ``.df()``), screen
#: (:func:`pandas_screen`, persistence as the command's default), write the records to Parquet.
PANDAS_PROCESS = """
import sys
sys.path.insert(0, {here!r})
import duckdb
from bench_screen import pandas_screen
years = list(range({year} - 2, {year} + 1))
con = duckdb.connect({db!r}, read_only=True)
df = con.sql("SELECT year, exporter, importer, product, value FROM trade_products "
             f"WHERE year IN ({{', '.join(map(str, years))}})").df()
con.close()
pandas_screen(df, year={year}, persistence=True).to_parquet({out!r})
"""


PHASES = {"sql_work": phase_sql_work, "pandas_cli": phase_pandas_cli, "ingest": phase_ingest, "duckdb": phase_duckdb, "pandas": phase_pandas,
          "spark": phase_spark, "sensitivity": phase_sensitivity}


def _run(phase: str, *args) -> dict:
    cmd = [sys.executable, str(Path(__file__)), "--phase", phase, "--args", json.dumps(args)]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    env.setdefault("EQUIPOISE_SPARK_DRIVER_MEMORY", "3g")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if p.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def _compare(a: str, b: str) -> dict:
    import pandas as pd

    x = pd.read_parquet(a).set_index(["reporter", "product"]).sort_index()
    y = pd.read_parquet(b).set_index(["reporter", "product"]).sort_index()
    both = x.join(y, how="outer", suffixes=("_a", "_b"))
    flag_diff = int((both["critical_a"].fillna(False) != both["critical_b"].fillna(False)).sum())
    hhi_diff = float((both["import_hhi_a"] - both["import_hhi_b"]).abs().max())
    share_diff = float((both["top_share_a"] - both["top_share_b"]).abs().max())
    top_diff = int((both["top_supplier_a"] != both["top_supplier_b"]).sum())
    return {"pairs_a": len(x), "pairs_b": len(y), "flag_differences": flag_diff,
            "top_supplier_differences": top_diff,
            "max_abs_import_hhi_difference": hhi_diff, "max_abs_top_share_difference": share_diff}


def _stats(times: list[float], cpu: list[float] | None = None) -> dict:
    import statistics

    out = {"median": statistics.median(times), "min": min(times), "max": max(times),
           "runs": times}
    if cpu:  # CPU seconds (user + system, all threads): far less sensitive to the load
        out.update(cpu_median=statistics.median(cpu), cpu_runs=cpu)
    return out


_CPU: list[float] = []  # CPU seconds of each _once, in order


def _once(argv: list[str], src: Path | None = None) -> float:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    env["PYTHONPATH"] = os.pathsep.join([str(src or HERE.parent / "src"),
                                         *filter(None, [env.get("PYTHONPATH")])])
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    _CPU.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    if p.returncode != 0:
        raise SystemExit(f"{argv} exited {p.returncode}:\n{p.stderr[-3000:]}")
    return t


def _wall(argv: list[str], repeat: int) -> dict:
    times = [_once(argv) for _ in range(repeat)]
    return _stats(times, _CPU[-repeat:])


def main_cli(a) -> None:
    """The whole-process screen (``--cli``)."""
    sys.path.insert(0, str(HERE))
    from generate_baci import generate

    year = YEARS[-1]
    data = a.data.parent / f"baci_cli_{a.cli_rows}"
    f = data / f"BACI_HS17_Y{year}_V202401b.csv"
    if not f.exists():
        print(f"generating one year of {a.cli_rows:,} rows in {data} ...", flush=True)
        generate(data, rows=a.cli_rows, years=(year,))
    work = a.data.parent / "work_cli"
    work.mkdir(parents=True, exist_ok=True)
    db = str(work / f"cli_{a.cli_rows}.duckdb")
    res: dict = {"rows": a.cli_rows, "repeat": a.repeat, "cpu_count": os.cpu_count()}
    if not Path(db).exists():
        res["ingest"] = _run("ingest", db, [str(f)])
    res["loadavg_before"] = os.getloadavg()
    run = "from equipoise._cli.main import run; run()"
    res["python_pass"] = _wall([sys.executable, "-c", "pass"], a.repeat)
    res["import_duckdb"] = _wall([sys.executable, "-c", "import duckdb"], a.repeat)
    res["cli_help"] = _wall([sys.executable, "-c", run, "--help"], a.repeat)
    out = str(work / "cli_screen.parquet")
    cmd = [sys.executable, "-c", run, "screen", "--db", db, "--reporter", "all", "--year",
           str(year), "--parquet", out]
    runs: dict[str, list[float]] = {"cli": [], "compare": [], "cli_cpu": [], "compare_cpu": []}
    for _ in range(a.repeat):  # interleaved with the other tree, so both see the same load
        runs["cli"].append(_once(cmd))
        runs["cli_cpu"].append(_CPU[-1])
        if a.compare:
            runs["compare"].append(_once([*cmd[:-1], str(work / "cli_compare.parquet")],
                                         a.compare.resolve()))
            runs["compare_cpu"].append(_CPU[-1])
    res["cli"] = _stats(runs["cli"], runs["cli_cpu"])
    if a.compare:
        res["compare"] = {"src": str(a.compare), **_stats(runs["compare"],
                                                           runs["compare_cpu"])}
        res["same_compare"] = _compare(out, str(work / "cli_compare.parquet"))
    res["sql_work"] = [_run("sql_work", db, year, str(work / "sql_work.parquet"))
                       for _ in range(min(a.repeat, 3))]
    p_out = str(work / "pandas_cli.parquet")
    res["pandas"] = _run("pandas_cli", db, year, p_out)
    pp_out = str(work / "pandas_process.parquet")
    code = PANDAS_PROCESS.format(here=str(HERE), year=year, db=db, out=pp_out)
    pr = max(1, min(a.repeat, a.pandas_repeat))
    res["pandas_process"] = {"repeat": pr, **_stats([_once([sys.executable, "-c", code])
                                                     for _ in range(pr)], _CPU[-pr:])}
    res["loadavg_after"] = os.getloadavg()
    res["same"] = _compare(out, p_out)
    res["same_process"] = _compare(out, pp_out)
    res["ratio"] = res["pandas"]["seconds"] / res["cli"]["median"]
    res["ratio_cpu"] = res["pandas"]["cpu_seconds"] / res["cli"]["cpu_median"]
    pp = res["pandas_process"]
    res["ratio_process"] = pp["median"] / res["cli"]["median"]
    res["ratio_process_cpu"] = pp["cpu_median"] / res["cli"]["cpu_median"]
    c, base = res["cli"], res["python_pass"]["median"]
    print(f"\nscreen as a whole process, one BACI-shaped year of {a.cli_rows:,} rows, "
          f"{os.cpu_count()} cores (load average {res['loadavg_before'][0]:.2f} before, "
          f"{res['loadavg_after'][0]:.2f} after)")
    print(f"equipoise screen --db W --reporter all --year {year} --parquet OUT: median "
          f"{c['median']:.2f} s of {a.repeat} (min {c['min']:.2f}, max {c['max']:.2f}; "
          f"{c['median'] / base:.0f}x python -c pass at {base:.3f} s)")
    print(f"  CPU (user + system, all threads): median {c['cpu_median']:.2f} s; pandas "
          f"computation {res['pandas']['cpu_seconds']:.2f} s (ratio "
          f"{res['pandas']['cpu_seconds'] / c['cpu_median']:.1f}x); --help "
          f"{res['cli_help']['cpu_median']:.2f} s, import duckdb "
          f"{res['import_duckdb']['cpu_median']:.2f} s")
    if a.compare:
        o = res["compare"]
        print(f"the same command from {a.compare}: median {o['median']:.2f} s (min "
              f"{o['min']:.2f}, max {o['max']:.2f}; CPU {o['cpu_median']:.2f} s); flag "
              f"differences {res['same_compare']['flag_differences']}")
    med = {k: sorted(w[k] for w in res["sql_work"])[len(res["sql_work"]) // 2]
           for k in res["sql_work"][0]}
    print(f"floor: python -c 'import duckdb' {res['import_duckdb']['median']:.2f} s, "
          f"equipoise --help {res['cli_help']['median']:.2f} s; in one process the DuckDB "
          f"work: records to Parquet {med['records_to_parquet']:.2f} s, sensitivity "
          f"{med['sensitivity']:.2f} s (imports {med['imports']:.2f} s, connect "
          f"{med['connect']:.2f} s); of the records step, the sort alone "
          f"{med['sort_alone']:.2f} s and DuckDB's Parquet write alone "
          f"{med['write_alone']:.2f} s ({res['pandas']['seconds'] / 10:.2f} s"
          f" is 10x the pandas computation)")
    print(f"baseline 1, pandas screen, computation only (frame already in memory): "
          f"{res['pandas']['seconds']:.2f} s, CPU {res['pandas']['cpu_seconds']:.2f} s (peak "
          f"{res['pandas']['peak_mb']:.0f} MB); ratio {res['ratio']:.1f}x wall, "
          f"{res['ratio_cpu']:.1f}x CPU (goal >= 10x, < 4 s at 9M rows); "
          f"{res['pandas']['critical']:,} critical of {res['pandas']['pairs']:,} pairs; flag "
          f"differences {res['same']['flag_differences']}, top-supplier differences "
          f"{res['same']['top_supplier_differences']}")
    print(f"baseline 2, pandas screen as a whole process (python, read the years from the "
          f"warehouse into pandas, screen, write Parquet), median of {pp['repeat']}: "
          f"{pp['median']:.2f} s (min {pp['min']:.2f}, max {pp['max']:.2f}), CPU "
          f"{pp['cpu_median']:.2f} s; ratio {res['ratio_process']:.1f}x wall, "
          f"{res['ratio_process_cpu']:.1f}x CPU; flag differences "
          f"{res['same_process']['flag_differences']}")
    if a.out:
        a.out.write_text(json.dumps(res, indent=2))
        print(f"wrote {a.out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("/tmp/equipoise-bench/baci"))
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--spark", action="store_true", help="also time PySpark local[2]")
    ap.add_argument("--out", type=Path, help="write the figures as JSON here")
    ap.add_argument("--cli", action="store_true",
                    help="only the screen as a whole process (issue 11, point 7)")
    ap.add_argument("--cli-rows", type=int, default=2_000_000,
                    help="rows of the one year for --cli (9000000: the issue's figure)")
    ap.add_argument("--repeat", type=int, default=5, help="runs of the command for --cli")
    ap.add_argument("--compare", type=Path, metavar="SRC",
                    help="--cli: also time the command from this source tree (its src folder)")
    ap.add_argument("--pandas-repeat", type=int, default=3,
                    help="--cli: runs of the pandas screen as a whole process (at most "
                         "--repeat; it takes several times the command)")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--args", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        print(json.dumps(PHASES[a.phase](*json.loads(a.args))))
        return
    if a.cli:
        main_cli(a)
        return

    sys.path.insert(0, str(HERE))
    from generate_baci import generate

    files = [a.data / f"BACI_HS17_Y{y}_V202401b.csv" for y in YEARS]
    if not all(f.exists() for f in files):
        print(f"generating the panel in {a.data} ...", flush=True)
        generate(a.data, rows=a.rows, years=YEARS)
    work = a.data.parent / "work"
    work.mkdir(parents=True, exist_ok=True)
    db = str(work / "bench.duckdb")
    for suffix in ("", ".wal", ".lock"):
        Path(db + suffix).unlink(missing_ok=True)
    Path(str(work / "bench") + "_tp.parquet").unlink(missing_ok=True)

    res: dict = {"rows_per_year": a.rows, "threads": THREADS, "memory_limit": MEMORY_LIMIT,
                 "cpu_count": os.cpu_count()}
    res["ingest_1y"] = _run("ingest", db, [str(files[-1])])
    res["ingest_2more"] = _run("ingest", db, [str(f) for f in files[:-1]])
    res["ingest_3y_seconds"] = res["ingest_1y"]["seconds"] + res["ingest_2more"]["seconds"]
    for label, pers in (("1y", False), ("3y", True)):
        d_out = str(work / f"duck_{label}.parquet")
        p_out = str(work / f"pandas_{label}.parquet")
        r_out = str(work / f"duckrows_{label}.parquet")
        res[f"duckdb_{label}"] = _run("duckdb", db, YEARS[-1], pers, d_out, True)
        res[f"duckdb_rows_{label}"] = _run("duckdb", db, YEARS[-1], pers, r_out, False)
        res[f"duckdb_sensitivity_{label}"] = _run("sensitivity", db, YEARS[-1], pers)
        res[f"pandas_{label}"] = _run("pandas", db, YEARS[-1], pers, p_out)
        res[f"same_{label}"] = _compare(d_out, p_out)
        res[f"same_rows_{label}"] = _compare(r_out, p_out)
        res[f"same_summaries_rows_{label}"] = _compare(d_out, r_out)
        res[f"ratio_{label}"] = res[f"pandas_{label}"]["seconds"] / res[f"duckdb_{label}"]["seconds"]
        res[f"ratio_rows_{label}"] = (res[f"pandas_{label}"]["seconds"]
                                      / res[f"duckdb_rows_{label}"]["seconds"])
        if a.spark:
            s_out = str(work / f"spark_{label}.parquet")
            res[f"spark_{label}"] = _run("spark", db, YEARS[-1], pers, s_out)
            res[f"same_spark_{label}"] = _compare(d_out, s_out)

    print(f"\nBACI-shaped panel, {a.rows:,} rows/year, {os.cpu_count()} cores, DuckDB threads "
          f"{THREADS}, memory_limit {MEMORY_LIMIT}")
    summ3 = res["ingest_1y"]["summary_seconds"] + res["ingest_2more"]["summary_seconds"]
    print(f"ingest: 1 year {res['ingest_1y']['seconds']:.1f} s (of which product summaries "
          f"{res['ingest_1y']['summary_seconds']:.1f} s; peak {res['ingest_1y']['peak_mb']:.0f} "
          f"MB); 3 years {res['ingest_3y_seconds']:.1f} s (summaries {summ3:.1f} s)")
    for label in ("1y", "3y"):
        d, p = res[f"duckdb_{label}"], res[f"pandas_{label}"]
        sens = res[f"duckdb_sensitivity_{label}"]
        rows = res[f"duckdb_rows_{label}"]
        line = (f"screen {label}: duckdb {d['seconds']:.2f} s from the summaries (peak "
                f"{d['peak_mb']:.0f} MB; with sensitivity {sens['seconds']:.2f} s), "
                f"{rows['seconds']:.2f} s from the rows (peak {rows['peak_mb']:.0f} MB); "
                f"pandas {p['seconds']:.2f} s (peak {p['peak_mb']:.0f} MB); ratio "
                f"{res[f'ratio_{label}']:.1f}x (rows: {res[f'ratio_rows_{label}']:.1f}x); "
                f"{d['critical']:,} critical of {d['pairs']:,}; flag differences "
                f"{res[f'same_{label}']['flag_differences']} "
                f"(rows: {res[f'same_rows_{label}']['flag_differences']}); summaries vs rows: "
                f"{res[f'same_summaries_rows_{label}']['flag_differences']} flag and "
                f"{res[f'same_summaries_rows_{label}']['top_supplier_differences']} top-supplier "
                f"differences")
        if a.spark:
            s = res[f"spark_{label}"]
            line += (f"; spark local[2] {s['seconds']:.2f} s, flag differences "
                     f"{res[f'same_spark_{label}']['flag_differences']}")
        print(line)
    if a.out:
        a.out.write_text(json.dumps(res, indent=2))
        print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
