"""The import contracts of docs/architecture.md hold, and they catch a back edge.

`make test` runs ``lint-imports`` on the checkout; these tests run the same contracts
(``.importlinter``) through import-linter on this checkout's ``src``, and on a copy of it with a
deliberately added back edge, to show that the check can fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"

LAYERS = "The parts import one way: each part only the parts below it"
BASE = "The shared base modules import none of the parts"

_RUN = (
    "import sys\n"
    "from importlinter.cli import lint_imports\n"
    "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))\n"
)


def lint(src: Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run import-linter with the project's contracts on the package under ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-c", _RUN, str(CONFIG)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def copy_src(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "equipoise", src / "equipoise",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return src


def test_contracts_kept_on_this_checkout(tmp_path):
    r = lint(ROOT / "src", tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert f"{LAYERS} KEPT" in out
    assert f"{BASE} KEPT" in out
    assert "Contracts: 2 kept, 0 broken." in out


@pytest.mark.parametrize(
    ("module", "line", "contract", "edge"),
    [
        # a measure reaching up into presentation
        ("measures/concentration.py", "from ..present import charts as _charts  # back edge",
         LAYERS, "equipoise.measures.concentration -> equipoise.present.charts"),
        # the warehouse reaching up into the measures (the cycle issue 11 point 5 removed)
        ("warehouse.py", "from .measures import ibis_measures as _im  # back edge",
         LAYERS, "equipoise.warehouse -> equipoise.measures.ibis_measures"),
        # the scorecard reaching up into the doctrine (the other removed cycle)
        ("scorecard.py", "from .doctrine import model as _model  # back edge",
         LAYERS, "equipoise.scorecard -> equipoise.doctrine.model"),
        # a shared base module importing a part
        ("errors.py", "from . import context as _context  # back edge",
         BASE, "equipoise.errors -> equipoise.context"),
    ],
)
def test_a_back_edge_breaks_a_contract(tmp_path, module, line, contract, edge):
    src = copy_src(tmp_path)
    path = src / "equipoise" / module
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    r = lint(src, tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert f"{contract} BROKEN" in out
    assert edge in out


def test_a_new_top_level_module_must_be_placed(tmp_path):
    src = copy_src(tmp_path)
    (src / "equipoise" / "newpart.py").write_text('"""A part nobody placed."""\n',
                                                   encoding="utf-8")
    r = lint(src, tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert f"{LAYERS} BROKEN" in out
    assert "equipoise.newpart" in out
