"""Adversarial inputs to `equipoise plan --db` (the warehouse that gives the trade capacity):
a missing file, a folder, a file that is not DuckDB, a warehouse without product-level trade.
Each case runs `equipoise` in a subprocess and checks the exit code, the error text and that no
traceback is printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK = "Traceback (most recent call last)"


def _cli(*args: str, shared: Path | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ, NO_COLOR="1", COLUMNS="200",
             PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    if shared is not None:
        e["EQUIPOISE_SHARED_DATA"] = str(shared)
    p = subprocess.run([sys.executable, "-m", "equipoise._cli.main", *args],
                       capture_output=True, text=True, env=e, cwd=ROOT, timeout=300)
    assert TRACEBACK not in p.stderr and TRACEBACK not in p.stdout, p.stderr
    return p


def _garbage(tmp: Path) -> Path:
    f = tmp / "notduck.duckdb"
    f.write_bytes(b"year,exporter\n2022,CHN\n")
    return f


@pytest.mark.parametrize(("make", "expected"), [
    (lambda t: t / "nope.duckdb", "nope.duckdb does not exist; load data first"),
    (lambda t: t, "is a folder, not a DuckDB file"),
    (_garbage, "notduck.duckdb"),
])
def test_plan_db_bad_warehouse(tmp_path, make, expected):
    p = _cli("plan", "--scenarios", "50", "--db", str(make(tmp_path)))
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert expected in " ".join(p.stderr.split()), p.stderr


def test_plan_db_without_product_trade_says_so(tmp_path):
    """A warehouse holding flows but no trade_products, and no shared data: the plan still
    runs (exit 0); a warning names the warehouse and why its trade was not used."""
    import duckdb

    db = tmp_path / "flows.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE flows (year INTEGER)")
    con.close()
    p = _cli("plan", "--scenarios", "50", "--domains", "trade", "--db", str(db),
             shared=tmp_path / "missing")
    assert p.returncode == 0, p.stderr
    assert "warehouse flows.duckdb holds no product-level trade" in " ".join(p.stderr.split())
