"""The documentation site builds with ``mkdocs build --strict`` (what ``make docs`` runs), and the
strict settings do fail on a broken link, a missing anchor and a missing API reference."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ._helpers import ROOT, src_env

pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")

PAGES = ["index.html", "getting-started/index.html", "tutorials/own-state/index.html",
         "tutorials/baci-screen/index.html", "tutorials/evaluate-initiative/index.html",
         "tutorials/python-api/index.html", "concepts/doctrine/index.html",
         "methods/index.html", "cli/index.html", "api/index.html", "sources/index.html",
         "architecture/index.html", "performance/index.html", "changelog/index.html"]


def _build(config: Path, site: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                           str(config), "-d", str(site)], cwd=cwd, capture_output=True,
                          text=True, env=src_env(NO_MKDOCS_2_WARNING="1"), timeout=600,
                          check=False)


def _text(path: Path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


@pytest.mark.slow
def test_site_builds_strict_with_every_page(tmp_path):
    site = tmp_path / "site"
    out = _build(ROOT / "mkdocs.yml", site)
    assert out.returncode == 0, out.stdout + out.stderr
    for page in PAGES:
        assert (site / page).is_file(), page
    # the CLI reference was generated from the app: every command is there
    cli = _text(site / "cli" / "index.html")
    for cmd in ("equipoise assess", "equipoise run", "equipoise warehouse list",
                "equipoise simulate", "--runs"):
        assert cmd in cli, cmd
    # the API reference rendered the docstrings (a numpydoc parameter table of assess)
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert 'id="equipoise.assessment.assess"' in api
    assert "ISO3 code; the doctrine" in _text(site / "api" / "index.html")
    # the notebook ran: its printed outputs are on the page
    nb = _text(site / "tutorials" / "python-api" / "index.html")
    assert "equipoise assessment: KAZ" in nb
    assert "status optimal" in nb
    # the shipped doctrine is included verbatim, the changelog from CHANGELOG.md
    assert "critical_share = 0.5" in _text(site / "concepts" / "doctrine" / "index.html")
    assert "Unreleased" in _text(site / "changelog" / "index.html")


def _strict_probe(tmp_path: Path, page: str, *, mkdocstrings: bool = False):
    """Build a one-page site with the project's own strict settings (no hooks)."""
    import yaml  # comes with mkdocs

    cfg = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\n## Present\n", encoding="utf-8")
    (docs / "page.md").write_text(page, encoding="utf-8")
    cfg.pop("hooks")
    cfg.pop("exclude_docs", None)
    cfg.pop("not_in_nav", None)
    cfg["docs_dir"] = str(docs)
    cfg["nav"] = [{"Home": "index.md"}, {"Page": "page.md"}]
    cfg["markdown_extensions"] = [e for e in cfg["markdown_extensions"]
                                  if not (isinstance(e, dict) and "pymdownx.snippets" in e)]
    if not mkdocstrings:
        cfg["plugins"] = ["search"]
    else:
        cfg["plugins"][1]["mkdocstrings"]["handlers"]["python"]["paths"] = [str(ROOT / "src")]
    config = tmp_path / "mkdocs.yml"
    config.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return _build(config, tmp_path / "site", cwd=tmp_path)


def test_strict_settings_pass_a_good_page(tmp_path):
    out = _strict_probe(tmp_path, "# Page\n\n[home](index.md#present)\n")
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("page, expected", [
    ("# Page\n\n[gone](missing.md)\n", "missing.md"),
    ("# Page\n\n[anchor](index.md#absent)\n", "absent"),
])
def test_strict_settings_fail_on_a_broken_link(tmp_path, page, expected):
    out = _strict_probe(tmp_path, page)
    assert out.returncode != 0
    assert expected in out.stdout + out.stderr


@pytest.mark.slow
def test_strict_settings_fail_on_a_missing_api_reference(tmp_path):
    out = _strict_probe(tmp_path, "# Page\n\n::: equipoise.assessment.no_such_function\n",
                        mkdocstrings=True)
    assert out.returncode != 0
    assert "no_such_function" in out.stdout + out.stderr
