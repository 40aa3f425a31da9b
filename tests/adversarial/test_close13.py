"""Adversarial inputs to the commands that now read the warehouse's product screen and the
world panel (close13): a missing warehouse given to `check --db`, `run --db` and `serve --db`
is a located error with exit 2; `serve --panel` on a warehouse without a panel says so; a
flows-only warehouse gives no product screen (the labelled fallback), not an error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK = "Traceback (most recent call last)"


def _cli(*args: str) -> subprocess.CompletedProcess:
    e = dict(os.environ, NO_COLOR="1", COLUMNS="200", PYTHONWARNINGS="ignore",
             PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-m", "equipoise._cli.main", *args],
                       capture_output=True, text=True, env=e, cwd=ROOT, timeout=300)
    assert TRACEBACK not in p.stderr and TRACEBACK not in p.stdout, p.stderr
    return p


def test_check_run_serve_with_a_missing_warehouse(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    for args in (("check", "--db", str(missing)),
                 ("run", "--db", str(missing), "--out", str(tmp_path / "o")),
                 ("serve", "--db", str(missing), "--port", "1")):
        p = _cli(*args)
        assert p.returncode == 2, (args, p.stderr)
        assert "nowhere.duckdb" in p.stderr and "does not exist" in p.stderr, args


def test_serve_panel_without_a_panel(tmp_path):
    db = tmp_path / "flows.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE flows (year INTEGER)")
    con.close()
    p = _cli("serve", "--panel", str(db), "--port", "1")
    assert p.returncode == 2, p.stderr
    assert "flows.duckdb" in p.stderr and "panel" in p.stderr


def test_check_db_on_a_flows_only_warehouse_keeps_the_fallback(tmp_path):
    """A warehouse with flows and no trade_products: the flows are read, the trade
    substitutability stays on the viable alternatives, labelled (no screen, no error)."""
    from equipoise import warehouse

    db = tmp_path / "w.duckdb"
    con = warehouse._raw_connect(db)  # the warehouse's schema, then no product table
    try:
        warehouse._ensure_schema(con)
        for partner, value in (("CHN", 6.0), ("RUS", 3.0), ("WLD", 10.0)):
            con.execute("INSERT INTO flows (year, reporter, partner, domain, indicator, "
                        "product, value, unit, source) VALUES (2021, 'MNG', ?, 'trade', "
                        "'trade.goods.turnover', NULL, ?, 'USD bn', 'test:hand')",
                        [partner, value])
        con.execute("DROP TABLE IF EXISTS trade_products CASCADE")
    finally:
        con.close()
    p = _cli("check", "--db", str(db), "--focal", "MNG", "--json")
    assert p.returncode == 0, p.stderr
    rule = next(r for r in json.loads(p.stdout)["rules"]
                if r["name"] == "no_critical_dependency:trade")
    assert rule["status"] == "pass"
    assert "fallback" in rule["evidence"]["substitutability_evidence"]["note"]
