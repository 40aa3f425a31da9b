"""The corridor graph is an input: resolved by ``context.resolve_corridors`` (the user's CSV pair,
else the shipped graph of the focal state) and passed down; the substitutability rule and the
plan's scenarios measure on the graph they are given and never load one themselves."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

import equipoise as eq
from equipoise import context
from equipoise._cli.main import app
from equipoise.doctrine.plan import default_scenarios
from equipoise.doctrine.rules.critical import measured_for
from equipoise.errors import CorridorError

runner = CliRunner()
SRC = Path(__file__).resolve().parents[2] / "src" / "equipoise"
SHIPPED = resources.files("equipoise.reference").joinpath("corridors")
RAIL = "KZ_OIL_RAIL,OIL_MARKETS,0.4,"


@pytest.fixture
def wider_rail(tmp_path):
    """The shipped KAZ graph with the oil-by-rail route widened from 0.4 to 10.4 mt/yr.

    Without Russia's nodes the oil export keeps 3.8 + 10 of 85.476 + 10 mt/yr (0.1445) and the
    gas export 15 of 105 bcm/yr (0.1429, unchanged): the least, gas, becomes the energy
    domain's substitutability (the shipped graph gives oil's 3.8 / 85.476 = 0.0445)."""
    edges = SHIPPED.joinpath("kaz_edges.csv").read_text(encoding="utf-8")
    assert edges.count(RAIL) == 1
    n, e = tmp_path / "nodes.csv", tmp_path / "edges.csv"
    n.write_text(SHIPPED.joinpath("kaz_nodes.csv").read_text(encoding="utf-8"), encoding="utf-8")
    e.write_text(edges.replace(RAIL, "KZ_OIL_RAIL,OIL_MARKETS,10.4,"), encoding="utf-8")
    return n, e


def test_context_resolves_the_shipped_graph_by_default():
    g = context.resolve_corridors(None)
    assert g is not None and g.name == "shipped KAZ corridor graph"
    assert context.resolve_corridors("MNG") is None  # no graph ships for it


def test_context_reads_the_users_pair(wider_rail):
    g = context.resolve_corridors("KAZ", *wider_rail)
    assert g.name == f"{wider_rail[0]} + {wider_rail[1]}"
    with pytest.raises(CorridorError, match="give both --nodes and --edges"):
        context.resolve_corridors("KAZ", wider_rail[0], None)


def test_assess_measures_on_the_given_graph(wider_rail):
    g = eq.load_corridors(*wider_rail)
    a = eq.assess(year=2022, engagement=False, corridors=g)
    e = a.domains["energy"]
    assert e.substitutability_basis == "data"
    assert e.substitutability == pytest.approx(15 / 105)
    ev = e.to_dict()["substitutability_evidence"]
    assert ev["graph"] == g.name
    assert ev["alternative_capacity"] == pytest.approx({"oil_export": 13.8 / 95.476,
                                                        "gas_export": 15 / 105})
    # the same graph, carrying the flow systems the front door resolved for it (KAZ's shipped
    # ones: no systems file was given), said so in the evidence
    assert a.basis.corridors.nodes is g.nodes and a.basis.corridors.edges is g.edges
    assert ev["systems_from"] == ("shipped KAZ flow systems (no systems file given for this "
                                  "graph)")
    # the default is the shipped graph, as before
    d = eq.assess(year=2022, engagement=False)
    assert d.domains["energy"].substitutability == pytest.approx(3.8 / 85.476, abs=1e-6)
    assert d.basis.corridors.name == "shipped KAZ corridor graph"


def test_a_graph_without_the_systems_nodes_measures_nothing(tmp_path):
    """A user's graph lacking the focal state's flow systems (their source and sinks): the
    domains fall back to their default substitutability, and the evidence says why."""
    g = eq.load_corridors(*_route_graph(tmp_path))
    a = eq.assess(engagement=False, corridors=g)
    for dom, systems in (("energy", ["gas_export", "oil_export"]),
                         ("corridors", ["rail_transit"])):
        ev = a.domains[dom].to_dict()["substitutability_evidence"]
        assert a.domains[dom].substitutability_basis == "default"
        assert ev["systems_not_on_graph"] == systems
        assert ev["note"].startswith("the graph lacks the source or sinks of every flow system")
    # the shipped graph holds every system's nodes: nothing is listed as off the graph
    d = eq.assess(engagement=False)
    for dom in ("energy", "corridors"):
        ev = d.domains[dom].to_dict()["substitutability_evidence"]
        assert ev["basis"] == "data" and "systems_not_on_graph" not in ev


def test_measure_without_a_graph_says_nothing():
    assert measured_for(None, None)("energy", "RUS") is None
    g = context.resolve_corridors("KAZ")
    assert measured_for(g, None)("energy", "RUS") is None
    assert measured_for(g, eq.risk.load_systems("KAZ"))("trade", "RUS") is None


def _route_graph(tmp_path):
    """A two-node graph with one named route between a Chinese and a US node."""
    n, e = tmp_path / "rn.csv", tmp_path / "re.csv"
    n.write_text("id,country,kind\nCN_X,CHN,hub\nUS_X,USA,hub\n", encoding="utf-8")
    e.write_text("source,target,capacity,mode,route\nCN_X,US_X,1,rail,test route\n",
                 encoding="utf-8")
    return n, e


def _corridor_pairs(scenarios) -> set[tuple[str, str]]:
    return {(r["p"], r["q"]) for r in scenarios.assumptions["correlated_pairs"]
            if "corridor test route" in r["why"]}


def test_scenarios_use_the_graph_given_and_none_without(tmp_path):
    doc = eq.load_doctrine()
    g = eq.load_corridors(*_route_graph(tmp_path))
    with_g = default_scenarios(doc, ["CHN", "USA"], n=50, graph=g)
    assert _corridor_pairs(with_g) == {("CHN", "USA")}
    without = default_scenarios(doc, ["CHN", "USA"], n=50)
    assert not any("corridor" in r["why"] for r in without.assumptions["correlated_pairs"])


def test_plan_draws_on_the_assessments_graph_or_the_one_given(tmp_path):
    g = eq.load_corridors(*_route_graph(tmp_path))
    a = eq.assess(engagement=False)
    default = eq.plan(assessment=a, n_scenarios=100)
    assert not _corridor_pairs(default.scenarios)
    assert any("corridor" in r["why"] for r in default.scenarios.assumptions["correlated_pairs"])
    given = eq.plan(assessment=a, n_scenarios=100, corridors=g)
    assert _corridor_pairs(given.scenarios) == {("CHN", "USA")}


def test_cli_assess_and_plan_take_nodes_and_edges(wider_rail, tmp_path):
    r = runner.invoke(app, ["assess", "--year", "2022", "--nodes", str(wider_rail[0]),
                            "--edges", str(wider_rail[1]), "--json"])
    assert r.exit_code == 0, r.output
    e = json.loads(r.stdout)["domains"]["energy"]
    assert e["substitutability"] == pytest.approx(15 / 105)
    assert e["substitutability_evidence"]["graph"] == f"{wider_rail[0]} + {wider_rail[1]}"
    n, ed = _route_graph(tmp_path)
    r = runner.invoke(app, ["plan", "--scenarios", "100", "--nodes", str(n), "--edges", str(ed),
                            "--json"])
    assert r.exit_code == 0, r.output
    pairs = json.loads(r.stdout)["scenarios"]["assumptions"]["correlated_pairs"]
    assert {(x["p"], x["q"]) for x in pairs if "corridor test route" in x["why"]} == {
        ("CHN", "USA")}


def test_rules_and_plan_never_load_a_graph():
    """The rule modules and the plan take the graph they are given (a back-slide fails)."""
    pat = re.compile(r"\b(load_corridors|shipped_corridors)\b")
    hits = [f"{p.relative_to(SRC)}:{i}" for part in ("doctrine/rules", "doctrine/plan")
            for p in sorted((SRC / part).rglob("*.py"))
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if pat.search(line)]
    assert hits == []
