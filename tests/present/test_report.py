"""The report: one self-contained HTML file (and a PDF), every section traceable to its sources,
sections without their capability or data saying why."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from equipoise._cli.main import app as cli
from equipoise.present import charts as C
from equipoise.present.report import build_report
from equipoise.present.views import Context, capabilities

CAPS = capabilities()


def _no_network(html: str) -> None:
    assert "<script" not in html, "the report runs no script"
    assert not re.search(r"""(src|href)=["']?(https?:)?//[^"'>]*\.(js|css|woff2?|ttf)""", html)
    assert "@import" not in html and "url(http" not in html


def test_mng_report_is_self_contained_and_lists_sources(tmp_path, mng_flows):
    out = tmp_path / "sub" / "mng.html"
    written = build_report(mng_flows, focal="MNG", out=out, alignment_reps=20)
    assert written == {"html": out}
    html = out.read_text(encoding="utf-8")
    _no_network(html)
    assert "Mongolia (MNG)" in html
    assert html.count("<svg") >= 4  # heatmap, shares, critical, rules
    for src in ("test:customs", "test:energy", "test:sipri", "test:fdi", "test:votes"):
        assert f'id="src-{src.replace(":", "_")}"' in html, src
    # security: RUS 2/3 of arms imports (10 of 15 TIV), hard to substitute -> critical;
    # energy: CHN 3 of 4 mt
    assert "Critical dependencies: energy (CHN 75.0%); security (RUS 66.7%)" in html
    # MNG has no shipped corridor graph: the section says so instead of showing numbers
    corr = html.split('id="corridors"')[1].split("</section>")[0]
    assert "Not available" in corr and "no shipped corridor graph" in corr


def test_kaz_report_has_every_available_section(tmp_path, kaz_ctx):
    out = tmp_path / "kaz.html"
    build_report(kaz_ctx, out=out, alignment_reps=20)
    html = out.read_text(encoding="utf-8")
    _no_network(html)
    sections = dict(re.findall(r'<section id="([a-z]+)">(.*?)</section>', html, flags=re.S))
    for name, cap in (("corridors", "corridors"), ("shocks", "shocks"),
                      ("montecarlo", "montecarlo")):
        shown = "Not available" not in sections[name]
        assert shown == CAPS[cap]["available"], (name, sections[name][:300])
    for name in ("matrix", "shares", "critical", "rules"):
        assert "<svg" in sections[name], name
    a = kaz_ctx.assess_json()
    # each domain row links every source it used to the appendix
    for d, r in a["domains"].items():
        for s in r["sources"]:
            anchor = re.sub(r"[^A-Za-z0-9_-]", "_", s)
            assert f'href="#src-{anchor}"' in html and f'id="src-{anchor}"' in html, (d, s)
    # the rule table shows every rule with its margin
    for rule in a["rules"]:
        assert rule["name"] in sections["rules"]
    if CAPS["corridors"]["available"]:
        assert "Corridor graph citations" in html
        assert "min-cut capacity" in sections["corridors"]


def test_heatmap_marks_the_roles_of_the_doctrine(kaz_ctx):
    a = kaz_ctx.assess_json()
    spec = C.heatmap(a).to_dict()
    datasets = spec["datasets"].values()
    marked = {(r["partner"], r["domain"]) for rows in datasets for r in rows if r.get("role")}
    want = {(p, d) for p, ds in a["doctrine"]["roles"].items() for d in ds if d in a["domains"]}
    assert marked == want and want


def test_charts_are_static_svg(kaz_ctx):
    a = kaz_ctx.assess_json()
    svg = C.to_svg(C.rules_chart(a))
    assert svg.startswith("<svg") and "</svg>" in svg
    assert "<script" not in svg


@pytest.mark.skipif(not CAPS["pdf"]["available"], reason=CAPS["pdf"]["reason"])
def test_pdf_is_written(tmp_path, mng_flows):
    written = build_report(mng_flows, focal="MNG", out=tmp_path / "r.html", pdf=True,
                           alignment_reps=20)
    pdf = written["pdf"]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "functional balance report" in text and "Appendix: sources" in text


def test_report_cli(tmp_path, mng_csv):
    out = tmp_path / "cli.html"
    res = CliRunner().invoke(cli, ["report", "--focal", "MNG", "--data", str(mng_csv), "--out",
                                   str(out), "--reps", "20"])
    assert res.exit_code == 0, res.output
    assert out.is_file() and "html" in res.stdout


def test_report_cli_rejects_bad_reps(tmp_path, mng_csv):
    res = CliRunner().invoke(cli, ["report", "--focal", "MNG", "--data", str(mng_csv), "--out",
                                   str(tmp_path / "x.html"), "--reps", "0"])
    assert res.exit_code != 0
    assert "--reps" in str(res.exception) or "--reps" in res.output


def test_report_cli_missing_warehouse_is_a_clear_error(tmp_path):
    import os
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("equipoise")
    proc = subprocess.run([str(exe), "report", "--db", str(tmp_path / "none.duckdb"), "--out",
                           str(tmp_path / "x.html")], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "none.duckdb" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_focal_is_a_clear_error(mng_flows):
    from equipoise.errors import DoctrineError

    with pytest.raises(DoctrineError, match="XXK"):
        Context(mng_flows, focal="XXK")


def test_interval_text_without_roll_calls():
    # Without roll calls the alignment falls back to published agreement values: no interval,
    # and the report says so instead of failing the section.
    from equipoise.present.report import _interval

    assert _interval({"lower": 0.1, "upper": 0.3}) == " [0.10, 0.30]"
    assert "no interval" in _interval({"lower": None, "upper": None})
