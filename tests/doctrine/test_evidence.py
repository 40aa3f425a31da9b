"""Issue 13 leftovers: single-partner indicators are supporting evidence, partner-sum
indicators count towards a domain's coverage, the evidence gates of the domain-wide rules
(max_domains_led, no_squeeze, predictability, no_camp), the Middle Corridor example acting on
the share indicator and the check table at 80 columns. Hand-made flow files in tmp_path; every
expected number is worked out by hand in a comment."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from equipoise import reference
from equipoise.assessment import assess, check
from equipoise.doctrine.model import load_doctrine
from equipoise.io.flows import read_flows
from equipoise.measures.quality import domain_quality

HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source\n"

DOCTRINE = """
name = "evidence test doctrine (made up)"
focal = "MNG"
poles = ["CHN", "RUS", "USA"]

[domains]
critical = ["trade", "technology", "security"]
functional = ["trade", "technology", "security"]

[domains.substitutability]
trade = 0.6
technology = 0.4
security = 0.2
energy = 0.2
"""


def _write(tmp_path, rows, name="flows.csv"):
    p = tmp_path / name
    p.write_text(HEADER + "\n".join(",".join(map(str, r)) for r in rows) + "\n",
                 encoding="utf-8")
    return p


def _doctrine(tmp_path, extra: str = "", head: str = ""):
    p = tmp_path / "doctrine.toml"
    p.write_text(DOCTRINE.replace("[domains]", head + "\n[domains]") +
                 (f"\n[thresholds]\n{extra}\n" if extra else ""), encoding="utf-8")
    return p


def _r(year, partner, domain, indicator, value, unit, product=""):
    return (year, "MNG", partner, domain, indicator, product, value, unit, "test:x")


def _assess(tmp_path, rows, extra="", head=""):
    return assess(read_flows(_write(tmp_path, rows)),
                  doctrine=load_doctrine(_doctrine(tmp_path, extra, head)))


def _rule(a, name):
    return {r.name: r for r in a.rules}[name]


def _three(year, domain, indicator, unit, shares, total=10):
    """Rows of one indicator: partner -> value, plus the WLD total."""
    return [_r(year, p, domain, indicator, v, unit) for p, v in shares.items()] + \
        [_r(year, "WLD", domain, indicator, total, unit)]


# -- 1. single-partner indicators are supporting evidence ------------------------------------

ROUTE = [_r(2023, "RUS", "energy", "energy.crude.export_route", 8, "mt"),
         _r(2023, "CHN", "energy", "energy.crude.export_route", 2, "mt"),
         _r(2023, "WLD", "energy", "energy.crude.export_route", 10, "mt")]


def test_single_partner_indicator_is_left_out_of_the_shares(tmp_path):
    # crude transit: RUS only, no total -> 100 % RUS by construction; left out.
    # shares = export_route alone: RUS 0.8, CHN 0.2 (with transit it would be RUS 0.9)
    a = _assess(tmp_path, [*ROUTE, _r(2023, "RUS", "energy", "energy.crude.transit", 5, "mt")])
    e = a.domains["energy"]
    assert e.indicators == ["energy.crude.export_route"]
    assert e.shares["RUS"] == pytest.approx(0.8) and e.shares["CHN"] == pytest.approx(0.2)
    assert e.supporting == {"energy.crude.transit": 2023}
    assert e.supporting_reasons == {"energy.crude.transit": "single_partner"}
    d = e.to_dict()
    assert d["supporting_reasons"] == {"energy.crude.transit": "single_partner"}
    assert any("energy.crude.transit (2023, one partner)" in n for n in a.notes)


@pytest.mark.parametrize("second", ["TKM", "OTH"])
def test_two_partner_rows_enter_the_shares(tmp_path, second):
    # transit RUS 5 + TKM 5 (or an explicit OTH 5): a real split, not one partner by
    # construction. RUS = (0.8 + 0.5) / 2 = 0.65
    rows = [*ROUTE, _r(2023, "RUS", "energy", "energy.crude.transit", 5, "mt"),
            _r(2023, second, "energy", "energy.crude.transit", 5, "mt")]
    e = _assess(tmp_path, rows).domains["energy"]
    assert "energy.crude.transit" in e.indicators and e.supporting == {}
    assert e.shares["RUS"] == pytest.approx(0.65)


def test_single_partner_is_decided_per_year(tmp_path):
    # gas exports name CHN alone in 2023 but CHN and RUS in 2022: only 2023 is single-partner.
    rows = [*ROUTE, _r(2023, "CHN", "energy", "energy.gas.export", 5, "bcm"),
            _r(2022, "CHN", "energy", "energy.gas.export", 3, "bcm"),
            _r(2022, "RUS", "energy", "energy.gas.export", 1, "bcm")]
    ish_years = _assess(tmp_path, rows).domains["energy"]
    # domain year 2023: the gas figure it would use (2023) is single-partner -> supporting
    assert ish_years.supporting_reasons == {"energy.gas.export": "single_partner"}
    a = assess(read_flows(_write(tmp_path, rows)), year=2022,
               doctrine=load_doctrine(_doctrine(tmp_path)))
    # 2022: gas enters (CHN 0.75, RUS 0.25); export_route has no 2022 figure
    assert a.domains["energy"].shares == pytest.approx({"CHN": 0.75, "RUS": 0.25})


def test_explain_json_shows_the_supporting_indicator(tmp_path):
    from equipoise._cli.main import app

    data = _write(tmp_path, [*ROUTE, _r(2023, "RUS", "energy", "energy.crude.transit", 5, "mt")])
    res = CliRunner().invoke(app, ["explain", "--domain", "energy", "--focal", "MNG", "--data",
                                   str(data), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["supporting_reasons"] == {"energy.crude.transit": "single_partner"}
    roles = {x["indicator"]: x["role"] for x in doc["indicator_shares"]}
    assert roles == {"energy.crude.export_route": "share", "energy.crude.transit": "supporting"}


def test_embedded_single_partner_indicators_are_supporting(kaz_flows):
    a = assess(kaz_flows)
    e, t = a.domains["energy"], a.domains["technology"]
    # crude transit (RUS only, 2023) and gas exports (CHN only, 2022): one partner each
    assert {k: v for k, v in e.supporting_reasons.items() if v == "single_partner"} == {
        "energy.crude.transit": "single_partner", "energy.gas.export": "single_partner"}
    # the 2025 summit deals name the USA only: evidence, not technology's shares
    assert t.supporting_reasons == {"technology.deals.value": "single_partner"}
    assert "USA" not in t.shares and t.indicators == ["technology.vehicles.import"]


# -- 2. partner-sum indicators count towards coverage ----------------------------------------

def test_partner_sum_indicator_lowers_the_domain_coverage(tmp_path):
    # security arms: RUS 8 + USA 1 of WLD 10 -> coverage 0.9; security troops would be
    # supporting, so use a second flow indicator without a total... security has one share
    # indicator, so take trade: turnover CHN 8 + RUS 1 of 10 (0.9) and exports to CHN 3,
    # RUS 3, USA 3 with no total (partner sum, 3 partners: none of its total shown):
    # coverage = (0.9 + 0) / 2 = 0.45 < 0.5
    rows = [*_three(2023, "trade", "trade.goods.turnover", "USD bn", {"CHN": 8, "RUS": 1}),
            _r(2023, "CHN", "trade", "trade.goods.export", 3, "USD bn"),
            _r(2023, "RUS", "trade", "trade.goods.export", 3, "USD bn"),
            _r(2023, "USA", "trade", "trade.goods.export", 3, "USD bn")]
    a = _assess(tmp_path, rows)
    t = a.domains["trade"]
    assert t.coverage == pytest.approx(0.45)
    assert t.coverage_of_totals == pytest.approx(0.9) and t.coverage_weight == pytest.approx(0.5)
    assert t.quality["trade.goods.export"]["n_partners"] == 3
    r = _rule(a, "concentration:trade")
    assert (r.status, r.reason) == ("insufficient", "low_coverage")
    assert "45.0%" in r.evidence["insufficient"]
    # the doctrine's bound decides: at 0.4 the same data are judged
    assert _rule(_assess(tmp_path, rows, "min_coverage = 0.4"),
                 "concentration:trade").status in ("pass", "fail")


def test_partner_sum_only_domain_is_judged_on_its_partners(tmp_path):
    # no indicator has a total: coverage unknown (None), the three partners stand for it;
    # HHI = 3 * (1/3)^2 = 0.333 <= 0.4: pass
    rows = [_r(2023, p, "trade", "trade.goods.export", 3, "USD bn") for p in ("CHN", "RUS", "USA")]
    a = _assess(tmp_path, rows)
    assert a.domains["trade"].coverage is None
    assert _rule(a, "concentration:trade").status == "pass"


def test_score_indicators_have_no_coverage():
    q = {"a": {"coverage": 0.8, "grade": "A", "recency": 0, "single_partner": False,
               "kind": "flow"},
         "s": {"coverage": None, "grade": "B", "recency": 0, "single_partner": False,
               "kind": "score"}}
    d = domain_quality(q, {})
    assert d["coverage"] == pytest.approx(0.8) and d["coverage_weight"] == pytest.approx(1.0)
    assert domain_quality({"s": q["s"]}, {})["coverage"] is None


# -- 3. evidence gates of the domain-wide rules ----------------------------------------------

def _led(trade, tech, security):
    return [*_three(2023, "trade", "trade.goods.turnover", "USD bn", trade),
            *_three(2023, "technology", "technology.vehicles.import", "units", tech),
            *_three(2023, "security", "security.arms.import", "TIV mn", security)]


def test_max_domains_led_pass_fail_insufficient(tmp_path):
    one = "max_domains_led = 1"
    # each pole leads one domain (all covered 0.9): 1 <= 1, margin 0
    r = _rule(_assess(tmp_path, _led({"CHN": 8, "RUS": 1}, {"USA": 8, "CHN": 1},
                                     {"RUS": 8, "USA": 1}), one), "max_domains_led")
    assert (r.status, r.margin) == ("pass", 0.0)
    # CHN leads trade and technology, both judged: 2 > 1, margin -1
    r = _rule(_assess(tmp_path, _led({"CHN": 8, "RUS": 1}, {"CHN": 8, "USA": 1},
                                     {"RUS": 8, "USA": 1}), one), "max_domains_led")
    assert (r.status, r.margin) == ("fail", -1.0)
    # technology covers 0.3 of its total (< 0.5): who leads it is unknown; CHN leads trade
    # (1 judged) and could lead technology too: 1 + 1 > 1 -> insufficient
    r = _rule(_assess(tmp_path, _led({"CHN": 8, "RUS": 1}, {"USA": 2, "CHN": 1},
                                     {"RUS": 8, "USA": 1}), one), "max_domains_led")
    assert (r.status, r.reason) == ("insufficient", "low_coverage")
    assert "technology" in r.evidence["insufficient"]
    # with room for it (max 2) the same data pass: 1 + 1 <= 2, margin 0
    r = _rule(_assess(tmp_path, _led({"CHN": 8, "RUS": 1}, {"USA": 2, "CHN": 1},
                                     {"RUS": 8, "USA": 1}), "max_domains_led = 2"),
              "max_domains_led")
    assert (r.status, r.margin) == ("pass", 0.0)


def test_no_squeeze_pass_fail_insufficient(tmp_path):
    # second poles 0.1 everywhere: pass by 0.25 - 0.1 = 0.15
    r = _rule(_assess(tmp_path, _led({"CHN": 8, "RUS": 1}, {"USA": 8, "CHN": 1},
                                     {"RUS": 8, "USA": 1})), "no_squeeze")
    assert r.status == "pass" and r.margin == pytest.approx(0.15)
    # trade CHN 0.5 / RUS 0.4: squeezed, fail by 0.25 - 0.4
    r = _rule(_assess(tmp_path, _led({"CHN": 5, "RUS": 4}, {"USA": 8, "CHN": 1},
                                     {"RUS": 8, "USA": 1})), "no_squeeze")
    assert r.status == "fail" and r.margin == pytest.approx(-0.15)
    # technology covers 0.4: second pole 0.1 + the 0.6 not shown could reach 0.25
    r = _rule(_assess(tmp_path, _led({"CHN": 8, "RUS": 1}, {"USA": 3, "CHN": 1},
                                     {"RUS": 8, "USA": 1})), "no_squeeze")
    assert (r.status, r.reason) == ("insufficient", "low_coverage")
    # a weak domain that cannot reach the threshold does not stop a pass: min_coverage 0.9,
    # technology USA 8 + CHN 0.5 = 0.85 < 0.9, second 0.05 + 0.15 = 0.2 < 0.25
    r = _rule(_assess(tmp_path, _led({"CHN": 9, "RUS": 0.5}, {"USA": 8, "CHN": 0.5},
                                     {"RUS": 9, "USA": 0.5}), "min_coverage = 0.9"),
              "no_squeeze")
    assert r.status == "pass" and r.evidence["judged"] == ["security", "trade"]


def _turnover(y2021, y2022):
    return [*_three(2021, "trade", "trade.goods.turnover", "USD bn", y2021),
            *_three(2022, "trade", "trade.goods.turnover", "USD bn", y2022)]


def test_predictability_pass_fail_insufficient(tmp_path):
    # CHN 6 -> 5, RUS 3 -> 4 of 10: TV = 0.5 * (0.1 + 0.1) = 0.1 <= 0.2, margin 0.1
    r = _rule(_assess(tmp_path, _turnover({"CHN": 6, "RUS": 3}, {"CHN": 5, "RUS": 4})),
              "predictability")
    assert r.status == "pass" and r.margin == pytest.approx(0.1)
    # CHN 8 -> 4, RUS 1 -> 5: TV = 0.5 * (0.4 + 0.4) = 0.4 > 0.2, margin -0.2
    r = _rule(_assess(tmp_path, _turnover({"CHN": 8, "RUS": 1}, {"CHN": 4, "RUS": 5})),
              "predictability")
    assert r.status == "fail" and r.margin == pytest.approx(-0.2)
    # two indicators enter in 2022: the pair compares 1 of 3 (33 % < 0.5) -> insufficient
    rows = [*_turnover({"CHN": 8, "RUS": 1}, {"CHN": 4, "RUS": 5}),
            *_three(2022, "trade", "trade.goods.export", "USD bn", {"CHN": 5, "RUS": 4}),
            *_three(2022, "trade", "trade.goods.import", "USD bn", {"CHN": 5, "RUS": 4})]
    r = _rule(_assess(tmp_path, rows), "predictability")
    assert (r.status, r.reason) == ("insufficient", "low_coverage")
    assert math.isnan(r.margin)
    assert "compares 1 of the 3 indicators of 2022" in r.evidence["pairs_skipped"]["trade"][0]
    # the doctrine's min_compared decides: at 0.3 the pair is judged (TV 0.4: fail)
    r = _rule(_assess(tmp_path, rows, "min_compared = 0.3"), "predictability")
    assert r.status == "fail" and r.margin == pytest.approx(-0.2)
    # one year only: nothing to compare
    r = _rule(_assess(tmp_path, _turnover({"CHN": 8, "RUS": 1}, {})[:3]), "predictability")
    assert (r.status, r.reason) == ("insufficient", "no_data")


def test_no_camp_pass_fail_insufficient(tmp_path, kaz_flows):
    # MNG has no row in the memberships table: membership data absent -> insufficient
    a = _assess(tmp_path, _led({"CHN": 8, "RUS": 1}, {"USA": 8, "CHN": 1},
                               {"RUS": 8, "USA": 1}))
    r = _rule(a, "no_camp")
    assert (r.status, r.reason) == ("insufficient", "no_data")
    assert "membership data absent" in r.evidence["insufficient"]
    # a membership of a military alliance aimed at a pole: fail by one
    bad = {"org": "X", "kind": "military alliance", "led_by": "RUS", "aimed_at": "USA",
           "status": "member", "start_year": 2020}
    r = _rule(a.with_blocs({"memberships": [bad], "violations": [bad], "led_by_pole": []}),
              "no_camp")
    assert (r.status, r.margin) == ("fail", -1.0)
    # Kazakhstan's shipped memberships (CSTO is collective security, not aimed at a pole)
    assert _rule(assess(kaz_flows), "no_camp").status == "pass"


# -- 4. the Middle Corridor example acts on the share indicator ------------------------------

@pytest.mark.slow
def test_middle_corridor_moves_the_corridor_shares(kaz_flows):
    from equipoise.assessment import evaluate

    ev = evaluate("middle-corridor-expansion", kaz_flows, n_scenarios=200)
    m = {c["measure"]: c for c in ev.changes}
    # RUS's share of China-Europe transit: 10.8 / 15.3 = 0.706 -> 10.8 / 20.8 = 0.519
    assert m["corridors.top_share"]["before"] == pytest.approx(10.8 / 15.3)
    assert m["corridors.top_share"]["after"] == pytest.approx(10.8 / 20.8)
    # HHI 0.706^2 + 0.294^2 = 0.585 -> 0.519^2 + 0.481^2 = 0.501
    assert m["corridors.hhi"]["direction"] == "improves"


# -- 5. an indicator without rows is not shipped -----------------------------------------------

def test_import_share_has_no_embedded_rows_but_stays_known_for_the_panel():
    """trade.goods.import_share has no rows in the embedded default (so it shapes no verdict)
    but stays in the table: the panel's press rows (kz-facts P6, P9) use it."""
    from importlib.resources import files

    import pandas as pd

    from equipoise import context

    assert "trade.goods.import_share" not in set(context.resolve_flows().data["indicator"])
    press = pd.read_csv(files("equipoise.panel") / "kaz_press_trade.csv")
    assert "trade.goods.import_share" in set(press["indicator"])
    assert "trade.goods.import_share" in reference.indicator_table().index


# -- 6. the check table at 80 columns ----------------------------------------------------------

def test_check_table_is_readable_at_80_columns(mng_csv, mng_doctrine_path):
    from equipoise._cli.main import app

    args = ["check", "--focal", "MNG", "--data", str(mng_csv), "--doctrine",
            str(mng_doctrine_path)]
    res = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(x) for x in lines) <= 80
    # the margins in full, the verdict column named, the sources column left out
    assert "│ verdict" in res.stdout.replace("┃", "│") and "sources" not in lines[2]
    assert any("+0.3" in x or "-0." in x for x in lines)
    assert "no_critical_dependency:" in res.stdout  # the kind, the domain on the next line
    wide = CliRunner().invoke(app, args, env={"COLUMNS": "160"})
    assert "sources" in wide.stdout and "no_critical_dependency:trade" in wide.stdout


def test_check_json_unchanged_by_the_layout(mng_csv, mng_doctrine_path):
    from equipoise._cli.main import app

    args = ["check", "--json", "--focal", "MNG", "--data", str(mng_csv), "--doctrine",
            str(mng_doctrine_path)]
    a = json.loads(CliRunner().invoke(app, args, env={"COLUMNS": "80"}).stdout)
    b = json.loads(CliRunner().invoke(app, args, env={"COLUMNS": "160"}).stdout)
    assert a == b


def test_check_result_object_reads_the_rules(tmp_path):
    rows = _led({"CHN": 8, "RUS": 1}, {"USA": 8, "CHN": 1}, {"RUS": 8, "USA": 1})
    res = check(read_flows(_write(tmp_path, rows)), doctrine=load_doctrine(_doctrine(tmp_path)))
    assert {r.status for r in res.rules} <= {"pass", "fail", "insufficient"}
