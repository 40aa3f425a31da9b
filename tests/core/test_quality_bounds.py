"""The weak-evidence markers of `explain`, the report and the dashboard read the doctrine's
thresholds (one function, measures.quality.bounds), not the default bounds: a doctrine with
min_coverage 0.9 marks a domain whose partner rows cover 80 % of the WLD total, which the
default (0.5) does not."""

from __future__ import annotations

import warnings

import pytest

from equipoise.doctrine.model import load_doctrine
from equipoise.explain import explain_domain
from equipoise.io.flows import read_flows
from equipoise.measures.quality import DEFAULT_MAX_AGE, bounds, indicator_markers

HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source\n"
# trade: CHN 50 + RUS 30 of a WLD total of 100 -> coverage 0.8 (>= 0.5, < 0.9)
ROWS = [(2023, "MNG", "CHN", "trade", "trade.goods.turnover", "", 50, "USD bn", "t:x"),
        (2023, "MNG", "RUS", "trade", "trade.goods.turnover", "", 30, "USD bn", "t:x"),
        (2023, "MNG", "WLD", "trade", "trade.goods.turnover", "", 100, "USD bn", "t:x"),
        (2023, "MNG", "RUS", "security", "security.arms.import", "", 30, "TIV mn", "s:x"),
        (2023, "MNG", "USA", "security", "security.arms.import", "", 10, "TIV mn", "s:x")]
DOCTRINE = """
name = "bounds test doctrine (made up)"
focal = "MNG"
poles = ["CHN", "RUS", "USA"]

[roles]
CHN = ["trade"]

[domains]
critical = ["trade", "security"]
functional = ["trade", "security"]

[domains.substitutability]
trade = 0.6
security = 0.2
"""


@pytest.fixture
def files(tmp_path):
    data = tmp_path / "flows.csv"
    data.write_text(HEADER + "\n".join(",".join(map(str, r)) for r in ROWS) + "\n",
                    encoding="utf-8")
    strict = tmp_path / "strict.toml"
    strict.write_text(DOCTRINE + "\n[thresholds]\nmin_coverage = 0.9\n", encoding="utf-8")
    plain = tmp_path / "plain.toml"
    plain.write_text(DOCTRINE, encoding="utf-8")
    return data, strict, plain


def test_bounds_read_every_form_of_the_doctrine(files):
    _, strict, plain = files
    d = load_doctrine(strict)
    assert bounds(d) == (0.9, DEFAULT_MAX_AGE)
    assert bounds(load_doctrine(plain)) == (0.5, DEFAULT_MAX_AGE)
    assert bounds({"thresholds": {"min_coverage": 0.9, "max_age": 1}}) == (0.9, 1)
    assert bounds({"min_coverage": 0.0}) == (0.0, DEFAULT_MAX_AGE)  # 0 is 0, not the default
    assert bounds(None) == (0.5, DEFAULT_MAX_AGE)
    q = {"coverage": 0.8, "recency": 2, "single_partner": False}
    assert indicator_markers(q, d) == ["low coverage"]
    assert indicator_markers(q, None) == []
    assert indicator_markers(q, {"max_age": 1, "min_coverage": 0.5}) == ["stale"]


def test_explain_marks_by_the_doctrine(files):
    data, strict, plain = files
    flows = read_flows(data)
    ex = explain_domain(flows, focal="MNG", domain="trade", doctrine=load_doctrine(strict))
    d = ex.to_dict()
    assert d["coverage"] == pytest.approx(0.8)
    assert d["bounds"] == {"min_coverage": 0.9, "max_age": DEFAULT_MAX_AGE}
    assert d["weak"] == ["low coverage 80.0%"]
    assert d["quality"]["trade.goods.turnover"]["weak"] == ["low coverage"]
    text = "\n".join(str(x) for x in ex.renderables() if isinstance(x, str))
    assert "◦ low coverage 80.0%" in text and "min_coverage 0.9" in text
    same = explain_domain(flows, focal="MNG", domain="trade", doctrine=load_doctrine(plain))
    assert same.to_dict()["weak"] == [] and same.indicator_markers() == {
        "trade.goods.turnover": []}


def test_report_marks_by_the_doctrine():
    from equipoise.present.report import coverage_cell, quality_table

    dom = {"coverage": 0.8, "single_partner_only": False, "recency": 0,
           "quality": {"trade.goods.turnover": {"year": 2023, "basis": "WLD", "coverage": 0.8,
                                                "n_partners": 2, "recency": 0,
                                                "single_partner": False, "grade": "B"}}}
    strict = {"doctrine": {"thresholds": {"min_coverage": 0.9}}, "domains": {"trade": dom}}
    plain = {"doctrine": {"thresholds": {}}, "domains": {"trade": dom}}
    assert "◦ low coverage" in coverage_cell(dom, strict)
    assert "◦" not in coverage_cell(dom, plain)
    assert "◦ low coverage" in "".join(quality_table(strict)["rows"][0]["cells"])
    assert "◦" not in "".join(quality_table(plain)["rows"][0]["cells"])


def _client(flows, doctrine):
    from fastapi.testclient import TestClient

    from equipoise.present.views import Context
    from equipoise.present.web import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        app = create_app(context=Context(flows, focal="MNG", doctrine=doctrine),
                         alignment_reps=10, mc_runs=500)
    return TestClient(app, raise_server_exceptions=False)


def _card(html: str) -> str:
    start = html.index('id="coverage"')
    return html[start:html.index("</div></div>", start)]


def test_dashboard_marks_by_the_doctrine(files):
    data, strict, plain = files
    flows = read_flows(data)
    with _client(flows, load_doctrine(strict)) as c:
        page = c.get("/domain/trade")
    assert page.status_code == 200, page.text[:500]
    assert "◦ low coverage" in _card(page.text)
    assert "min_coverage 0.9" in page.text
    quality = page.text[page.text.index('id="quality"'):]
    assert "◦ low coverage" in quality[:quality.index("</table>")]
    with _client(flows, load_doctrine(plain)) as c:
        page = c.get("/domain/trade")
    assert page.status_code == 200
    assert "◦" not in _card(page.text) and "min_coverage 0.5" in page.text
