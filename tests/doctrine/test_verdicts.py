"""Issue 13 points 1-2: coverage and quality on every number, and the third verdict
("insufficient", with its reason). Hand-made flow files in tmp_path; every expected number is
worked out by hand in a comment."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from equipoise import context
from equipoise.doctrine.check import check
from equipoise.doctrine.model import load_doctrine
from equipoise.io.flows import read_flows
from equipoise.measures.quality import domain_quality, source_grade

HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source\n"

DOCTRINE = """
name = "verdict test doctrine (made up)"
focal = "MNG"
poles = ["CHN", "RUS", "USA"]

[roles]
CHN = ["trade"]
USA = ["technology"]

[domains]
critical = ["trade", "technology", "security", "corridors"]
functional = ["trade", "technology", "security", "corridors"]

[domains.substitutability]
trade = 0.6
technology = 0.4
security = 0.2
corridors = 0.2
"""


def _write(tmp_path, rows, name="flows.csv"):
    p = tmp_path / name
    p.write_text(HEADER + "\n".join(",".join(map(str, r)) for r in rows) + "\n",
                 encoding="utf-8")
    return p


def _doctrine(tmp_path, extra: str = ""):
    p = tmp_path / "doctrine.toml"
    text = DOCTRINE + (f"\n[thresholds]\n{extra}\n" if extra else "")
    p.write_text(text, encoding="utf-8")
    return p


def _r(year, partner, domain, indicator, value, unit, product="", source="test:x"):
    return (year, "MNG", partner, domain, indicator, product, value, unit, source)


def _base_rows():
    """Technology with two partners and a full WLD total; security with two partners."""
    return [
        _r(2023, "USA", "technology", "technology.vehicles.import", 6, "units"),
        _r(2023, "CHN", "technology", "technology.vehicles.import", 4, "units"),
        _r(2023, "WLD", "technology", "technology.vehicles.import", 10, "units"),
        _r(2023, "RUS", "security", "security.arms.import", 30, "TIV mn"),
        _r(2023, "USA", "security", "security.arms.import", 10, "TIV mn"),
    ]


def _verdicts(tmp_path, rows, extra=""):
    flows = read_flows(_write(tmp_path, rows))
    # the doctrine layer's check takes the source register's grades from its caller
    res = check(flows, doctrine=load_doctrine(_doctrine(tmp_path, extra)),
                grades=context.source_grades())
    return res, {r.name: r for r in res.rules}


# -- point 1: the quality of each number ------------------------------------------------------

def test_source_grades_from_the_register():
    g = context.source_grades()  # the register is read in context; the measure takes it
    assert source_grade("BNS:trade-by-partner", g) == "A"  # note: "official statistic"
    assert source_grade("IMF:DIP-reported", g) == "A"
    assert source_grade("SIPRI:register-1995-2024", g) == "B"  # research dataset
    assert source_grade("KZF:P5", g) == "C"  # "aggregator, use with care"
    assert source_grade("KZF:C1", g) == "C"  # press report
    assert source_grade("test:nowhere", g) is None  # unknown to every register


def test_indicator_quality_by_hand(tmp_path):
    # trade: CHN 20 + RUS 10 of WLD 100 -> coverage 0.30, two partners, WLD basis;
    # security: RUS only, no total -> single partner by construction
    rows = [_r(2023, "CHN", "trade", "trade.goods.turnover", 20, "USD bn"),
            _r(2023, "RUS", "trade", "trade.goods.turnover", 10, "USD bn"),
            _r(2023, "WLD", "trade", "trade.goods.turnover", 100, "USD bn"),
            _r(2021, "RUS", "security", "security.arms.import", 30, "TIV mn",
               source="SIPRI:register-1995-2024")]
    res, _ = _verdicts(tmp_path, rows)
    a = res.assessment
    q = a.domains["trade"].quality["trade.goods.turnover"]
    assert (q["basis"], q["n_partners"], q["recency"], q["single_partner"]) == ("WLD", 2, 0,
                                                                                 False)
    assert q["coverage"] == pytest.approx(0.30)
    assert q["grade"] is None and q["sources"] == ["test:x"] and q["partners"] == ["CHN", "RUS"]
    assert a.domains["trade"].coverage == pytest.approx(0.30)
    s = a.domains["security"]
    assert s.quality["security.arms.import"]["single_partner"] is True
    assert s.coverage is None and s.single_partner_only and s.grade == "B"
    assert s.recency == 2  # 2023 (the newest domain year) - 2021


def test_domain_coverage_counts_partner_sum_indicators_as_nothing_shown():
    q = {"a": {"coverage": 0.9, "grade": "A", "recency": 1, "single_partner": False},
         "b": {"coverage": 0.3, "grade": "C", "recency": 0, "single_partner": False},
         "c": {"coverage": None, "grade": "B", "recency": 2, "single_partner": True}}
    d = domain_quality(q, {"a": 1.0, "b": 2.0, "c": 1.0})
    # c has no total: none of its share of the real total is shown (a lower bound)
    assert d["coverage"] == pytest.approx((0.9 * 1 + 0.3 * 2 + 0 * 1) / 4)  # 0.375
    assert d["coverage_of_totals"] == pytest.approx((0.9 * 1 + 0.3 * 2) / 3)  # 0.5
    assert d["coverage_weight"] == pytest.approx(3 / 4)
    assert d["total_weight"] == pytest.approx(3 / 4)
    assert (d["grade"], d["recency"], d["single_partner_only"]) == ("C", 0, False)


# -- point 2: three verdicts -------------------------------------------------------------------

def test_low_coverage_domain_is_insufficient(tmp_path):
    # trade covers 30 of 100 < min_coverage 0.5: no verdict on who leads or how concentrated
    rows = [*_base_rows(),
            _r(2023, "CHN", "trade", "trade.goods.turnover", 20, "USD bn"),
            _r(2023, "RUS", "trade", "trade.goods.turnover", 10, "USD bn"),
            _r(2023, "WLD", "trade", "trade.goods.turnover", 100, "USD bn")]
    _, v = _verdicts(tmp_path, rows)
    for name in ("no_critical_dependency:trade", "concentration:trade",
                 "viable_partners:trade", "role:CHN:trade"):
        assert (v[name].status, v[name].reason, v[name].passed) == (
            "insufficient", "low_coverage", False), name
        assert math.isnan(v[name].margin)
    assert "30.0%" in v["concentration:trade"].evidence["insufficient"]
    # the doctrine sets the bound: at 0.25 the same data are judged
    _, v = _verdicts(tmp_path, rows, "min_coverage = 0.25")
    assert v["concentration:trade"].status in ("pass", "fail")
    # HHI of named shares (0.2, 0.1) = 0.05 <= 0.4: passes
    assert v["concentration:trade"].status == "pass"


def test_single_partner_only_domain_is_insufficient(tmp_path):
    # security: one RUS row against its own sum -> 100 % by construction
    rows = [_base_rows()[0], _base_rows()[1], _base_rows()[2],
            _r(2023, "RUS", "security", "security.arms.import", 30, "TIV mn")]
    _, v = _verdicts(tmp_path, rows)
    for name in ("concentration:security", "no_critical_dependency:security"):
        assert (v[name].status, v[name].reason) == ("insufficient", "single_partner"), name
    assert v["concentration:technology"].status == "fail"  # 0.36 + 0.16 = 0.52 > 0.4


def test_ninety_percent_trade_partner_fails_critical_dependency(tmp_path):
    # CHN 90 of WLD 100 (coverage 0.95 >= 0.5): a critical dependency whatever the constant
    rows = [*_base_rows(),
            _r(2023, "CHN", "trade", "trade.goods.turnover", 90, "USD bn"),
            _r(2023, "RUS", "trade", "trade.goods.turnover", 5, "USD bn"),
            _r(2023, "WLD", "trade", "trade.goods.turnover", 100, "USD bn")]
    _, v = _verdicts(tmp_path, rows)
    assert v["no_critical_dependency:trade"].status == "fail"


def test_ninety_percent_trade_partner_is_judged_not_insufficient(tmp_path):
    # the evidence is strong enough for a verdict (coverage 0.95, two partners, current)
    rows = [*_base_rows(),
            _r(2023, "CHN", "trade", "trade.goods.turnover", 90, "USD bn"),
            _r(2023, "RUS", "trade", "trade.goods.turnover", 5, "USD bn"),
            _r(2023, "WLD", "trade", "trade.goods.turnover", 100, "USD bn")]
    res, v = _verdicts(tmp_path, rows)
    assert res.assessment.domains["trade"].coverage == pytest.approx(0.95)
    assert v["no_critical_dependency:trade"].status in ("pass", "fail")
    assert v["concentration:trade"].status == "fail"  # 0.81 + 0.0025 > 0.4


def test_stale_domain_is_insufficient(tmp_path):
    # security's newest figure 2018 is 5 years behind the assessment year 2023 > max_age 3
    rows = [*_base_rows()[:3],
            _r(2018, "RUS", "security", "security.arms.import", 30, "TIV mn"),
            _r(2018, "USA", "security", "security.arms.import", 10, "TIV mn")]
    _, v = _verdicts(tmp_path, rows)
    assert (v["concentration:security"].status, v["concentration:security"].reason) == (
        "insufficient", "stale")
    _, v = _verdicts(tmp_path, rows, "max_age = 5")
    assert v["concentration:security"].status == "fail"  # 0.5625 + 0.0625 > 0.4


def test_domain_without_data_is_insufficient_not_missing(tmp_path):
    # corridors is critical and has no rows: its rules are there, insufficient (no_data)
    _, v = _verdicts(tmp_path, _base_rows())
    for k in ("no_critical_dependency", "concentration", "viable_partners"):
        assert (v[f"{k}:corridors"].status, v[f"{k}:corridors"].reason) == (
            "insufficient", "no_data")
    assert v["role:CHN:trade"].reason == "no_data"  # trade has no data at all


def test_absent_partner_is_unknown_not_zero(tmp_path):
    # technology: CHN 4 of WLD 10 (coverage 0.6 >= 0.5, but < 1): USA is absent, not 0
    rows = [_r(2023, "CHN", "technology", "technology.vehicles.import", 4, "units"),
            _r(2023, "DEU", "technology", "technology.vehicles.import", 2, "units"),
            _r(2023, "WLD", "technology", "technology.vehicles.import", 10, "units")]
    _, v = _verdicts(tmp_path, rows)
    r = v["role:USA:technology"]
    assert (r.status, r.reason) == ("insufficient", "no_data")
    assert "unknown, not 0" in r.evidence["insufficient"]
    # with the whole total covered, USA's 0 is a measured 0: a fail by 0.4 - 0 = 0.4
    rows[-1] = _r(2023, "WLD", "technology", "technology.vehicles.import", 6, "units")
    _, v = _verdicts(tmp_path, rows)
    assert v["role:USA:technology"].status == "fail"
    assert v["role:USA:technology"].margin == pytest.approx(-4 / 6)


def test_role_never_rests_on_a_single_partner_indicator(tmp_path):
    # USA appears only in the deals indicator (one partner, no total): supporting evidence,
    # not a share; in vehicles (the whole total covered) USA's 0 is measured: a fail by
    # 0 - CHN's 0.4 (DEU is no pole)
    rows = [_r(2023, "CHN", "technology", "technology.vehicles.import", 4, "units"),
            _r(2023, "DEU", "technology", "technology.vehicles.import", 6, "units"),
            _r(2023, "WLD", "technology", "technology.vehicles.import", 10, "units"),
            _r(2023, "USA", "technology", "technology.deals.value", 3, "USD bn", "deal:a")]
    res, v = _verdicts(tmp_path, rows)
    assert res.assessment.domains["technology"].supporting_reasons == {
        "technology.deals.value": "single_partner"}
    assert (v["role:USA:technology"].status, v["role:USA:technology"].margin) == (
        "fail", pytest.approx(-0.4))
    # with the deals alone, they make the shares, flagged: the role is insufficient
    _, v = _verdicts(tmp_path, rows[-1:])
    assert (v["role:USA:technology"].status, v["role:USA:technology"].reason) == (
        "insufficient", "single_partner")


def test_check_json_status_for_every_rule_and_counts_add_up(tmp_path):
    from equipoise._cli.main import app

    rows = [*_base_rows(),
            _r(2023, "CHN", "trade", "trade.goods.turnover", 20, "USD bn"),
            _r(2023, "WLD", "trade", "trade.goods.turnover", 100, "USD bn")]
    data = _write(tmp_path, rows)
    res = CliRunner().invoke(app, ["check", "--json", "--focal", "MNG", "--data", str(data),
                                   "--doctrine", str(_doctrine(tmp_path))])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert all(r["status"] in ("pass", "fail", "insufficient") for r in doc["rules"])
    assert all((r["reason"] is None) == (r["status"] != "insufficient") for r in doc["rules"])
    assert all(r["passed"] == (r["status"] == "pass") for r in doc["rules"])
    c = doc["counts"]
    assert c["pass"] + c["fail"] + c["insufficient"] == c["total"] == len(doc["rules"])
    assert (doc["passed"], doc["failed"], doc["insufficient"]) == (c["pass"], c["fail"],
                                                                   c["insufficient"])
    assert c["insufficient"] >= 4  # trade (low coverage) and corridors (no data)
    # text: the summary line counts each
    res = CliRunner().invoke(app, ["check", "--focal", "MNG", "--data", str(data),
                                   "--doctrine", str(_doctrine(tmp_path))])
    assert res.exit_code == 0, res.output
    assert f"{c['fail']} fail; {c['insufficient']} insufficient" in " ".join(res.output.split())


def test_assess_json_quality_blocks_and_summary(tmp_path):
    from equipoise._cli.main import app

    rows = [*_base_rows(),
            _r(2023, "CHN", "trade", "trade.goods.turnover", 20, "USD bn"),
            _r(2023, "WLD", "trade", "trade.goods.turnover", 100, "USD bn")]
    data = _write(tmp_path, rows)
    args = ["assess", "--focal", "MNG", "--data", str(data), "--doctrine",
            str(_doctrine(tmp_path))]
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    t = doc["domains"]["trade"]
    assert t["coverage"] == pytest.approx(0.2) and "grade" in t
    assert t["quality"]["trade.goods.turnover"]["coverage"] == pytest.approx(0.2)
    assert doc["counts"]["total"] == len(doc["rules"])
    res = CliRunner(env={"COLUMNS": "200"}).invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "20.0% ◦low" in res.output and "insufficient (low_coverage)" in res.output


def test_report_marks_weak_numbers():
    from equipoise.present.report import coverage_cell, quality_table, rules_table

    a = {"doctrine": {"thresholds": {}},
         "domains": {"trade": {"coverage": 0.2, "single_partner_only": False, "recency": 0,
                               "quality": {"trade.goods.turnover": {
                                   "year": 2023, "basis": "WLD", "coverage": 0.2,
                                   "n_partners": 1, "recency": 0, "single_partner": False,
                                   "grade": "C"}}}},
         "rules": [{"name": "concentration:trade", "status": "insufficient",
                    "reason": "low_coverage", "passed": False, "margin": None, "value": None,
                    "threshold": 0.4, "description": "d"}]}
    assert "◦ low coverage" in coverage_cell(a["domains"]["trade"], a)
    assert "◦ low coverage" in "".join(quality_table(a)["rows"][0]["cells"])
    assert "insufficient (low_coverage)" in "".join(rules_table(a)["rows"][0]["cells"])
