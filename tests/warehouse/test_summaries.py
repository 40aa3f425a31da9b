"""The warehouse's per-year product summaries: kept in step with trade_products by every
ingest (new, replaced, superseded, migrated), and giving the screen of the raw rows."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from sources.layouts import write_baci, write_comtrade_legacy

from equipoise import screen, warehouse  # screen: equipoise.screen opens the path
from equipoise.errors import OptionError
from equipoise.measures.ibis_measures import SUMMARY_COLUMNS, product_summary

KEY = ["source", "year", "reporter", "product"]


def _check_summaries(db) -> None:
    """trade_summary equals product_summary() of the raw rows, per (source, year)."""
    con = warehouse.connect(db)
    tp = con.table("trade_products")
    want = []
    for (src,) in con.con.execute("SELECT DISTINCT source FROM trade_products").fetchall():
        t = tp.filter(tp.source == src)
        want.append(con.execute(product_summary(t)).assign(source=src))
    want = (pd.concat(want) if want else pd.DataFrame(columns=["source", *SUMMARY_COLUMNS]))
    got = con.table("trade_summary").execute()
    want, got = (x[KEY + list(SUMMARY_COLUMNS[3:])].sort_values(KEY).reset_index(drop=True)
                 for x in (want, got))
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    years = con.con.execute("SELECT source, year, rows FROM trade_summary_years "
                            "ORDER BY 1, 2").fetchall()
    counts = con.con.execute("SELECT source, year, count(*) FROM trade_products "
                             "GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
    assert years == counts
    con.disconnect()


def _same_screen(db, **kw) -> None:
    a = screen(db, summaries=True, **kw)
    b = screen(db, summaries=False, **kw)
    assert (a.read_from, b.read_from) == ("summaries", "rows")
    pd.testing.assert_frame_equal(a.records, b.records, rtol=1e-12)
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)


def test_summaries_follow_every_ingest(tmp_path):
    folder = write_baci(tmp_path / "b")
    db = tmp_path / "w.duckdb"
    warehouse.ingest("baci", folder, db=db)
    _check_summaries(db)
    for pers in (False, True):
        _same_screen(db, year=2021, persistence=pers)
    _same_screen(db, year=2021, reporters=["KAZ"], persistence=False)
    # a corrected 2021 file at the same path replaces its load and its summary
    write_baci(folder, rows={2021: [(2021, 156, 398, 850110, 99.0, 1.0),
                                    (2021, 643, 398, 850110, 1.0, 1.0)]})
    warehouse.ingest("baci", folder, db=db)
    _check_summaries(db)
    r = screen(db, year=2021, persistence=False)
    assert r.read_from == "summaries"
    kaz = r.records.set_index(["reporter", "product"]).loc[("KAZ", "850110")]
    assert kaz["import_hhi"] == pytest.approx(0.99 ** 2 + 0.01 ** 2)
    # a newer BACI version of 2020 supersedes the old year
    write_baci(tmp_path / "v2", rows={2020: [(2020, 842, 398, 880240, 7.0, 1.0)]},
               version="V202501")
    warehouse.ingest("baci", tmp_path / "v2", db=db)
    _check_summaries(db)
    _same_screen(db, year=2021, persistence=True)


def test_an_older_warehouse_gets_its_summaries_at_the_next_ingest(tmp_path):
    folder = write_baci(tmp_path / "b")
    db = tmp_path / "w.duckdb"
    warehouse.ingest("baci", folder, db=db)
    raw = duckdb.connect(str(db))
    for t in warehouse.SUMMARY_DDL:
        raw.execute(f"DROP TABLE {t}").fetchall()
    raw.close()
    # without summaries the screen reads the rows
    assert screen(db, year=2021).read_from == "rows"
    with pytest.raises(OptionError, match="summaries"):
        screen(db, year=2021, summaries=True)
    rep = warehouse.ingest("baci", folder, db=db)  # nothing new, but the schema is brought up
    assert {f.status for f in rep.files} == {"unchanged"}
    _check_summaries(db)
    assert screen(db, year=2021).read_from == "summaries"


def test_a_year_with_two_sources_reads_the_rows(tmp_path):
    db = tmp_path / "w.duckdb"
    warehouse.ingest("baci", write_baci(tmp_path / "b"), db=db)
    # legacy Comtrade: Kazakhstan's 2021 imports of 850110 from Russia
    path = write_comtrade_legacy(tmp_path / "ct.csv", [
        (2021, 398, "Kazakhstan", 1, 643, "Russian Federation", "850110", 25000.0)])
    warehouse.ingest("comtrade", path, db=db)
    _check_summaries(db)
    con = warehouse.connect(db)
    assert warehouse.summaries(con, years=[2021]) is None  # two sources in 2021
    assert warehouse.summaries(con, years=[2021], source="baci") is not None
    con.disconnect()
    assert screen(db, year=2021, persistence=False).read_from == "rows"
    _same_screen(db, year=2021, source="baci", persistence=False)
