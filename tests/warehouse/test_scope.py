"""Supersession is decided by what a file declares (issue 14, point 1), and the warehouse's
open errors and memory limit are told apart clearly.

A BACI year file declares its year by its name, a Comtrade file its year and reporter by its
first usable import row. Rows outside that scope are quarantined (``outside_scope``) and can
never replace another year's or reporter's rows; what a file supersedes is said before it
loads.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from sources.layouts import write_baci, write_comtrade_legacy

from equipoise import warehouse
from equipoise.errors import WarehouseError

ROOT = Path(__file__).resolve().parents[2]

Y2020 = [(2020, 156, 398, 850110, 1.0, 1.0), (2020, 156, 643, 850110, 2.0, 1.0),
         (2020, 842, 398, 880240, 3.0, 1.0), (2020, 643, 398, 270900, 4.0, 1.0)]


def _rows(db, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _products(db) -> list[tuple]:
    return _rows(db, "SELECT year, exporter, importer, product, value FROM trade_products "
                     "ORDER BY ALL")


def test_a_stray_row_of_another_year_is_quarantined_and_supersedes_nothing(tmp_path):
    db = tmp_path / "w.duckdb"
    warehouse.ingest("baci", write_baci(tmp_path / "v23", rows={2020: Y2020}, version="V202301"),
                     db=db)
    before = _products(db)
    assert len(before) == 4
    # the file: two 2022 rows and one 2020 row in BACI_HS17_Y2022_...
    mixed = write_baci(tmp_path / "v24", rows={2022: [(2022, 156, 398, 850110, 5.0, 1.0),
                                                      (2022, 156, 643, 850110, 6.0, 1.0),
                                                      (2020, 842, 398, 880240, 7.0, 1.0)]})
    said: list[str] = []
    rep = warehouse.ingest("baci", mixed, db=db, announce=said.append)
    f = rep.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_stored) == (3, 2, 1, 2)
    assert f.rows_read == f.rows_loaded + f.rows_quarantined
    assert f.scope == "year=2022" and f.supersedes == [] and f.replaced_loads == []
    assert said == ["BACI_HS17_Y2022_V202401b.csv: declares year 2022 by its name "
                    "BACI_HS17_Y2022_V202401b.csv; supersedes nothing"]
    # 2020 keeps every row, its load stays loaded
    assert [r for r in _products(db) if r[0] == 2020] == before
    assert [r[0] for r in _products(db)].count(2022) == 2
    assert list(warehouse.loads(db, all_loads=True)["status"]) == ["loaded", "loaded"]
    # the stray row is in the quarantine: line 4 (header is line 1), column t, value 2020
    q = _rows(db, 'SELECT file, line, "column", value, reason, message, load_id FROM quarantine')
    assert len(q) == 1
    file, line, col, value, reason, msg, lid = q[0]
    assert (Path(file).name, line, col, value, reason, lid) == (
        "BACI_HS17_Y2022_V202401b.csv", 4, "t", "2020", "outside_scope", 2)
    assert "declares year 2022 by its name" in msg and "saw '2020'" in msg
    # the product summaries agree with the rows (2020 still summarised from 4 rows)
    assert _rows(db, "SELECT year, rows FROM trade_summary_years ORDER BY year") == [
        (2020, 4), (2022, 2)]


def test_a_new_version_supersedes_its_declared_year_and_says_so_first(tmp_path):
    db = tmp_path / "w.duckdb"
    old = write_baci(tmp_path / "v23", rows={2020: Y2020, 2021: [(2021, 156, 398, 10121, 1, 1)]},
                     version="V202301")
    warehouse.ingest("baci", old, db=db)
    events: list[str] = []
    new = write_baci(tmp_path / "v25", rows={2020: [(2020, 156, 398, 850110, 9.0, 1.0)]},
                     version="V202501")
    rep = warehouse.ingest("baci", new, db=db, announce=lambda s: events.append("say " + s),
                           progress=lambda *a: events.append("progress"))
    # stated before the first chunk was read
    assert events[0] == (
        "say BACI_HS17_Y2020_V202501.csv: declares year 2020 by its name "
        "BACI_HS17_Y2020_V202501.csv; supersedes load 1: baci HS17_V202301 "
        "BACI_HS17_Y2020_V202301.csv (year 2020), 4 rows [the same year 2020]")
    assert events[1:] == ["progress"]
    f = rep.files[0]
    assert f.replaced_loads == [1]
    assert [(d["load_id"], d["rows"], d["whole"]) for d in f.supersedes] == [(1, 4, True)]
    assert "supersedes load 1" in rep.summary()
    assert _products(db) == [(2020, "CHN", "KAZ", "850110", 9.0),
                             (2021, "CHN", "KAZ", "010121", 1.0)]
    loads = warehouse.loads(db, all_loads=True)
    assert list(loads["status"]) == ["replaced", "loaded", "loaded"]
    assert list(loads["scope"]) == ["year=2020", "year=2021", "year=2020"]
    assert loads["replaced_by"].iloc[0] == 3 and loads["replaced_by"].iloc[1:].isna().all()


def test_a_renamed_baci_file_declares_the_year_of_its_first_row(tmp_path):
    folder = write_baci(tmp_path / "b", rows={2021: [(2021, 156, 398, 850110, 1.0, 1.0),
                                                     (2019, 156, 398, 850110, 2.0, 1.0)]})
    f = folder / "BACI_HS17_Y2021_V202401b.csv"
    renamed = f.rename(folder / "my_extract.csv")
    db = tmp_path / "w.duckdb"
    said: list[str] = []
    rep = warehouse.ingest("baci", renamed, db=db, announce=said.append)
    assert rep.files[0].scope == "year=2021"
    assert said[0].startswith("my_extract.csv: declares year 2021 by its first usable row, "
                              "line 2")
    assert _rows(db, 'SELECT line, "column", value, reason FROM quarantine') == [
        (3, "t", "2019", "outside_scope")]


def _ct(path, rows):
    return write_comtrade_legacy(path, [(y, rc, rn, 1, pc, pn, cmd, val)
                                        for y, rc, rn, pc, pn, cmd, val in rows])


def test_a_mixed_comtrade_file_supersedes_only_its_declared_year_and_reporter(tmp_path):
    db = tmp_path / "w.duckdb"
    warehouse.ingest("comtrade", _ct(tmp_path / "kaz21.csv", [
        (2021, 398, "Kazakhstan", 156, "China", "850110", 80000.0),
        (2021, 398, "Kazakhstan", 643, "Russia", "850110", 20000.0)]), db=db)
    warehouse.ingest("comtrade", _ct(tmp_path / "chn21.csv", [
        (2021, 156, "China", 398, "Kazakhstan", "720211", 3000.0)]), db=db)
    before = _products(db)
    # KAZ 2022, with a stray CHN 2021 row and a stray KAZ 2021 row
    said: list[str] = []
    rep = warehouse.ingest("comtrade", _ct(tmp_path / "kaz22.csv", [
        (2022, 398, "Kazakhstan", 156, "China", "850110", 1000.0),
        (2021, 156, "China", 398, "Kazakhstan", "720211", 1.0),
        (2021, 398, "Kazakhstan", 643, "Russia", "850110", 1.0)]), db=db, announce=said.append)
    f = rep.files[0]
    assert f.scope == "year=2022;importer=KAZ" and f.supersedes == []
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 1, 2)
    assert said == ["kaz22.csv: declares year 2022, reporter KAZ by its first usable row, "
                    "line 2; supersedes nothing"]
    assert [r for r in _products(db) if r[0] == 2021] == before
    q = _rows(db, 'SELECT line, "column", value, reason FROM quarantine ORDER BY line')
    assert q == [(3, "Year", "2021", "outside_scope"), (4, "Year", "2021", "outside_scope")]
    # a revised KAZ 2021 file replaces KAZ 2021 only, and says so
    said.clear()
    rep = warehouse.ingest("comtrade", _ct(tmp_path / "kaz21_rev.csv", [
        (2021, 398, "Kazakhstan", 156, "China", "850110", 90000.0),
        (2021, 156, "China", 398, "Kazakhstan", "720211", 5.0)]), db=db, announce=said.append)
    assert rep.files[0].replaced_loads == [1]
    assert said == ["kaz21_rev.csv: declares year 2021, reporter KAZ by its first usable row, "
                    "line 2; supersedes load 1: comtrade kaz21.csv (year 2021, reporter KAZ), "
                    "2 rows [the same year 2021, reporter KAZ]"]
    assert _products(db) == [(2021, "CHN", "KAZ", "850110", 90.0),
                             (2021, "KAZ", "CHN", "720211", 3.0),
                             (2022, "CHN", "KAZ", "850110", 1.0)]
    q = _rows(db, 'SELECT line, "column", value FROM quarantine WHERE load_id = 4')
    assert q == [(3, "Reporter Code", "156")]


def test_a_reader_slip_is_caught_and_rolled_back(tmp_path, monkeypatch):
    """If a reader ever let a row outside the declared scope through, the ingest fails and
    the warehouse is unchanged (the check in the warehouse, not only in the readers)."""
    from equipoise.sources import baci

    db = tmp_path / "w.duckdb"
    warehouse.ingest("baci", write_baci(tmp_path / "a", rows={2020: Y2020}), db=db)
    before = (_products(db), _rows(db, "SELECT * FROM loads"))
    monkeypatch.setattr(baci, "scope_filter", lambda scope, ok, *a, **k: ok)
    mixed = write_baci(tmp_path / "b", rows={2022: [(2022, 156, 398, 850110, 5.0, 1.0),
                                                    (2020, 842, 398, 880240, 7.0, 1.0)]})
    with pytest.raises(WarehouseError, match=r"1 row\(s\) outside the year 2022 .* nothing was "
                                             r"loaded"):
        warehouse.ingest("baci", mixed, db=db)
    assert (_products(db), _rows(db, "SELECT * FROM loads")) == before


def test_a_warehouse_written_before_scopes_is_superseded_by_declared_scope(tmp_path):
    """Loads without a recorded scope (older warehouses, maybe holding the mixed years the
    old rule let in) lose only their rows inside the new file's declared year."""
    db = tmp_path / "w.duckdb"
    warehouse.ingest("baci", write_baci(tmp_path / "a", rows={
        2020: Y2020, 2021: [(2021, 156, 398, 10121, 1, 1)]}), db=db)
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE loads DROP COLUMN scope")
    con.execute("ALTER TABLE loads DROP COLUMN replaced_by")
    # the old 2021 load also holds a 2022 row (as the old rule allowed)
    con.execute("INSERT INTO trade_products VALUES (2022, 'CHN', 'KAZ', '999999', 1, 1, "
                "'baci', 2)")
    con.close()
    rep = warehouse.ingest("baci", write_baci(tmp_path / "b", rows={
        2022: [(2022, 156, 398, 850110, 5.0, 1.0)]}, version="V202501"), db=db)
    f = rep.files[0]
    assert [(d["load_id"], d["rows"], d["whole"]) for d in f.supersedes] == [(2, 1, False)]
    assert f.supersedes[0]["text"] == (
        "supersedes load 2: baci HS17_V202401b BACI_HS17_Y2021_V202401b.csv, 1 of its rows "
        "(those inside this file's scope; it keeps the others) [the same year 2022]")
    assert f.replaced_loads == []
    assert _products(db)[4:] == [(2021, "CHN", "KAZ", "010121", 1.0),
                                 (2022, "CHN", "KAZ", "850110", 5.0)]
    assert list(warehouse.loads(db, all_loads=True)["status"]) == ["loaded"] * 3
    # and a new 2020 version replaces the scope-less 2020 load whole
    rep = warehouse.ingest("baci", write_baci(tmp_path / "c", rows={
        2020: [(2020, 156, 398, 850110, 9.0, 1.0)]}, version="V202501"), db=db)
    assert rep.files[0].replaced_loads == [1]
    assert [r for r in _products(db) if r[0] == 2020] == [(2020, "CHN", "KAZ", "850110", 9.0)]


# ----------------------------------------------------------------- opening the file
def test_a_corrupt_warehouse_is_not_reported_as_in_use(tmp_path):
    db = tmp_path / "w.duckdb"
    db.write_bytes(b"this is not a database\n" * 100)
    data = db.read_bytes()
    for call in (lambda: warehouse.loads(db), lambda: warehouse.connect(db),
                 lambda: warehouse.read_flows(db),
                 lambda: warehouse.ingest("baci", write_baci(tmp_path / "b"), db=db)):
        with pytest.raises(WarehouseError) as err:
            call()
        msg = str(err.value)
        assert f"warehouse {db} is not a readable DuckDB database" in msg
        assert "Move it aside" in msg and "in use" not in msg
    assert db.read_bytes() == data  # nothing written over it


def test_a_warehouse_locked_by_another_process_names_that_process(tmp_path):
    db = tmp_path / "w.duckdb"
    warehouse.ingest("baci", write_baci(tmp_path / "b"), db=db)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(60)", str(db)], stdout=subprocess.PIPE,
        text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        for call in (lambda: warehouse.loads(db), lambda: warehouse.connect(db)):
            with pytest.raises(WarehouseError, match=rf"in use by another process \(process "
                                                     rf"{holder.pid}\)"):
                call()
    finally:
        holder.kill()
        holder.wait()


def test_a_folder_path_or_a_file_as_parent_is_a_clear_error(tmp_path):
    blocker = tmp_path / "plain_file"
    blocker.write_text("x")
    folder = write_baci(tmp_path / "b")
    with pytest.raises(WarehouseError, match="is a file, not a folder"):
        warehouse.ingest("baci", folder, db=blocker / "w.duckdb")
    (tmp_path / "adir").mkdir()
    with pytest.raises(WarehouseError, match="is a folder, not a DuckDB file"):
        warehouse.ingest("baci", folder, db=tmp_path / "adir")
    with pytest.raises(WarehouseError, match="is a folder, not a DuckDB file"):
        warehouse.loads(tmp_path / "adir")


def test_a_read_only_folder_is_named_not_called_busy(tmp_path, monkeypatch):
    """Runs as root here, so the folder is made to look read-only through os.access (the
    CLI test in tests/adversarial checks a real one with the capability dropped)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if Path(p) == ro
                        else real(p, mode, **k))
    with pytest.raises(WarehouseError) as err:
        warehouse.ingest("baci", write_baci(tmp_path / "b"), db=ro / "w.duckdb")
    msg = str(err.value)
    assert f"the folder {ro} is not writable (permission denied or a read-only file system)" \
        in msg and "busy" not in msg
    assert not (ro / "w.duckdb").exists() and not (ro / "w.duckdb.lock").exists()


# ----------------------------------------------------------------- memory limit
@pytest.mark.parametrize("value, expected", [
    ("1GB", "1GB"), ("512 MiB", "512MiB"), ("1.5gb", "1.5gb"), ("50%", "50%"),
    (" 2TB ", "2TB"), ("100B", "100B")])
def test_memory_limit_accepts_sizes(value, expected):
    assert warehouse.memory_limit(value) == expected


@pytest.mark.parametrize("value", [
    "1GB'; CREATE TABLE pwned AS SELECT 1; --", "", "abc", "1", "GB", "1 GB GB", "-1GB",
    "1GB\n;", "1e3GB", "1,5GB", "x" * 500])
def test_memory_limit_refuses_anything_else(value):
    with pytest.raises(WarehouseError) as err:
        warehouse.memory_limit(value)
    msg = str(err.value)
    assert msg.startswith("EQUIPOISE_DB_MEMORY_LIMIT: saw ")
    assert repr(value[:60] + ("..." if len(value) > 60 else "")) in msg
    assert "expected a number and a unit such as 1GB" in msg and len(msg) < 400


def test_an_injected_memory_limit_runs_no_sql(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    warehouse.ingest("baci", write_baci(tmp_path / "a"), db=db)
    monkeypatch.setenv("EQUIPOISE_DB_MEMORY_LIMIT", "1GB'; CREATE TABLE pwned AS SELECT 1; --")
    with pytest.raises(WarehouseError, match="EQUIPOISE_DB_MEMORY_LIMIT: saw"):
        warehouse.ingest("baci", write_baci(tmp_path / "b", version="V202501"), db=db)
    assert _rows(db, "SELECT count(*) FROM information_schema.tables "
                     "WHERE table_name = 'pwned'") == [(0,)]
    monkeypatch.setenv("EQUIPOISE_DB_MEMORY_LIMIT", "256MB")
    rep = warehouse.ingest("baci", write_baci(tmp_path / "c", rows={
        2022: [(2022, 156, 398, 850110, 5.0, 1.0)]}), db=db)
    assert [f.status for f in rep.files] == ["loaded"]
