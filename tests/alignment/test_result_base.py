"""AlignmentResult, BlocReport and EngagementBalance are results on the one base class
(``equipoise._results.Result``): ``compare()`` sets two of them side by side (numbers checked
by hand), ``_repr_html_()`` renders escaped tables, ``to_dict()`` is plain JSON."""

import json
import math

import pandas as pd
import pytest

from equipoise._results import Result
from equipoise.errors import OptionError
from equipoise.measures.alignment import AlignmentResult, alignment
from equipoise.measures.blocs import BlocReport, bloc_report
from equipoise.measures.engagement import EngagementBalance, engagement_balance, read_events


def _json_round_trip(r) -> dict:
    return json.loads(json.dumps(r.to_dict()))  # plain json: no default= for odd types


def test_alignment_compare_by_hand(toy_votes):
    # 2010 (test_alignment.py): KAZ agrees with USA on 1 of 4 roll calls, RUS 4 of 4, CHN 2 of
    # 3; the EU27 pooled over DEU and FRA 3 of 7. Equidistance = max - min = 1 - 1/4 both
    # times. 2011 has no common roll call, so 2010 is the latest period.
    a = alignment(toy_votes, focal="KAZ", poles="USA,RUS,CHN", by="year", measure="agree",
                  reps=0)
    b = alignment(toy_votes, focal="KAZ", poles="USA,RUS,EU27", by="year", measure="agree",
                  reps=0)
    assert isinstance(a, AlignmentResult) and isinstance(a, Result)
    df = a.compare(b, names=["with CHN", "with EU27"])
    assert df.loc["period"].tolist() == [2010, 2010]
    assert [type(v) for v in df.loc["period"]] == [int, int]
    assert df.loc["USA"].tolist() == pytest.approx([1 / 4, 1 / 4])
    assert df.loc["RUS"].tolist() == pytest.approx([1.0, 1.0])
    assert df.loc["CHN", "with CHN"] == pytest.approx(2 / 3)
    assert math.isnan(df.loc["CHN", "with EU27"])
    assert df.loc["EU27", "with EU27"] == pytest.approx(3 / 7)
    assert df.loc["equidistance"].tolist() == pytest.approx([3 / 4, 3 / 4])
    assert "USA.lower" not in df.index  # reps=0: no interval, left out rather than NaN
    with_ci = alignment(toy_votes, focal="KAZ", poles="USA,RUS", measure="agree", reps=200)
    n = with_ci.summary_numbers()
    assert n["USA.lower"] <= n["USA"] <= n["USA.upper"]
    # summary() and to_dict() are the class's own (unchanged)
    assert a.summary().startswith("Alignment of KAZ: ") and str(a) == a.summary()
    d = _json_round_trip(a)
    assert d["series"][0]["period"] == 2010 and d["measure"] == "agree"
    h = a._repr_html_()
    assert h.startswith("<div><b>Alignment of KAZ") and "<th>period</th>" in h
    assert "<td>2010</td>" in h and "<td>0.250</td>" in h  # a year, not "2,010"
    with pytest.raises(OptionError, match="Got BlocReport"):
        a.compare(_blocs(2020))


def test_alignment_by_issue_keys_each_issue():
    series = pd.DataFrame({"period": ["hr", "hr", "nu", "nu"], "pole": ["RUS", "USA"] * 2,
                           "value": [0.9, 0.2, 0.5, 0.4], "lower": [float("nan")] * 4,
                           "upper": [float("nan")] * 4, "n_rollcalls": [3] * 4,
                           "n_pairs": [3] * 4})
    equi = pd.DataFrame({"period": ["hr", "nu"], "value": [0.7, 0.1],
                         "lower": [float("nan")] * 2, "upper": [float("nan")] * 2,
                         "n_poles": [2, 2], "closest": ["RUS"] * 2, "farthest": ["USA"] * 2})
    r = AlignmentResult("KAZ", "agree", "issue", ["RUS", "USA"], series, equi)
    assert r.summary_numbers() == {"hr.RUS": 0.9, "hr.USA": 0.2, "hr.equidistance": 0.7,
                                   "nu.RUS": 0.5, "nu.USA": 0.4, "nu.equidistance": 0.1}


ORGS = pd.DataFrame({
    "org": ["AAA", "BBB", "CCC", "DDD"],
    "name": ["Anti-pole alliance", "Pole-led security pact", "Forum", "Old alliance"],
    "kind": ["military alliance", "collective security", "regional <forum>",
             "military alliance"],
    "led_by": ["", "RUS", "", "USA"],
    "aimed_at": ["CHN;RUS", "", "", ""],
})
MEM = pd.DataFrame({
    "org": ["BBB", "BBB", "CCC", "CCC", "CCC", "DDD", "DDD", "AAA"],
    "country": ["MNG", "RUS", "MNG", "CHN", "DEU", "MNG", "USA", "USA"],
    "start_year": [2000, 2000, 1995, 1995, 2010, 1990, 1990, 1950],
    "end_year": [None, None, None, None, None, 2005, None, None],
    "status": ["member"] * 8,
})


def _blocs(year: int, **kw) -> BlocReport:
    return bloc_report("MNG", "CHN,RUS,USA,EU27", year=year, organisations=ORGS,
                       memberships=MEM, cow_igo=False, **kw)


def test_bloc_report_compare_by_hand():
    # 2020: MNG in BBB (collective security, led by RUS) and CCC (forum); DDD ended 2005.
    # 2003, any military alliance forbidden: also DDD (military alliance, led by USA).
    a, b = _blocs(2020), _blocs(2003, aimed_only=False)
    assert isinstance(a, Result)
    df = a.compare(b)
    assert df.columns.tolist() == ["MNG 2020", "MNG 2003"]
    assert df.loc["no_camp.passed"].tolist() == [1, 0]
    assert df.loc["no_camp.violations"].tolist() == [0, 1]
    assert df.loc["blocs"].tolist() == [1, 2]  # BBB; BBB and DDD
    assert df.loc["platforms"].tolist() == [1, 1]  # CCC
    # shared full memberships: CHN (CCC) and RUS (BBB) both years; USA only through DDD (to
    # 2005); the EU27 the mean over its members: DEU shares CCC from 2010, 1 of 27 in 2020
    assert df.loc["co_membership.CHN"].tolist() == [1, 1]
    assert df.loc["co_membership.RUS"].tolist() == [1, 1]
    assert df.loc["co_membership.USA"].tolist() == [0, 1]
    assert df.loc["co_membership.EU27"].tolist() == pytest.approx([1 / 27, 0])
    # counts (and the 0/1 flag) are ints, shown without decimals; the EU27's mean a float
    for key in ("no_camp.passed", "no_camp.violations", "blocs", "co_membership.USA"):
        assert [type(v) for v in df.loc[key]] == [int, int], key
    assert [type(v) for v in df.loc["co_membership.EU27"]] == [float, float]
    assert "<tr><td>blocs</td><td>1</td></tr>" in a._repr_html_()
    assert a.summary().startswith("Blocs and platforms of MNG in 2020 (poles")
    d = _json_round_trip(b)
    assert d["no_camp"]["violations"] == [{"org": "DDD", "kind": "military alliance",
                                           "aimed_at_pole": ""}]
    h = a._repr_html_()
    assert "<caption>Alliances and blocs</caption>" in h and "<caption>Platforms</caption>" in h
    assert "<td>BBB</td>" in h
    assert "<td>regional &lt;forum&gt;</td>" in h and "<forum>" not in h  # escaped
    assert "<caption>No-camp violations</caption>" in b._repr_html_()


GOOD = """date,actor,counterpart,kind,domains,value_usd,source
2024-05-01,MNG,CHN,state visit,trade;corridors,1000,test:a
2024-06-01,RUS,MNG,visit,energy,,test:b
2024-07,MNG,USA,agreement,technology,3000,test:c
2024,MNG,DEU,talks,,,test:d
2024-09-01,MNG,SCO,summit,security,,test:e
2025-01-01,MNG,FRA,agreement,technology;finance,600,test:f
"""


def test_engagement_compare_by_hand(tmp_path):
    p = tmp_path / "events.csv"
    p.write_text(GOOD, encoding="utf-8")
    ev = read_events(p)
    a = engagement_balance(ev, focal="MNG", poles="CHN,RUS,USA,EU27", by="year")
    b = engagement_balance(ev, focal="MNG", poles="CHN,RUS,USA,EU27", by="all")
    assert isinstance(a, EngagementBalance) and isinstance(a, Result)
    df = a.compare(b, names=["year", "all"])
    # the sums over the periods are the same either way: the CHN state visit (1000), the RUS
    # visit, the USA agreement (3000), the DEU talks and the FRA agreement (600) for the EU27
    for key, want in {"visits.CHN": 1, "visits.RUS": 1, "visits.USA": 0, "visits.EU27": 0,
                      "agreements.USA": 1, "agreements.EU27": 1, "agreements.CHN": 0,
                      "value_usd.CHN": 1000, "value_usd.USA": 3000, "value_usd.EU27": 600,
                      "value_usd.RUS": 0, "events.EU27": 2, "events.CHN": 1}.items():
        assert df.loc[key].tolist() == [want, want], key
        # counts are ints (shown without decimals), the money a float
        want_type = float if key.startswith("value_usd") else int
        assert [type(v) for v in df.loc[key]] == [want_type, want_type], key
    # latest period by year: 2025, only the FRA agreement (EU27 share 1, the others 0); no
    # visit in 2025, so no visits spread. Over all years: visits CHN 1/2, RUS 1/2 -> 0.5;
    # agreements USA 1/2, EU27 1/2 -> 0.5; value USA 3000/4600 - RUS 0
    assert df.loc["period", "year"] == 2025 and math.isnan(df.loc["period", "all"])
    assert math.isnan(df.loc["spread.visits", "year"])
    assert df.loc["spread.visits", "all"] == pytest.approx(0.5)
    assert df.loc["spread.agreements"].tolist() == pytest.approx([1.0, 0.5])
    assert df.loc["spread.value_usd"].tolist() == pytest.approx([1.0, 3000 / 4600])
    assert a.summary().startswith("Engagement of MNG with CHN, RUS, USA, EU27 (by year)")
    d = _json_round_trip(a)
    assert d["sources"] == ["test:a", "test:b", "test:c", "test:d", "test:e", "test:f"]
    h = a._repr_html_()
    assert "<caption>Per period and pole</caption>" in h and "<td>2024</td>" in h
    assert "<caption>Events per pole and domain</caption>" in h
