"""Adversarial regression cases for equal distance from the ideal points (issue 12 point 2):
a panel with ideal points but no roll calls at all, and ideal points for a single pole.

Each case makes its input in tmp_path, runs the CLI in a subprocess and checks the exit code,
the text and that no Python traceback reaches the user.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from panel.layouts import _write, write_all

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK = "Traceback (most recent call last)"
HDR = ["ccode", "session", "NVotesAll", "IdealPointAll", "Q5%All", "Q95%All", "iso3c",
       "Countryname"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    e = dict(os.environ, NO_COLOR="1", COLUMNS="200", PYTHONWARNINGS="ignore",
             PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-m", "equipoise._cli.main", *args],
                       capture_output=True, text=True, env=e, cwd=ROOT, timeout=300)
    assert TRACEBACK not in p.stderr and TRACEBACK not in p.stdout, p.stderr
    return p


def _build(tmp_path, rows, *only) -> Path:
    data = write_all(tmp_path / "data")
    _write(data / "unga-ideal-points" / "IdealpointestimatesAll_Jun2024.csv", HDR, rows)
    db = tmp_path / "w.duckdb"
    sel = [a for o in only for a in ("--only", o)]
    b = _cli("panel", "build", "--data-dir", str(data), "--db", str(db), "--json",
             "--no-embedded", *sel)
    assert b.returncode == 0, b.stderr
    return db


def test_ideal_points_without_any_roll_calls(tmp_path):
    """Only the ideal points (and SIPRI) in the panel: no year has kappa, so there is no year
    with both measures to scale the spread: equal distance stays missing, with the reason,
    and the state-year is partial, not a crash and not a made-up value."""
    rows = [(c, 65, 50, v, "", "", "", "") for c, v in ((705, -0.5), (2, 2.5), (710, -1.0),
                                                        (365, -0.2))]
    db = _build(tmp_path, rows, "political_ideal", "security")
    p = _cli("index", "--focal", "KAZ", "--peers", "", "--from", "2010", "--to", "2010",
             "--reps", "20", "--db", str(db), "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)["records"][0]
    assert r["components"]["equal_distance"] is None and r["equal_distance_measure"] is None
    assert r["status"] == "partial" and r["rank"] is None
    assert "fewer than two poles with kappa (or, in a year with too few roll calls" in r["note"]


def test_ideal_point_of_one_pole_only(tmp_path):
    """2011 has an ideal point for KAZ and one pole only (USA): one distance is no spread, so
    no stand-in; 2010 (roll calls) keeps kappa."""
    rows = [(705, 65, 50, -0.5, "", "", "", ""), (2, 65, 50, 2.5, "", "", "", ""),
            (710, 65, 50, -1.0, "", "", "", ""), (705, 66, 50, -0.4, "", "", "", ""),
            (2, 66, 50, 2.6, "", "", "", "")]
    db = _build(tmp_path, rows)
    p = _cli("index", "--focal", "KAZ", "--peers", "", "--from", "2010", "--to", "2011",
             "--reps", "0", "--db", str(db), "--json")
    assert p.returncode == 0, p.stderr
    recs = {r["year"]: r for r in json.loads(p.stdout)["records"]}
    assert recs[2010]["equal_distance_measure"] == "kappa"
    assert recs[2011]["equal_distance_measure"] is None
    assert recs[2011]["components"]["equal_distance"] is None
