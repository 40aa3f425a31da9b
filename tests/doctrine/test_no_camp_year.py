"""The no-camp rule and the blocs measure decide membership violations in one place
(``measures.blocs.classify``; audit 5 G7), and the assessment's blocs are those in force in
its year: ``eq.assess(year=2010)`` lists what ``eq.bloc_report(year=2010)`` lists (before: 14
organisations, BRICS (2024) and CAEU (2025) among them, against 9)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest
from typer.testing import CliRunner

import equipoise as eq
from equipoise._cli.main import app
from equipoise.doctrine.rules import membership_check
from equipoise.measures.blocs import bloc_report, no_camp_record

POLES = ["CHN", "RUS", "USA", "EU27"]
LATEST = ["CSTO", "SCO", "EAEU", "CIS", "OTS", "CICA", "WTO", "UN", "OSCE", "OIC", "BRICS",
          "NATO-PfP", "C5P1", "CAEU"]  # the shipped table's KAZ rows, in table order
IN_2010 = ["CSTO", "SCO", "CIS", "OTS", "CICA", "UN", "OSCE", "OIC", "NATO-PfP"]

ORGS = pd.DataFrame({
    "org": ["AAA", "BBB", "CCC", "DDD", "EEE"],
    "name": ["Anti-pole alliance", "Pole-led pact", "Forum", "Old alliance", "Joint pact"],
    "kind": ["military alliance", "collective security", "regional forum", "military alliance",
             "military alliance"],
    "led_by": ["", "RUS", "", "USA", "CHN;RUS"],
    "aimed_at": ["CHN; RUS", "", "", "", "USA"],
})
MEM = pd.DataFrame({
    "org": ["BBB", "CCC", "DDD", "AAA", "EEE"],
    "country": ["MNG"] * 5,
    "start_year": [2000, 1995, 1990, 2015, 2012],
    "end_year": [None, None, 2005, None, 2016],
    "status": ["member"] * 5,
})


def _doctrine(aimed_only: bool):
    return SimpleNamespace(focal="MNG", poles=("CHN", "RUS", "USA"), memberships=SimpleNamespace(
        forbidden_kinds=("military alliance",), forbid_aimed_at_pole=aimed_only))


@pytest.mark.parametrize("aimed_only", [True, False])
@pytest.mark.parametrize("year", [1994, 2000, 2004, 2006, 2012, 2015, 2016, 2017, None])
def test_rule_and_measure_agree(year, aimed_only):
    rec = membership_check(_doctrine(aimed_only), year, memberships=MEM, organisations=ORGS)
    rep = bloc_report("MNG", ["CHN", "RUS", "USA"], year=year, organisations=ORGS,
                      memberships=MEM, aimed_only=aimed_only, cow_igo=False)
    assert sorted(m["org"] for m in rec["memberships"]) == rep.memberships["org"].tolist()
    assert sorted(v["org"] for v in rec["violations"]) == [
        v["org"] for v in rep.no_camp["violations"]]
    assert sorted(v["org"] for v in rec["led_by_pole"]) == [
        v["org"] for v in rep.no_camp["led_by_pole"]]


def test_violations_by_year_hand_computed():
    strict = _doctrine(False)
    aimed = _doctrine(True)

    def orgs(d, y, key="violations"):
        return [v["org"] for v in membership_check(d, y, memberships=MEM,
                                                   organisations=ORGS)[key]]

    assert orgs(strict, 2004) == ["DDD"]          # in force until 2005
    assert orgs(strict, 2006) == []
    assert orgs(strict, 2013) == ["EEE"]
    assert orgs(strict, 2015) == ["AAA", "EEE"]   # table order
    assert orgs(aimed, 2015) == ["AAA", "EEE"]    # 'CHN; RUS' read as two poles
    assert orgs(aimed, 2017) == ["AAA"]           # EEE left after 2016; latest year: 2015
    # a pole among several leaders counts (the rule used to compare the whole 'CHN;RUS')
    assert orgs(aimed, 2013, "led_by_pole") == ["BBB", "EEE"]
    assert orgs(aimed, 1980, "memberships") == []


def test_assess_lists_the_memberships_of_its_year():
    a = eq.assess(year=2010)
    listed = [m["org"] for m in a.blocs["memberships"]]
    assert listed == IN_2010
    assert sorted(listed) == bloc_report("KAZ", POLES, year=2010,
                                         cow_igo=False).memberships["org"].tolist()
    assert [m["org"] for m in a.blocs["led_by_pole"]] == ["CSTO"]  # C5+1 began in 2015
    # the verdict's evidence rows: the same organisations
    c = eq.check(year=2010)
    assert [r["org"] for r in c.source_rows["no_camp"]] == IN_2010
    a15 = eq.assess(year=2015)
    assert [m["org"] for m in a15.blocs["memberships"]] == [o for o in LATEST
                                                           if o not in ("BRICS", "CAEU")]


def test_default_is_the_latest_year_unchanged():
    a = eq.assess()
    assert [m["org"] for m in a.blocs["memberships"]] == LATEST
    assert a.blocs["violations"] == []
    csto = a.blocs["memberships"][0]
    assert csto == {"org": "CSTO", "kind": "collective security", "led_by": "RUS",
                    "aimed_at": None, "status": "member", "start_year": 1992}
    assert [m["org"] for m in a.blocs["led_by_pole"]] == ["CSTO", "C5P1"]
    assert no_camp_record("KAZ", POLES) == membership_check(a.doctrine)


def test_assess_year_on_the_command_line():
    res = CliRunner().invoke(app, ["assess", "--year", "2010", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [m["org"] for m in out["blocs"]["memberships"]] == IN_2010
