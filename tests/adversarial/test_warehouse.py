"""Adversarial regression cases for the warehouse (issue 14, point 1), through the CLI.

Each case builds its input in tmp_path, runs ``equipoise`` in a subprocess and checks the
exit code, the error text, and that no Python traceback reaches the user.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from sources.layouts import write_baci, write_comtrade_legacy

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK = "Traceback (most recent call last)"
#: run as root without the capabilities that let root write anywhere, so that a chmod'd
#: folder is really read-only for the process (root ignores permissions otherwise)
NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def _cli(*args: str, env: dict | None = None, prefix: list[str] | None = None
         ) -> subprocess.CompletedProcess:
    e = dict(os.environ, NO_COLOR="1", COLUMNS="200", PYTHONWARNINGS="ignore",
             PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    e.update(env or {})
    p = subprocess.run([*(prefix or []), sys.executable, "-m", "equipoise._cli.main", *args],
                       capture_output=True, text=True, env=e, cwd=ROOT, timeout=300)
    assert TRACEBACK not in p.stderr and TRACEBACK not in p.stdout, p.stderr
    return p


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _count(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


Y2020 = [(2020, 156, 398, 850110, 1.0, 1.0), (2020, 156, 643, 850110, 2.0, 1.0),
         (2020, 842, 398, 880240, 3.0, 1.0), (2020, 643, 398, 270900, 4.0, 1.0)]


@pytest.fixture
def w2020(tmp_path) -> Path:
    """A warehouse holding BACI V202301's 2020 (4 rows)."""
    db = tmp_path / "w.duckdb"
    p = _cli("ingest", "baci", str(write_baci(tmp_path / "v23", rows={2020: Y2020},
                                              version="V202301")), "--db", str(db))
    assert p.returncode == 0, p.stderr
    return db


def test_mixed_year_baci_file_keeps_the_other_year(tmp_path, w2020):
    mixed = write_baci(tmp_path / "v24", rows={2022: [(2022, 156, 398, 850110, 5.0, 1.0),
                                                      (2022, 156, 643, 850110, 6.0, 1.0),
                                                      (2020, 842, 398, 880240, 7.0, 1.0)]})
    p = _cli("ingest", "baci", str(mixed), "--db", str(w2020), "--json")
    assert p.returncode == 0, p.stderr
    assert ("BACI_HS17_Y2022_V202401b.csv: declares year 2022 by its name "
            "BACI_HS17_Y2022_V202401b.csv; supersedes nothing") in _one_line(p.stderr)
    out = json.loads(p.stdout)
    assert out["totals"] == {"rows_read": 3, "rows_loaded": 2, "rows_quarantined": 1,
                             "rows_stored": 2, "rows_merged": 0}
    assert out["files"][0]["supersedes"] == [] and out["files"][0]["scope"] == "year=2022"
    assert _count(w2020, "SELECT year, count(*) FROM trade_products GROUP BY year "
                         "ORDER BY year") == [(2020, 4), (2022, 2)]
    assert _count(w2020, 'SELECT line, "column", value, reason FROM quarantine') == [
        (4, "t", "2020", "outside_scope")]
    lst = _cli("warehouse", "list", "--all", "--db", str(w2020), "--json")
    loads = json.loads(lst.stdout)["loads"]
    assert [(x["status"], x["scope"]) for x in loads] == [("loaded", "year=2020"),
                                                          ("loaded", "year=2022")]


def test_a_new_baci_version_says_what_it_supersedes(tmp_path, w2020):
    new = write_baci(tmp_path / "v25", rows={2020: [(2020, 156, 398, 850110, 9.0, 1.0)]},
                     version="V202501")
    p = _cli("ingest", "baci", str(new), "--db", str(w2020))
    assert p.returncode == 0, p.stderr
    assert ("supersedes load 1: baci HS17_V202301 BACI_HS17_Y2020_V202301.csv (year 2020), "
            "4 rows [the same year 2020]") in _one_line(p.stderr)
    assert "supersedes load 1" in p.stdout  # repeated under the summary
    lst = json.loads(_cli("warehouse", "list", "--all", "--db", str(w2020), "--json").stdout)
    assert [(x["status"], x["replaced_by"]) for x in lst["loads"]] == [("replaced", 2),
                                                                       ("loaded", None)]


def test_mixed_comtrade_file_keeps_other_reporters_and_years(tmp_path):
    db = tmp_path / "w.duckdb"
    chn = write_comtrade_legacy(tmp_path / "chn21.csv", [
        (2021, 156, "China", 1, 398, "Kazakhstan", "720211", 3000.0),
        (2021, 156, "China", 1, 643, "Russia", "720211", 4000.0)])
    assert _cli("ingest", "comtrade", str(chn), "--db", str(db)).returncode == 0
    mixed = write_comtrade_legacy(tmp_path / "kaz22.csv", [
        (2022, 398, "Kazakhstan", 1, 156, "China", "850110", 1000.0),
        (2021, 156, "China", 1, 398, "Kazakhstan", "720211", 1.0)])
    p = _cli("ingest", "comtrade", str(mixed), "--db", str(db))
    assert p.returncode == 0, p.stderr
    assert ("kaz22.csv: declares year 2022, reporter KAZ by its first usable row, line 2; "
            "supersedes nothing") in _one_line(p.stderr)
    assert _count(db, "SELECT importer, year, count(*) FROM trade_products GROUP BY ALL "
                      "ORDER BY ALL") == [("CHN", 2021, 2), ("KAZ", 2022, 1)]
    assert _count(db, 'SELECT line, "column", value, reason FROM quarantine') == [
        (3, "Year", "2021", "outside_scope")]


def test_a_corrupt_warehouse_is_called_corrupt_not_busy(tmp_path):
    db = tmp_path / "w.duckdb"
    db.write_bytes(b"\x00garbage" * 512)
    folder = write_baci(tmp_path / "b")
    for args in (["warehouse", "list"], ["ingest", "baci", str(folder)],
                 ["screen", "--year", "2021"]):
        p = _cli(*args, "--db", str(db))
        assert p.returncode == 2, (args, p.stderr)
        msg = _one_line(p.stderr)
        assert f"error: warehouse {db} is not a readable DuckDB database" in msg, msg
        assert "in use" not in msg and "busy" not in msg
    assert db.read_bytes() == b"\x00garbage" * 512


def test_a_db_under_a_regular_file_is_a_clear_error(tmp_path):
    blocker = tmp_path / "notafolder"
    blocker.write_text("x")
    p = _cli("ingest", "baci", str(write_baci(tmp_path / "b")), "--db",
             str(blocker / "w.duckdb"))
    assert p.returncode == 2
    assert "is a file, not a folder" in _one_line(p.stderr)


def test_a_db_that_is_a_folder_is_a_clear_error(tmp_path):
    (tmp_path / "d").mkdir()
    for args in (["ingest", "baci", str(write_baci(tmp_path / "b"))], ["warehouse", "list"]):
        p = _cli(*args, "--db", str(tmp_path / "d"))
        assert p.returncode == 2
        assert "is a folder, not a DuckDB file" in _one_line(p.stderr)


def _read_only_runner(folder: Path) -> list[str]:
    """A command prefix under which ``folder`` (mode 555) is really not writable."""
    folder.chmod(0o555)
    prefix = NO_DAC if os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a folder read-only for root")
    probe = subprocess.run([*prefix, sys.executable, "-c",
                            "import os, sys; sys.exit(os.access(sys.argv[1], os.W_OK))",
                            str(folder)], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("could not drop write permission on the folder here")
    return prefix


def test_db_in_a_read_only_folder_is_named_not_busy(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    prefix = _read_only_runner(ro)
    try:
        folder = write_baci(tmp_path / "b")
        p = _cli("ingest", "baci", str(folder), "--db", str(ro / "w.duckdb"), prefix=prefix)
        assert p.returncode == 2
        msg = _one_line(p.stderr)
        assert (f"error: warehouse {ro / 'w.duckdb'}: the folder {ro} is not writable "
                f"(permission denied or a read-only file system)") in msg
        assert "busy" not in msg
        p = _cli("ingest", "baci", str(folder), "--db", str(ro / "sub" / "w.duckdb"),
                 prefix=prefix)
        assert p.returncode == 2
        assert f"cannot create the folder {ro / 'sub'} (Permission denied)" in p.stderr
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def test_an_existing_warehouse_in_a_read_only_folder_can_still_be_read(tmp_path, w2020):
    folder = w2020.parent
    prefix = _read_only_runner(folder)
    try:
        p = _cli("warehouse", "list", "--db", str(w2020), "--json", prefix=prefix)
        assert p.returncode == 0, p.stderr
        assert [x["rows_read"] for x in json.loads(p.stdout)["loads"]] == [4]
        p = _cli("ingest", "baci", str(write_baci(tmp_path / "x", version="V202501")),
                 "--db", str(w2020), prefix=prefix)
        assert p.returncode == 2 and "is not writable" in p.stderr
    finally:
        folder.chmod(0o755)


def test_memory_limit_with_a_quote_runs_no_sql(tmp_path, w2020):
    bad = "1GB'; CREATE TABLE pwned AS SELECT 42 AS x; --"
    p = _cli("ingest", "baci", str(write_baci(tmp_path / "b", version="V202501")), "--db",
             str(w2020), env={"EQUIPOISE_DB_MEMORY_LIMIT": bad})
    assert p.returncode == 2
    assert _one_line(p.stderr) == _one_line(
        f"error: EQUIPOISE_DB_MEMORY_LIMIT: saw {bad!r}, expected a number and a unit such "
        f"as 1GB, 512MB or 2GiB (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB) or a percentage "
        f"such as 50%")
    assert _count(w2020, "SELECT count(*) FROM information_schema.tables WHERE "
                         "table_name = 'pwned'") == [(0,)]


def test_a_warehouse_locked_by_another_process(tmp_path, w2020):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(60)", str(w2020)], stdout=subprocess.PIPE,
        text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        p = _cli("warehouse", "list", "--db", str(w2020))
        assert p.returncode == 2
        assert f"is in use by another process (process {holder.pid})" in _one_line(p.stderr)
    finally:
        holder.kill()
        holder.wait()


def test_a_read_only_warehouse_file_in_a_writable_folder(tmp_path, w2020):
    w2020.chmod(0o444)
    prefix = NO_DAC if os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a file read-only for root")
    try:
        p = _cli("ingest", "baci", str(write_baci(tmp_path / "x", version="V202501")),
                 "--db", str(w2020), prefix=prefix)
        if p.returncode == 0:
            pytest.skip("could not drop write permission on the file here")
        assert p.returncode == 2
        assert f"warehouse {w2020} is read-only (permission denied)" in _one_line(p.stderr)
    finally:
        w2020.chmod(0o644)
