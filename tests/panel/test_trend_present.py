"""The report's "Trend and peers" section (with and without a panel)."""

from __future__ import annotations

import pytest

from equipoise._cli.main import run
from equipoise.present.panel_section import BUILD_HINT, has_panel, trend_section

from .layouts import build_panel

pytest.importorskip("altair")
pytest.importorskip("vl_convert")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    db = build_panel(tmp_path_factory.mktemp("trend_present"))
    return db


def test_section_without_panel_says_how_to_build_one(tmp_path):
    sec = trend_section("KAZ", None)
    assert sec["available"] is False and sec["reason"] == BUILD_HINT
    assert "equipoise panel build --db FILE" in BUILD_HINT
    assert not has_panel(tmp_path / "none.duckdb")


def test_section_with_panel(built):
    assert has_panel(built)
    sec = trend_section("KAZ", built, reps=20)
    assert sec["available"] and sec["id"] == "trend"
    assert len(sec["charts"]) == 2 and all(c.lstrip().startswith("<svg") for c in sec["charts"])
    shifts, peers = sec["tables"]
    assert shifts["columns"] == ["domain", "pole", "year", "before", "after", "p"]
    assert peers["columns"][:5] == ["year", "state", "index", "90 % interval", "peer rank"]
    states = {r["cells"][1] for r in peers["rows"]}
    assert "KAZ" in states and "UZB" in states
    focal_rows = [r for r in peers["rows"] if r["cells"][1] == "KAZ"]
    assert focal_rows and all(r["cls"] == "focal" for r in focal_rows)


@pytest.mark.slow
def test_report_command_with_panel(built, tmp_path):
    out = tmp_path / "r.html"
    try:
        run(["report", "--panel", str(built), "--out", str(out), "--reps", "10"])
    except SystemExit as exc:
        assert not exc.code
    text = out.read_text()
    i = text.index('<section id="trend">')
    section = text[i:text.index("</section>", i)]
    assert "Trend and peers" in section and section.count("<svg") == 2
    assert "Peer table" in section
