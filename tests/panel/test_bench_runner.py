"""``python -m benchmarks``: arguments reach the benchmark; ``--help`` runs nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_help_of_a_benchmark_is_passed_through_and_runs_nothing():
    p = _run("panel", "--help")
    assert p.returncode == 0, p.stderr
    assert "usage: bench_panel.py" in p.stdout and "--reps" in p.stdout
    assert "panel build (fresh process" not in p.stdout  # nothing was measured


def test_runner_help_and_unknown_names():
    p = _run("--help")
    assert p.returncode == 0 and "benchmarks: " in p.stdout and "panel" in p.stdout
    p = _run("nosuch")
    assert p.returncode != 0 and "no benchmark named ['nosuch']" in p.stderr


def test_split_passes_options_and_what_follows_the_separator():
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.__main__ import split
    finally:
        sys.path.remove(str(ROOT))
    assert split(["panel", "--repeat", "1", "--reps", "200"]) == (
        ["panel"], ["--repeat", "1", "--reps", "200"])
    assert split(["cli", "panel", "--", "--x"]) == (["cli", "panel"], ["--x"])
    assert split(["--parts", "index"]) == ([], ["--parts", "index"])
