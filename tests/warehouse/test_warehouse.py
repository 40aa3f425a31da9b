"""The warehouse: atomic, idempotent, one writer at a time, counted, read back as flows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sources.layouts import write_baci, write_comtrade_legacy

from equipoise import warehouse
from equipoise.errors import WarehouseError

ROOT = Path(__file__).resolve().parents[2]
EXE = [sys.executable, "-m", "equipoise._cli.main"]


def _state(db) -> tuple:
    """Everything an ingest may change: the manifest and the size of every table."""
    loads = warehouse.loads(db, all_loads=True)
    counts = warehouse.table_counts(db)
    return (tuple(map(tuple, loads[["load_id", "source", "path", "sha256", "status",
                                    "rows_read", "rows_loaded", "rows_quarantined"]]
                      .astype(str).to_numpy())),
            tuple(map(tuple, counts.astype(str).to_numpy())))


def test_ingest_baci_counts_and_manifest(tmp_path):
    folder = write_baci(tmp_path / "BACI_HS17_V202401b")
    db = tmp_path / "w.duckdb"
    rep = warehouse.ingest("baci", folder, db=db)
    assert [f.status for f in rep.files] == ["loaded", "loaded"]
    t = rep.totals
    assert t["rows_read"] == 13 and t["rows_quarantined"] == 2
    assert t["rows_read"] == t["rows_loaded"] + t["rows_quarantined"]
    loads = warehouse.loads(db)
    assert list(loads["source"]) == ["baci", "baci"]
    assert list(loads["version"]) == ["HS17_V202401b"] * 2
    assert list(loads["rows_read"]) == [4, 9]
    con = warehouse.connect(db)
    tp = con.table("trade_products").execute()
    assert len(tp) == 11 and (tp["product"].str.len() == 6).all()
    q = con.table("quarantine").execute()
    assert set(q["value"]) == {"490"} and q["message"].str.contains("Other Asia").all()


def test_reingest_changes_nothing_and_changed_file_replaces(tmp_path):
    folder = write_baci(tmp_path / "b")
    db = tmp_path / "w.duckdb"
    warehouse.ingest("baci", folder, db=db)
    before = _state(db)
    rep = warehouse.ingest("baci", folder, db=db)
    assert [f.status for f in rep.files] == ["unchanged", "unchanged"]
    assert _state(db) == before
    # a corrected 2021 file at the same path replaces the earlier load of that file
    write_baci(folder, rows={2021: [(2021, 156, 398, 850110, 99.0, 1.0)]})
    rep = warehouse.ingest("baci", folder, db=db)
    assert [f.status for f in rep.files] == ["unchanged", "loaded"]
    assert rep.files[1].replaced_loads == [2]
    tp = warehouse.connect(db).table("trade_products").execute()
    assert len(tp[tp["year"] == 2021]) == 1 and len(tp[tp["year"] == 2020]) == 4
    allx = warehouse.loads(db, all_loads=True)
    assert list(allx["status"]) == ["loaded", "replaced", "loaded"]
    assert len(warehouse.connect(db).table("quarantine").execute()) == 0  # 490 rows went too


def test_comtrade_files_supersede_per_reporter_and_year(tmp_path):
    # bulk files come per reporter and year: CHN's 2021 file must not replace KAZ's
    db = tmp_path / "w.duckdb"
    kaz = write_comtrade_legacy(tmp_path / "kaz_2021.csv", [
        (2021, 398, "Kazakhstan", 1, 156, "China", "850110", 80000.0),
        (2021, 398, "Kazakhstan", 1, 643, "Russian Federation", "850110", 20000.0)])
    chn = write_comtrade_legacy(tmp_path / "chn_2021.csv", [
        (2021, 156, "China", 1, 398, "Kazakhstan", "720211", 3000.0)])
    warehouse.ingest("comtrade", kaz, db=db)
    warehouse.ingest("comtrade", chn, db=db)

    def rows():
        con = warehouse.connect(db)
        tp = con.table("trade_products").execute()
        con.disconnect()
        return sorted(zip(tp["importer"], tp["exporter"], tp["value"], strict=True))

    assert rows() == [("CHN", "KAZ", 3.0), ("KAZ", "CHN", 80.0), ("KAZ", "RUS", 20.0)]
    # a revised KAZ 2021 file under another name replaces KAZ 2021, and only that
    rev = write_comtrade_legacy(tmp_path / "kaz_2021_rev.csv", [
        (2021, 398, "Kazakhstan", 1, 156, "China", "850110", 90000.0)])
    rep = warehouse.ingest("comtrade", rev, db=db)
    assert rep.files[0].replaced_loads == [1]
    assert rows() == [("CHN", "KAZ", 3.0), ("KAZ", "CHN", 90.0)]
    assert list(warehouse.loads(db, all_loads=True)["status"]) == ["replaced", "loaded",
                                                                   "loaded"]


def test_duplicate_product_keys_are_summed(tmp_path):
    folder = write_baci(tmp_path / "b", rows={2021: [(2021, 156, 398, 850110, 1.0, 1.0),
                                                     (2021, 156, 398, 850110, 2.5, 1.0)]})
    db = tmp_path / "w.duckdb"
    rep = warehouse.ingest("baci", folder, db=db)
    assert rep.files[0].rows_merged == 1 and rep.files[0].rows_stored == 1
    tp = warehouse.connect(db).table("trade_products").execute()
    assert tp["value"].tolist() == [pytest.approx(3.5)]


def test_second_ingest_fails_clearly_while_locked(tmp_path):
    from filelock import FileLock

    folder = write_baci(tmp_path / "b")
    db = tmp_path / "w.duckdb"
    with FileLock(str(db) + ".lock"), pytest.raises(WarehouseError, match=r"busy.*\.lock"):
        warehouse.ingest("baci", folder, db=db, lock_timeout=0.2)
    assert warehouse.ingest("baci", folder, db=db).totals["rows_read"] == 13


def test_missing_warehouse_is_a_clear_error(tmp_path):
    with pytest.raises(WarehouseError, match="does not exist"):
        warehouse.loads(tmp_path / "none.duckdb")


def test_default_path_respects_env(tmp_path, monkeypatch):
    monkeypatch.setenv("EQUIPOISE_DB", str(tmp_path / "x.duckdb"))
    assert warehouse.default_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv("EQUIPOISE_DB")
    assert warehouse.default_path().name == "warehouse.duckdb"
    assert "equipoise" in str(warehouse.default_path())


def test_read_flows_for_the_assessment(tmp_path):
    import pandas as pd

    f = tmp_path / "tiv.csv"
    pd.DataFrame({"supplier": ["Russia", "Spain", "Russia", "Hezbollah (Lebanon)*"],
                  "recipient": ["Kazakhstan", "Kazakhstan", "Kazakhstan", "Kazakhstan"],
                  "year": [2020, 2020, 2021, 2020], "value": [100, 20, 50, 1]}).to_csv(f, index=False)
    db = tmp_path / "w.duckdb"
    rep = warehouse.ingest("sipri", f, db=db)
    assert rep.totals["rows_quarantined"] == 1
    fs = warehouse.read_flows(db, focal="KAZ")
    assert len(fs) == 3 and set(fs.data["partner"]) == {"RUS", "ESP"}
    assert (fs.data["indicator"] == "security.arms.import").all()
    assert fs.counts["read"] == fs.counts["loaded"] + fs.counts["quarantined"]


# ------------------------------------------------------------------ processes
@pytest.fixture(scope="module")
def big_baci(tmp_path_factory) -> Path:
    """A BACI-layout year file large enough that an ingest takes a few seconds."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    folder = tmp_path_factory.mktemp("bigbaci")
    write_baci(folder, rows={2020: [(2020, 156, 398, 850110, 1.0, 1.0)]})
    n = 3_000_000
    rng = np.random.default_rng(1)
    codes = np.array([4, 156, 251, 276, 398, 643, 699, 757, 842])
    table = pa.table({"t": np.full(n, 2021), "i": rng.choice(codes, n),
                      "j": rng.choice(codes, n), "k": rng.integers(10000, 999999, n),
                      "v": np.round(rng.lognormal(2, 2, n), 3),
                      "q": np.round(rng.lognormal(0, 1, n), 3)})
    path = folder / "BACI_HS17_Y2021_V202401b.csv"
    with path.open("wb") as fh:
        fh.write(b"t,i,j,k,v,q\n")
        pacsv.write_csv(table, fh, write_options=pacsv.WriteOptions(include_header=False))
    return folder


def _ingest_proc(source, path, db, *extra) -> subprocess.Popen:
    env = dict(os.environ, NO_COLOR="1", PYTHONWARNINGS="ignore")
    return subprocess.Popen([*EXE, "ingest", source, str(path), "--db", str(db), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT)


def _wait_until_busy(proc, db, timeout=60.0) -> None:
    """Wait until the ingest holds the lock and has started writing."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            pytest.fail(f"ingest ended before it could be interrupted: {proc.stderr.read()}")
        if Path(str(db) + ".wal").exists() or (Path(db).exists() and time.time() - t0 > 4):
            return
        time.sleep(0.1)
    pytest.fail("ingest did not start writing")


@pytest.mark.slow
def test_killed_ingest_leaves_warehouse_unchanged(tmp_path, big_baci):
    db = tmp_path / "w.duckdb"
    small = write_baci(tmp_path / "small")
    warehouse.ingest("baci", small, db=db)
    before = _state(db)
    proc = _ingest_proc("baci", big_baci / "BACI_HS17_Y2021_V202401b.csv", db)
    _wait_until_busy(proc, db)
    time.sleep(1.0)
    assert proc.poll() is None, "the ingest finished before it was killed; use a larger file"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _state(db) == before
    rep = warehouse.ingest("baci", big_baci / "BACI_HS17_Y2021_V202401b.csv", db=db)
    assert rep.files[0].status == "loaded"
    assert rep.totals["rows_read"] == 3_000_000
    # the new 2021 file supersedes the small folder's 2021 file (same source, same year)
    assert list(warehouse.loads(db, all_loads=True)["status"]) == ["loaded", "replaced", "loaded"]


@pytest.mark.slow
def test_two_ingests_at_once(tmp_path, big_baci):
    db = tmp_path / "w.duckdb"
    first = _ingest_proc("baci", big_baci / "BACI_HS17_Y2021_V202401b.csv", db)
    _wait_until_busy(first, db)
    second = _ingest_proc("baci", write_baci(tmp_path / "small"), db)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 2
    assert "busy" in err and ".lock" in err
    # reading while the ingest writes is refused with a clear message, not a corruption
    lst = subprocess.run([*EXE, "warehouse", "list", "--db", str(db)], capture_output=True,
                         text=True, cwd=ROOT, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    if first.poll() is None:
        assert lst.returncode == 2 and "in use" in lst.stderr
    assert first.wait(timeout=300) == 0
    loads = warehouse.loads(db)
    assert len(loads) == 1 and int(loads["rows_read"].iloc[0]) == 3_000_000
    # the waiting variant succeeds
    third = _ingest_proc("baci", tmp_path / "small", db, "--wait", "60", "--json")
    out, err = third.communicate(timeout=300)
    assert third.returncode == 0, err
    assert json.loads(out)["totals"]["rows_read"] == 13


def test_warehouse_connections_have_duckdb_progress_bar_off(tmp_path):
    """DuckDB's progress bar draws on stdout during long queries and would corrupt a command's
    ``--json``: every connection the warehouse opens has it off (read-only and writable)."""
    import duckdb

    from equipoise.warehouse import _raw_connect, connect_duckdb

    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    for open_it in (connect_duckdb, _raw_connect):
        con = open_it(path)
        try:
            bar = con.execute("SELECT current_setting('enable_progress_bar')").fetchall()
        finally:
            con.close()
        assert bar == [(False,)], open_it.__name__
