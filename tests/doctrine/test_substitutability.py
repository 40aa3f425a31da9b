"""Issue 13 point 3: the critical-dependency rule can fire in every domain.

Substitutability comes from the data (the corridor graph's alternative capacity, the number of
viable alternative partners) with the per-domain default as a fallback shown as such, and a
partner at or above the doctrine's ``dominant_share`` fails the rule whatever the
substitutability. Every expected number is worked out by hand from the files made here."""

from __future__ import annotations

import pandas as pd
import pytest

from equipoise.doctrine.check import assess, basis_of
from equipoise.doctrine.model import load_doctrine
from equipoise.doctrine.rules.critical import graph_substitutability
from equipoise.io.flows import read_flows
from equipoise.risk.corridors import CorridorGraph
from equipoise.scorecard import alternatives_substitutability

HEAD = "year,reporter,partner,domain,indicator,product,value,unit,source\n"

DOCTRINE = """
name = "test doctrine (made up)"
focal = "MNG"
poles = ["CHN", "RUS", "USA"]

[domains]
critical = ["trade", "corridors"]
functional = ["trade", "corridors"]
"""


def _flows(tmp_path, rows: str):
    p = tmp_path / "flows.csv"
    p.write_text(HEAD + rows, encoding="utf-8")
    return read_flows([p])


def _doctrine(tmp_path, extra: str = ""):
    p = tmp_path / "doctrine.toml"
    p.write_text(DOCTRINE + extra, encoding="utf-8")
    return load_doctrine(p)


def test_ninety_percent_trade_partner_fails_by_dominant_share(tmp_path):
    # CHN 9 of a WLD total of 10, RUS 0.5: one viable alternative (0.05 >= viable_share 0.05),
    # so substitutability from the data is 1 / 2 = 0.5 > 0.3 (not low), but 0.9 >= 0.8
    flows = _flows(tmp_path, "2023,MNG,CHN,trade,trade.goods.turnover,,9,USD bn,test:c\n"
                             "2023,MNG,RUS,trade,trade.goods.turnover,,0.5,USD bn,test:c\n"
                             "2023,MNG,WLD,trade,trade.goods.turnover,,10,USD bn,test:c\n")
    a = assess(flows, doctrine=_doctrine(tmp_path), engagement=False)
    d = a.domains["trade"]
    assert d.substitutability == pytest.approx(0.5)
    assert d.substitutability_basis == "data"
    assert d.substitutability_evidence["alternatives"] == ["RUS"]
    assert d.dominant and d.critical
    r = next(x for x in a.rules if x.name == "no_critical_dependency:trade")
    assert not r.passed
    # min(0.8 - 0.9, max(0.5 - 0.9, 0.5 - 0.3)) = -0.1
    assert r.margin == pytest.approx(-0.1)
    assert r.value["substitutability_basis"] == "data"
    assert r.threshold["dominant_share"] == 0.8
    assert r.evidence["dominant"] is True
    assert r.evidence["substitutability_basis"] == "data"
    # in assess --json too
    assert a.to_dict()["domains"]["trade"]["substitutability_basis"] == "data"


def test_dominant_share_is_a_declared_threshold(tmp_path):
    # raised to 0.95, the same 90 % partner passes (substitutability 0.5 is not low)
    flows = _flows(tmp_path, "2023,MNG,CHN,trade,trade.goods.turnover,,9,USD bn,test:c\n"
                             "2023,MNG,RUS,trade,trade.goods.turnover,,0.5,USD bn,test:c\n"
                             "2023,MNG,WLD,trade,trade.goods.turnover,,10,USD bn,test:c\n")
    doc = _doctrine(tmp_path, "\n[thresholds]\ndominant_share = 0.95\n")
    r = next(x for x in assess(flows, doctrine=doc, engagement=False).rules
             if x.name == "no_critical_dependency:trade")
    assert r.passed and r.margin == pytest.approx(min(0.95 - 0.9, 0.5 - 0.3))
    bad = tmp_path / "bad.toml"
    bad.write_text(DOCTRINE + "\n[thresholds]\ndominant_share = 1.5\n", encoding="utf-8")
    from equipoise.errors import DoctrineError

    with pytest.raises(DoctrineError, match="dominant_share"):
        load_doctrine(bad)


def test_no_alternative_partner_makes_trade_critical(tmp_path):
    # CHN 6 of 10, RUS 0.4 of 10 = 0.04 < viable_share 0.05: no viable
    # alternative -> substitutability 0 / 1 = 0 <= 0.3 and 0.6 >= 0.5: critical
    flows = _flows(tmp_path, "2023,MNG,CHN,trade,trade.goods.turnover,,6,USD bn,test:c\n"
                             "2023,MNG,RUS,trade,trade.goods.turnover,,0.4,USD bn,test:c\n"
                             "2023,MNG,WLD,trade,trade.goods.turnover,,10,USD bn,test:c\n")
    a = assess(flows, doctrine=_doctrine(tmp_path), engagement=False)
    assert a.domains["trade"].substitutability == 0.0
    r = next(x for x in a.rules if x.name == "no_critical_dependency:trade")
    assert not r.passed and r.margin == pytest.approx(max(0.5 - 0.6, 0.0 - 0.3))


def test_stated_substitutability_is_kept_as_default(tmp_path):
    flows = _flows(tmp_path, "2023,MNG,CHN,trade,trade.goods.turnover,,6,USD bn,test:c\n"
                             "2023,MNG,WLD,trade,trade.goods.turnover,,10,USD bn,test:c\n")
    doc = _doctrine(tmp_path, "\n[domains.substitutability]\ntrade = 0.6\n")
    d = assess(flows, doctrine=doc, engagement=False).domains["trade"]
    assert d.substitutability == 0.6 and d.substitutability_basis == "default"
    assert d.substitutability_evidence["method"] == "stated by the doctrine"


def test_alternatives_formula():
    assert [alternatives_substitutability(n) for n in (0, 1, 2, 3)] == \
        pytest.approx([0.0, 0.5, 2 / 3, 0.75])


# ---------------------------------------------------------------------- the corridor graph

NODES = pd.DataFrame({"id": ["SRC", "A", "B", "C", "EU"],
                      "country": ["CHN", "RUS", "AZE", "GEO", "DEU"],
                      "kind": ["source", "rail", "rail", "rail", "sink"]})
# SRC -> A (RUS) 6 -> EU; SRC -> B (AZE) 3 -> C (GEO) 2 -> EU: max flow 6 + 2 = 8
EDGES = pd.DataFrame({"source": ["SRC", "A", "SRC", "B", "C"],
                      "target": ["A", "EU", "B", "C", "EU"],
                      "capacity": [6, 10, 3, 5, 2], "mode": ["rail"] * 5})
SYSTEMS = pd.DataFrame({"system": ["transit"], "domain": ["corridors"], "source": ["SRC"],
                        "sinks": ["EU"]})


@pytest.fixture
def graph():
    return CorridorGraph.from_tables(NODES, EDGES, name="test graph")


def test_graph_substitutability_known_max_flows(graph):
    # without RUS: 2 of 8; without AZE (or GEO): 6 of 8
    v, ev = graph_substitutability(graph, SYSTEMS, "corridors", "RUS")
    assert v == pytest.approx(2 / 8) and ev["alternative_capacity"] == {"transit": 0.25}
    assert graph_substitutability(graph, SYSTEMS, "corridors", "AZE")[0] == pytest.approx(6 / 8)
    # CHN is only the source: the graph says nothing of it
    v, ev = graph_substitutability(graph, SYSTEMS, "corridors", "CHN")
    assert v is None and "no node" in ev["note"]
    # no system of that domain
    assert graph_substitutability(graph, SYSTEMS, "energy", "RUS") is None


def test_corridors_substitutability_from_the_graph_decides_the_rule(tmp_path, graph):
    # RUS carries 0.7 of transit: 0.7 >= 0.5 and the graph's 0.25 <= 0.3 -> critical
    from dataclasses import replace

    from equipoise.doctrine.check import check_rules_of
    from equipoise.doctrine.rules import membership_check
    from equipoise.scorecard import build

    flows = _flows(tmp_path, "2023,MNG,RUS,corridors,corridors.transit.route,,7,mt,test:r\n"
                             "2023,MNG,AZE,corridors,corridors.transit.route,,3,mt,test:r\n"
                             "2023,MNG,WLD,corridors,corridors.transit.route,,10,mt,test:r\n")
    doc = _doctrine(tmp_path)
    basis = replace(basis_of(doc), measured=lambda d, p: graph_substitutability(
        graph, SYSTEMS, d, p))
    a = build(flows.data, basis, doctrine=doc, engagement=False, blocs=membership_check(doc),
              checker=check_rules_of)
    d = a.domains["corridors"]
    assert d.substitutability == pytest.approx(0.25) and d.substitutability_basis == "data"
    r = next(x for x in a.rules if x.name == "no_critical_dependency:corridors")
    assert not r.passed
    assert r.margin == pytest.approx(min(0.8 - 0.7, max(0.5 - 0.7, 0.25 - 0.3)))
    assert r.value["substitutability_basis"] == "data"


def test_a_group_and_its_members_are_one_alternative(tmp_path):
    # top USA (half of both indicators); EU27 in turnover and ITA (an EU member) in imports are
    # one alternative, CHN another: n = 2 -> 2 / 3 (a file may not hold a group and its
    # members in one indicator and year, so the overlap comes from two indicators)
    flows = _flows(tmp_path, "2023,MNG,USA,trade,trade.goods.turnover,,5,USD bn,test:c\n"
                             "2023,MNG,EU27,trade,trade.goods.turnover,,2,USD bn,test:c\n"
                             "2023,MNG,CHN,trade,trade.goods.turnover,,2,USD bn,test:c\n"
                             "2023,MNG,WLD,trade,trade.goods.turnover,,10,USD bn,test:c\n"
                             "2023,MNG,USA,trade,trade.goods.import,,5,USD bn,test:c\n"
                             "2023,MNG,ITA,trade,trade.goods.import,,3,USD bn,test:c\n"
                             "2023,MNG,WLD,trade,trade.goods.import,,10,USD bn,test:c\n")
    d = assess(flows, doctrine=_doctrine(tmp_path), engagement=False).domains["trade"]
    assert d.shares["ITA"] >= 0.05 and d.shares["EU27"] >= 0.05
    assert d.substitutability_evidence["alternatives"] == ["CHN", "EU27"]
    assert d.substitutability == pytest.approx(2 / 3)
