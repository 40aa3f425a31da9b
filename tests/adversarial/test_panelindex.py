"""Adversarial regression cases for the balance index's leftovers (issue 12 points 1-2, 6):
the index and the embedded rows on odd panels, and the benchmark runner's arguments.

Each case makes its input in tmp_path, runs a subprocess and checks the exit code, the error
text and that no Python traceback reaches the user.
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


def _run(*args: str) -> subprocess.CompletedProcess:
    e = dict(os.environ, NO_COLOR="1", COLUMNS="200", PYTHONWARNINGS="ignore",
             PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=e,
                       cwd=ROOT, timeout=300)
    assert TRACEBACK not in p.stderr and TRACEBACK not in p.stdout, p.stderr
    return p


def _cli(*args: str) -> subprocess.CompletedProcess:
    return _run("-m", "equipoise._cli.main", *args)


def test_sensitivity_on_a_warehouse_without_a_panel(tmp_path):
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    p = _cli("index", "--all", "--sensitivity", "--reps", "0", "--db", str(db))
    assert p.returncode != 0 and "holds no panel; build it first" in p.stderr


def test_embedded_only_panel_gives_insufficient_not_a_crash(tmp_path):
    """A panel whose only rows are the embedded ones (a build of the years 2025-2025, where
    the synthetic data have nothing): the index leaves embedded.* out, so there are no rows
    for the years."""
    data = write_all(tmp_path / "data")
    db = tmp_path / "w.duckdb"
    b = _cli("panel", "build", "--data-dir", str(data), "--db", str(db), "--from", "2025",
             "--to", "2025", "--json")
    assert b.returncode == 0, b.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        inds = {r[0] for r in con.execute("SELECT DISTINCT indicator FROM panel").fetchall()}
    finally:
        con.close()
    assert inds and all(i.startswith("embedded.") for i in inds)
    p = _cli("index", "--focal", "KAZ", "--peers", "", "--reps", "10", "--db", str(db))
    assert p.returncode == 2 and "panel: no rows in the years" in p.stderr


@pytest.mark.parametrize(("args", "text"), [
    (["panel", "--reps", "many"], "argument --reps: invalid int value: 'many'"),
    (["nosuch"], "no benchmark named ['nosuch']"),
])
def test_benchmark_runner_bad_arguments(args, text):
    p = _run("-m", "benchmarks", *args)
    assert p.returncode != 0 and text in p.stderr
