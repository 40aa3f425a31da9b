"""The installable package: the sdist and the wheel carry the licence and every shipped table
with its citation, and the wheel installed into a fresh virtual environment outside the
repository runs ``equipoise run`` with the same results as the repository's code.

The build runs without build isolation (setuptools and wheel come from the ``test`` extra), so
it needs no network; the fresh environment installs the wheel's dependencies from the package
index (PyPI or the configured mirror).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from ._helpers import ROOT, src_env

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "version"]
OUTPUTS = ["assessment.json", "assessment.txt", "shocks.json", "simulation.json", "report.html"]

# Shipped tables whose citation is not a column of their own, and where it is instead.
CITED_ELSEWHERE = {
    # ISO/M49/COW/IMF codes from the countrycode code list: cited in the package docstring
    "equipoise/reference/countries.csv": ("equipoise/reference/__init__.py", "Arel-Bundock"),
}
# Tables of equipoise's own definitions (no external figures): each row is described instead.
OWN_DEFINITIONS = {
    "equipoise/reference/indicators.csv": "description",
    "equipoise/extract/domain_keywords.csv": "note",
    "equipoise/extract/kind_triggers.csv": "note",
}
CITATION_COLUMNS = {"source", "citation", "substitutability_basis", "basis"}


def _copy_tree(dst: Path) -> Path:
    """The repository without its build outputs, environments and git data."""
    ignore = shutil.ignore_patterns(".git", ".venv", "site", "build", "dist", "*.egg-info",
                                    "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis",
                                    "equipoise-output", "results", "data", "*.duckdb*")
    shutil.copytree(ROOT, dst, ignore=ignore)
    return dst


def _package_data() -> list[str]:
    """Every non-Python file under src/equipoise, as a path inside the wheel."""
    base = ROOT / "src"
    return sorted(p.relative_to(base).as_posix() for p in (base / "equipoise").rglob("*")
                  if p.is_file() and p.suffix not in {".py", ".pyc"}
                  and "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    pytest.importorskip("build", reason="the test extra is not installed (it brings 'build')")
    tmp = tmp_path_factory.mktemp("dist")
    tree = _copy_tree(tmp / "tree")
    out = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel",
                          "--outdir", str(tmp / "dist"), str(tree)], capture_output=True,
                         text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    wheel = next((tmp / "dist").glob(f"equipoise-{VERSION}-*.whl"))
    sdist = next((tmp / "dist").glob(f"equipoise-{VERSION}.tar.gz"))
    return {"wheel": wheel, "sdist": sdist}


@pytest.mark.slow
def test_wheel_carries_licence_and_every_shipped_file(dists):
    names = set(zipfile.ZipFile(dists["wheel"]).namelist())
    assert f"equipoise-{VERSION}.dist-info/licenses/LICENSE" in names
    missing = [f for f in _package_data() if f not in names]
    assert missing == []
    meta = zipfile.ZipFile(dists["wheel"]).read(f"equipoise-{VERSION}.dist-info/METADATA")
    assert b"License-Expression: MIT" in meta
    assert b"equipoise = equipoise._cli.main:run" in zipfile.ZipFile(dists["wheel"]).read(
        f"equipoise-{VERSION}.dist-info/entry_points.txt")


@pytest.mark.slow
def test_sdist_carries_licence_and_every_shipped_file(dists):
    with tarfile.open(dists["sdist"]) as tf:
        prefix = f"equipoise-{VERSION}/"
        names = {n.removeprefix(prefix) for n in tf.getnames()}
    for f in ("LICENSE", "README.md", "pyproject.toml"):
        assert f in names, f
    missing = [f for f in _package_data() if f"src/{f}" not in names]
    assert missing == []


@pytest.mark.slow
def test_every_shipped_table_in_the_wheel_carries_its_citation(dists):
    z = zipfile.ZipFile(dists["wheel"])
    tables = sorted(n for n in z.namelist() if n.endswith(".csv"))
    assert tables == [f for f in _package_data() if f.endswith(".csv")] and len(tables) >= 15
    problems = []
    for name in tables:
        rows = list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8"))))
        cols = set(rows[0]) if rows else set()
        if name in CITED_ELSEWHERE:
            where, needle = CITED_ELSEWHERE[name]
            if needle not in z.read(where).decode("utf-8"):
                problems.append(f"{name}: {where} does not cite {needle}")
        elif name in OWN_DEFINITIONS:
            col = OWN_DEFINITIONS[name]
            if col not in cols or any(not (r[col] or "").strip() for r in rows):
                problems.append(f"{name}: a row without its {col!r}")
        elif name.endswith("datasets/kazakhstan/sources.csv"):
            if any(not (r["producer"] and (r["url"] or r["title"])) for r in rows):
                problems.append(f"{name}: a source without producer and url/title")
        else:
            cited = cols & CITATION_COLUMNS
            if not cited:
                problems.append(f"{name}: no citation column (saw {sorted(cols)})")
            else:
                # a corridor node without a capacity figure carries no number to cite
                figures = [r for r in rows if (r.get("capacity", "x") or "").strip()]
                if any(not any((r[c] or "").strip() for c in cited) for r in figures):
                    problems.append(f"{name}: a row with a figure and an empty {sorted(cited)}")
    # the embedded dataset's source ids all resolve in its register, in the wheel itself
    reg = {r["id"] for r in csv.DictReader(io.StringIO(
        z.read("equipoise/datasets/kazakhstan/sources.csv").decode("utf-8")))}
    for table in ("flows.csv", "derived.csv", "events.csv"):
        rows = csv.DictReader(io.StringIO(
            z.read(f"equipoise/datasets/kazakhstan/{table}").decode("utf-8")))
        unknown = {r["source"] for r in rows} - reg
        if unknown:
            problems.append(f"{table}: source ids not in sources.csv: {sorted(unknown)[:5]}")
    assert problems == []


def _isolated_env(tmp: Path, **extra: str) -> dict[str, str]:
    """No shared data, no user warehouse, no colour: both runs see the same inputs."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(EQUIPOISE_SHARED_DATA=str(tmp / "no-shared-data"),
               EQUIPOISE_DB=str(tmp / "no-warehouse.duckdb"), XDG_DATA_HOME=str(tmp / "xdg"),
               NO_COLOR="1", COLUMNS="120")
    env.update(extra)
    return env


def _normalise(obj, roots: list[str]):
    if isinstance(obj, dict):
        return {k: _normalise(v, roots) for k, v in obj.items() if k != "elapsed_seconds"}
    if isinstance(obj, list):
        return [_normalise(v, roots) for v in obj]
    if isinstance(obj, str):
        for r in roots:
            obj = obj.replace(r, "<package>")
    return obj


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_like_the_repository(dists, tmp_path):
    venv = tmp_path / "venv"  # outside the repository, no system site-packages
    assert not venv.resolve().is_relative_to(ROOT)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py, exe = venv / "bin" / "python", venv / "bin" / "equipoise"
    env = _isolated_env(tmp_path)
    out = subprocess.run([str(py), "-m", "pip", "install", "-q", f"{dists['wheel']}[report]"],
                         capture_output=True, text=True, timeout=1200, env=env, cwd=tmp_path,
                         check=False)
    assert out.returncode == 0, "pip install of the wheel failed:\n" + out.stderr[-3000:]

    where = subprocess.run([str(py), "-c", "import equipoise, os; "
                            "print(os.path.dirname(equipoise.__file__))"], capture_output=True,
                           text=True, env=env, cwd=tmp_path, check=True).stdout.strip()
    assert Path(where).is_relative_to(venv), where  # the installed copy, not the checkout
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, env=env,
                             cwd=tmp_path, check=True).stdout.strip()
    assert version == f"equipoise {VERSION}"

    # the installed wheel and the repository's code, side by side (one core each)
    wheel_out, repo_out = tmp_path / "out-wheel", tmp_path / "out-repo"
    runs = [subprocess.Popen([str(exe), "run", "--out", str(wheel_out)], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
            subprocess.Popen([sys.executable, "-c", "from equipoise._cli.main import run; run()",
                              "run", "--out", str(repo_out)],
                             env=src_env(**_isolated_env(tmp_path)), cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    for label, proc in zip(("wheel", "repository"), runs, strict=True):
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, f"equipoise run ({label}) failed:\n{err[-3000:]}"

    assert sorted(p.name for p in wheel_out.iterdir()) == sorted(OUTPUTS)
    assert sorted(p.name for p in repo_out.iterdir()) == sorted(OUTPUTS)
    roots = [where, str(ROOT / "src" / "equipoise")]
    for name in ("assessment.json", "shocks.json", "simulation.json"):
        a = _normalise(json.loads((wheel_out / name).read_text(encoding="utf-8")), roots)
        b = _normalise(json.loads((repo_out / name).read_text(encoding="utf-8")), roots)
        assert a == b, name
    assert (wheel_out / "assessment.txt").read_text() == (repo_out / "assessment.txt").read_text()
    html = (wheel_out / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 5 and "Appendix: sources" in html
