"""Adversarial inputs to `equipoise screen` on its DuckDB SQL path: quotes and SQL in the
reporter and source values are data, an empty screen leaves an earlier --parquet file alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from sources.layouts import write_baci

from equipoise import warehouse

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK = "Traceback (most recent call last)"


def _cli(*args: str) -> subprocess.CompletedProcess:
    e = dict(os.environ, NO_COLOR="1", COLUMNS="200", PYTHONWARNINGS="ignore",
             PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-m", "equipoise._cli.main", *args],
                       capture_output=True, text=True, env=e, cwd=ROOT, timeout=300)
    assert TRACEBACK not in p.stderr and TRACEBACK not in p.stdout, p.stderr
    return p


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("adv_screen")
    path = tmp / "w.duckdb"
    warehouse.ingest("baci", write_baci(tmp / "b"), db=path)
    return path


def _rows(db: Path) -> int:
    c = duckdb.connect(str(db), read_only=True)
    try:
        return c.execute("SELECT count(*) FROM trade_products").fetchall()[0][0]
    finally:
        c.close()


@pytest.mark.parametrize(("option", "value", "expected"), [
    ("--reporter", "KAZ') OR 1=1 OR ('x", "no imports in 2021 for KAZ') OR 1=1 OR ('X"),
    ("--source", "baci' OR '1'='1", "no imports in 2021"),
])
def test_quotes_and_sql_in_values_are_data(db, tmp_path, option, value, expected):
    before = _rows(db)
    out = tmp_path / "flags.parquet"
    p = _cli("screen", "--db", str(db), "--year", "2021", option, value, "--parquet", str(out))
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert expected in " ".join(p.stderr.split()), p.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []  # no file, no temporary left
    assert _rows(db) == before


def test_an_empty_screen_leaves_an_earlier_parquet_file(db, tmp_path):
    out = tmp_path / "flags.parquet"
    out.write_bytes(b"an earlier file")
    p = _cli("screen", "--db", str(db), "--year", "2005", "--parquet", str(out))
    assert p.returncode == 2 and "no imports in 2005" in p.stderr, p.stderr
    assert out.read_bytes() == b"an earlier file"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["flags.parquet"]
