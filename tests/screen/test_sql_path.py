"""The screen's DuckDB SQL path: the stored SQL is what Ibis compiles, and it gives the records,
sensitivity, summary and Parquet file of the Ibis path on a generated warehouse.

The stored SQL (``equipoise.measures._screen_sql``) was compiled once from the Ibis expressions
with sentinel inputs; if an expression or the HS -> domain map changes,
``test_stored_sql_is_what_ibis_compiles`` fails until ``write_sql_module()`` is run again.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sources.layouts import write_baci, write_comtrade_legacy

from equipoise import context, warehouse
from equipoise.errors import NoDataError, OptionError
from equipoise.measures import screen as S
from equipoise.measures._screen_sql import SQL
from equipoise.measures.ibis_measures import Thresholds

ROOT = Path(__file__).resolve().parents[2]
# BACI country codes of tests/sources/layouts.py (490 is quarantined there: left out)
CODES = [4, 156, 251, 276, 398, 643, 699, 757, 842]
PRODUCTS = [10121, 270900, 850110, 880240, 930190, 720211]


def random_baci(folder: Path, seed: int = 5, n: int = 300) -> Path:
    """Three BACI years of random flows, with ties (equal values) and one-supplier pairs."""
    rng = np.random.default_rng(seed)
    rows: dict[int, list] = {}
    seen = set()
    for _ in range(n):
        y = int(rng.choice([2019, 2020, 2021]))
        i, j = (int(x) for x in rng.choice(CODES, 2, replace=False))
        k = int(rng.choice(PRODUCTS))
        if (y, i, j, k) in seen:
            continue
        seen.add((y, i, j, k))
        v = float(rng.choice([5.0, 10.0, round(float(rng.lognormal(2, 3.5)), 3) + 0.001]))
        rows.setdefault(y, []).append((y, i, j, k, v, None))
    return write_baci(folder, rows=rows)


@pytest.fixture(scope="module")
def wh(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("sqlpath")
    db = tmp / "w.duckdb"
    warehouse.ingest("baci", random_baci(tmp / "baci"), db=db)
    return db


@pytest.fixture(scope="module")
def wh_two_sources(tmp_path_factory) -> Path:
    """BACI 2019-2021 plus a Comtrade load of 2021: 2021 holds two sources."""
    tmp = tmp_path_factory.mktemp("sqlpath2")
    db = tmp / "w.duckdb"
    warehouse.ingest("baci", random_baci(tmp / "baci", seed=9), db=db)
    ct = write_comtrade_legacy(tmp / "ct.csv", [
        (2021, 398, "Kazakhstan", 1, 643, "Russian Federation", "850110", 25000.0),
        (2021, 398, "Kazakhstan", 1, 156, "China", "850110", 5000.0)])
    warehouse.ingest("comtrade", ct, db=db)
    return db


def test_stored_sql_is_what_ibis_compiles():
    assert S.compile_sql() == SQL


th_values = st.integers(min_value=1, max_value=9999).map(lambda n: n / 10_000)


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(year=st.integers(1995, 2035), imp=th_values, world=th_values,
       ratio=st.integers(1, 5_000_000).map(lambda n: n / 1000), window=st.integers(1, 6),
       data=st.data(), persistence=st.booleans())
def test_rendered_sql_equals_a_fresh_compilation(year, imp, world, ratio, window, data,
                                                 persistence):
    min_years = data.draw(st.integers(1, window))
    th = Thresholds(import_hhi=imp, world_export_hhi=world, import_export_ratio=ratio,
                    window=window, min_years=min_years)
    assume(S._sql_applies(th, True, None, None))
    w = window if persistence else 1
    rec = "window" if persistence and w > 1 else ("year" if persistence else "no_persistence")
    sens = "window" if w > 1 else "year"
    for shape in (f"records_{rec}", f"sensitivity_{sens}"):
        assert S.render_sql(shape, year, th) == S.compiled_sql(shape, year, th, persistence)


def test_summary_schemas_are_the_warehouse_s(wh):
    con = warehouse.connect(wh)
    try:
        for table, schema in (("trade_summary", S.SUMMARY_SCHEMA),
                              ("trade_world", S.WORLD_SCHEMA)):
            got = {k: str(v) for k, v in con.table(table).schema().items() if k != "source"}
            assert got == schema, table
    finally:
        con.disconnect()


def _both(db: Path, tmp_path: Path, **kw):
    """The SQL path on a duckdb connection and the Ibis path, each writing Parquet."""
    raw = duckdb.connect(str(db), read_only=True)
    try:
        fast = S.screen(raw, parquet=tmp_path / "fast.parquet", **kw)
        assert fast.via == "sql" and fast._records is None  # nothing loaded yet
        other = duckdb.connect(str(db), read_only=True)  # the Ibis path on its own
        slow = S._screen_ibis(other, year=kw.get("year"), reps=kw.get("reporters"),
                              th=kw.get("thresholds") or Thresholds(),
                              persistence=kw.get("persistence", True),
                              sensitivity=kw.get("sensitivity", True), engine="duckdb",
                              con=None, source=kw.get("source"), summaries=None)
        other.close()
        slow.records.to_parquet(tmp_path / "slow.parquet", index=False)
        assert slow.via == "ibis" and slow.read_from == fast.read_from == "summaries"
        pd.testing.assert_frame_equal(fast.records, slow.records)
        pd.testing.assert_frame_equal(fast.sensitivity, slow.sensitivity)
        assert fast.summary() == slow.summary()
        assert fast.to_dict() == slow.to_dict()
        assert fast.top_critical(7) == slow.top_critical(7)
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "fast.parquet"),
                                      pd.read_parquet(tmp_path / "slow.parquet"))
        return fast
    finally:
        raw.close()


@pytest.mark.parametrize("persistence", [True, False])
@pytest.mark.parametrize("th", [Thresholds(), Thresholds(import_hhi=0.3, world_export_hhi=0.25,
                                                         import_export_ratio=2.5, window=2,
                                                         min_years=1),
                                Thresholds(window=1, min_years=1)])
def test_sql_path_gives_the_ibis_path(wh, tmp_path, persistence, th):
    r = _both(wh, tmp_path, year=2021, persistence=persistence, thresholds=th)
    assert r.n_products > 10
    if th.window != 2:
        assert r.n_critical > 0  # the comparison covers flagged rows


def test_sql_path_with_reporters_source_and_latest_year(wh, wh_two_sources, tmp_path):
    r = _both(wh, tmp_path, reporters=["KAZ", "CHN", "O'X"])
    assert r.year == 2021 and set(r.records["reporter"]) <= {"KAZ", "CHN"}
    _both(wh_two_sources, tmp_path, year=2021, source="baci", persistence=False)
    _both(wh_two_sources, tmp_path, year=2020, persistence=True, sensitivity=False)


def test_two_sources_in_a_year_fall_back_to_the_rows(wh_two_sources):
    raw = duckdb.connect(str(wh_two_sources), read_only=True)
    try:
        r = S.screen(raw, year=2021, persistence=False)
        assert (r.via, r.read_from) == ("ibis", "rows")
        with pytest.raises(OptionError, match="summaries"):
            S.screen(raw, year=2021, persistence=False, summaries=True)
    finally:
        raw.close()


@pytest.mark.parametrize("th", [Thresholds(import_export_ratio=0.0),      # NULL margin shape
                                Thresholds(import_hhi=0.4123456),         # beyond 6 decimals
                                Thresholds(world_export_hhi=0.98)])       # clipped variants
def test_other_shapes_use_ibis_with_the_same_results(wh, th):
    raw = duckdb.connect(str(wh), read_only=True)
    try:
        r = S.screen(raw, year=2021, thresholds=th)
        assert r.via == "ibis"
        again = S.screen(raw, year=2021, thresholds=th, sensitivity=False)
        # without the sensitivity table the SQL applies, except for the ratio 0
        assert again.via == ("ibis" if th.import_export_ratio == 0 else "sql")
        pd.testing.assert_frame_equal(again.records, r.records)
    finally:
        raw.close()


def test_sql_path_errors(wh, tmp_path):
    raw = duckdb.connect(str(wh), read_only=True)
    try:
        with pytest.raises(NoDataError, match="no imports in 2005"):
            S.screen(raw, year=2005)
        with pytest.raises(NoDataError, match="for ZZZ"):
            S.screen(raw, year=2021, reporters=["ZZZ"])
        # no records: an earlier file at the --parquet path stays as it was, nothing is added
        (tmp_path / "out.parquet").write_bytes(b"earlier")
        with pytest.raises(NoDataError, match="for ZZZ"):
            S.screen(raw, year=2021, reporters=["ZZZ"], parquet=tmp_path / "out.parquet")
        assert (tmp_path / "out.parquet").read_bytes() == b"earlier"
        assert [f.name for f in tmp_path.iterdir()] == ["out.parquet"]
        assert not raw.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary"
                               ).fetchall()[0][0]  # nothing left behind
    finally:
        raw.close()
    empty = tmp_path / "e.duckdb"
    c = duckdb.connect(str(empty))
    c.execute("CREATE TABLE trade_products (year INTEGER, source VARCHAR)").fetchall()
    c.close()
    with pytest.raises(NoDataError, match="empty"):
        context.screen(empty)  # a path: opened by context, screened by the measure
    with pytest.raises(TypeError, match="not a path"):
        S.screen(empty)  # the measure takes data


def test_the_command_loads_neither_pandas_nor_ibis(wh, tmp_path):
    """`equipoise screen --parquet` on a warehouse: the stored SQL and DuckDB's Parquet writer
    only (the records equal the Ibis path's)."""
    out = tmp_path / "flags.parquet"
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: sys.stderr.write('LOADED %s %s\\n' % ("
             "'pandas' in sys.modules, 'ibis' in sys.modules)))\n"
             "from equipoise._cli.main import run\nrun()\n")
    env = {"PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1", "COLUMNS": "200",
           "PATH": "/usr/bin:/bin"}
    p = subprocess.run([sys.executable, "-c", probe, "screen", "--db", str(wh), "--reporter",
                        "all", "--year", "2021", "--no-persistence", "--parquet", str(out)],
                       capture_output=True, text=True, env=env, check=False, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "LOADED False False" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr and "%" not in p.stdout.splitlines()[0]
    assert "critical products" in p.stdout and "sensitivity import_hhi" in p.stdout
    raw = duckdb.connect(str(wh), read_only=True)
    ref = S._screen_ibis(raw, year=2021, reps=None, th=Thresholds(), persistence=False,
                         sensitivity=True, engine="duckdb", con=None, source=None,
                         summaries=None)
    raw.close()
    got = pd.read_parquet(out)
    pd.testing.assert_frame_equal(got, ref.records)
    assert f"{ref.n_critical:,} critical" in p.stdout


def test_a_path_with_an_ibis_backend_uses_that_backend(wh):
    """`equipoise.screen(path, con=ibis_backend)` reads the table of the backend it is given
    (the benchmark passes one with its threads and memory limit) instead of opening the file
    again; the measure takes that backend as its data."""
    con = warehouse.connect(wh, threads=1, memory_limit="512MB")
    try:
        r = context.screen(str(wh), con=con, year=2021, persistence=False, sensitivity=False)
        assert (r.via, r.read_from) == ("ibis", "summaries")
        again = S.screen(con, year=2021, persistence=False, sensitivity=False)
        pd.testing.assert_frame_equal(again.records, r.records)
    finally:
        con.disconnect()
    fast = context.screen(str(wh), year=2021, persistence=False, sensitivity=False)
    assert fast.via == "sql"
    pd.testing.assert_frame_equal(fast.records, r.records)


def test_context_opens_paths_and_the_measure_takes_data(wh, tmp_path):
    """`context.open_trade_products`: the one place a path becomes data. A DuckDB file is a
    read-only duckdb connection (closed by the returned function; for Spark too, whose screen
    exports its table, and the Spark backend is handed on); a Parquet file an Ibis table on a
    backend; data that is not a path passes through untouched."""
    raw, con, close = context.open_trade_products(str(wh))
    assert con is None and raw.execute("SELECT count(*) FROM trade_products").fetchall()[0][0]
    close()
    with pytest.raises(duckdb.Error):  # closed
        raw.execute("SELECT 1")
    spark = object()  # stands for a Spark backend: nothing here calls it
    raw, con, close = context.open_trade_products(wh, engine="spark", con=spark)
    assert con is spark and raw.execute("SELECT count(*) FROM trade_products").fetchall()[0][0]
    close()
    pq = tmp_path / "tp.parquet"
    src = duckdb.connect(str(wh), read_only=True)
    src.execute(f"COPY (SELECT * FROM trade_products) TO '{pq}' (FORMAT parquet)").fetchall()
    src.close()
    t, con, close = context.open_trade_products(pq)
    assert hasattr(t, "op") and con is not None
    assert int(t.count().execute()) > 0
    frame = pd.DataFrame({"year": [2021]})
    assert context.open_trade_products(frame)[0] is frame
    r = context.screen(pq, year=2021, persistence=False, sensitivity=False)
    fast = context.screen(wh, year=2021, persistence=False, sensitivity=False)
    assert r.n_critical == fast.n_critical and len(r.records) == len(fast.records)
