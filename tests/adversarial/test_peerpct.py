"""Adversarial regression cases for thresholds among peers (issue 12 point 3, issue 13 point
3), through the CLI: a malformed percentile threshold, an unknown peer group, a percentile on a
key that takes none, a --panel that holds no panel, a missing warehouse. Each case builds its
input in tmp_path and checks the exit code, the error text and that no Python traceback
reaches the user."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK = "Traceback (most recent call last)"


def _cli(*args: str) -> subprocess.CompletedProcess:
    e = dict(os.environ, NO_COLOR="1", COLUMNS="200", PYTHONWARNINGS="ignore",
             PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-m", "equipoise._cli.main", *args],
                       capture_output=True, text=True, env=e, cwd=ROOT, timeout=300)
    assert TRACEBACK not in p.stderr and TRACEBACK not in p.stdout, p.stderr
    return p


def _doctrine(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The shipped doctrine with the line ``old`` replaced by ``new``; its 1-based line."""
    text = resources.files("equipoise.doctrine").joinpath("kazakhstan.toml").read_text("utf-8")
    lines = text.splitlines()
    i = lines.index(old)
    lines[i] = new
    p = tmp_path / "d.toml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p, i + 1


@pytest.mark.parametrize("new, seen", [
    ('hhi = "p50 of every state"', "unknown peer set 'every state'"),
    ('hhi = "p150 of peers"', "percentile p150 is outside 0..100"),
    ('hhi = "median of peers"', "saw 'median of peers'"),
    ('hhi = "50%"', "saw '50%'"),
])
def test_malformed_percentile_threshold_is_located(tmp_path, new, seen):
    doc, line = _doctrine(tmp_path, "hhi = 0.4", new)
    p = _cli("check", "--doctrine", str(doc))
    assert p.returncode == 2
    assert f"{doc} line {line}, thresholds.hhi:" in p.stderr
    assert seen in p.stderr
    assert 'expecting a valid number in 0..1 or a percentile among peers: "pNN of all states"' \
        in p.stderr


def test_percentile_on_a_key_without_peers_is_refused(tmp_path):
    doc, line = _doctrine(tmp_path, "critical_share = 0.5", 'critical_share = "p50 of peers"')
    p = _cli("check", "--doctrine", str(doc))
    assert p.returncode == 2
    assert f"line {line}, thresholds.critical_share:" in p.stderr
    assert "saw 'p50 of peers'" in p.stderr


def test_unknown_peer_group_in_doctrine(tmp_path):
    doc, line = _doctrine(tmp_path, 'focal = "KAZ"', 'focal = "KAZ"\npeer_group = "NOPE"')
    p = _cli("check", "--doctrine", str(doc))
    assert p.returncode == 2
    assert f"{doc} line {line + 1}, peer_group: peer group 'NOPE' unknown; expected one of " \
        "EURASIA_HEDGERS" in p.stderr


def test_panel_option_on_a_warehouse_without_panel(tmp_path):
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    p = _cli("check", "--panel", str(db))
    assert p.returncode == 2
    assert f"warehouse {db} holds no panel; build it first with `equipoise panel build" \
        in p.stderr


def test_db_that_does_not_exist(tmp_path):
    db = tmp_path / "nope.duckdb"
    p = _cli("check", "--db", str(db))
    assert p.returncode == 2
    assert f"warehouse {db} does not exist" in p.stderr
