"""Adversarial inputs to the data-based substitutability (issue 13 point 3): a missing warehouse
given to `explain --db` is a clear error; a warehouse whose product data hold nothing of the
focal state leaves trade on the labelled fallback; a doctrine that states a substitutability
out of range is refused before any shock, with its file, line and key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
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


def test_explain_db_missing_warehouse(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    p = _cli("explain", "--domain", "trade", "--db", str(missing))
    assert p.returncode != 0
    assert "nowhere.duckdb" in p.stderr and "does not exist" in p.stderr


def test_assess_db_without_product_rows_of_the_focal_state(tmp_path):
    # BACI rows of the shipped fixture have no MNG product: trade stays on the fallback
    db = tmp_path / "w.duckdb"
    warehouse.ingest("baci", write_baci(tmp_path / "b"), db=db)
    con = duckdb.connect(str(db))
    try:
        for partner, value in (("CHN", 6.0), ("RUS", 3.0), ("WLD", 10.0)):
            con.execute("INSERT INTO flows (year, reporter, partner, domain, indicator, "
                        "product, value, unit, source) VALUES (2021, 'MNG', ?, 'trade', "
                        "'trade.goods.turnover', NULL, ?, 'USD bn', 'test:hand')",
                        [partner, value])
    finally:
        con.close()
    p = _cli("assess", "--db", str(db), "--focal", "MNG", "--json")
    assert p.returncode == 0, p.stderr
    ev = json.loads(p.stdout)["domains"]["trade"]["substitutability_evidence"]
    assert ev["method"] == "viable alternative partners" and "fallback" in ev["note"]


def test_shock_refuses_a_stated_substitutability_out_of_range(tmp_path):
    doc = tmp_path / "d.toml"
    doc.write_text('name = "t"\nfocal = "KAZ"\npoles = ["CHN", "RUS"]\n\n[domains]\n'
                   'critical = ["trade"]\nfunctional = ["trade"]\n\n'
                   '[domains.substitutability]\ntrade = 1.5\n', encoding="utf-8")
    p = _cli("shock", "--partner", "RUS", "--doctrine", str(doc))
    assert p.returncode != 0
    assert "d.toml line 10, domains.substitutability.trade" in p.stderr
    assert "saw 1.5" in p.stderr
