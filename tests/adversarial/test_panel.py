"""Adversarial regression cases for the world panel (issue 12), through the CLI.

Each case builds its input in tmp_path, runs ``equipoise`` in a subprocess and checks the exit
code, the error text, that no Python traceback reaches the user, and, for a failed build,
that the warehouse is unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from panel.layouts import write_all

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK = "Traceback (most recent call last)"


def _cli(*args: str) -> subprocess.CompletedProcess:
    e = dict(os.environ, NO_COLOR="1", COLUMNS="200", PYTHONWARNINGS="ignore",
             PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-m", "equipoise._cli.main", *args],
                       capture_output=True, text=True, env=e, cwd=ROOT, timeout=300)
    assert TRACEBACK not in p.stderr and TRACEBACK not in p.stdout, p.stderr
    return p


def _rows(db: Path):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * FROM panel ORDER BY ALL").fetchall()
    finally:
        con.close()


@pytest.fixture
def built(tmp_path):
    data = write_all(tmp_path / "data")
    db = tmp_path / "w.duckdb"
    assert _cli("panel", "build", "--data-dir", str(data), "--db", str(db)).returncode == 0
    return data, db


def test_bad_layout_is_located_and_changes_nothing(built):
    data, db = built
    before = _rows(db)
    (data / "cow-atop-peacesciencer" / "cow_trade_sy.csv").write_text("a,b\n1,2\n")
    p = _cli("panel", "build", "--data-dir", str(data), "--db", str(db))
    assert p.returncode == 2
    assert "cow_trade_sy.csv line 1: not a COW layout" in p.stderr
    assert _rows(db) == before


def test_missing_file_in_a_dataset_folder(built):
    data, db = built
    before = _rows(db)
    (data / "imf-dip-fdi" / "imf_dip_inward_positions_test.csv").unlink()
    p = _cli("panel", "build", "--data-dir", str(data), "--db", str(db))
    assert p.returncode == 2
    assert "the finance dataset" in p.stderr and "imf_dip_inward_positions*" in p.stderr
    assert "docs/sources.md" in p.stderr
    assert _rows(db) == before


def test_not_a_warehouse(tmp_path, built):
    data, _ = built
    bad = tmp_path / "not.duckdb"
    bad.write_text("hello")
    p = _cli("panel", "build", "--data-dir", str(data), "--db", str(bad))
    assert p.returncode == 2 and "not a readable DuckDB database" in p.stderr
    p = _cli("panel", "show", "--focal", "KAZ", "--db", str(tmp_path / "none.duckdb"))
    assert p.returncode == 2 and "does not exist" in p.stderr


def test_unknown_code_and_no_panel(tmp_path, built):
    _, db = built
    p = _cli("index", "--focal", "KAZ", "--peers", "UZB,1'; DROP TABLE panel; --",
             "--db", str(db))
    assert p.returncode == 2 and "is not an ISO3 country code" in p.stderr
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    p = _cli("index", "--focal", "KAZ", "--db", str(empty))
    assert p.returncode == 2 and "holds no panel; build it first" in p.stderr
    assert _rows(db)  # still there


def test_state_without_data_is_insufficient_with_reason(built):
    _, db = built
    p = _cli("index", "--focal", "MNG", "--reps", "0", "--db", str(db), "--json")
    assert p.returncode == 0
    assert '"status": "insufficient"' in p.stdout
    assert "no panel rows with pole data or kappa" in p.stdout
