"""The corridor graph carries its flow systems (audit 5, G2): ``context.resolve_corridors``
resolves them with the graph (a systems file, else the focal state's shipped ones, else none,
said so), and the doctrine and risk layers read ``graph.systems``; none of them looks systems
up by focal state, and an action's corridor changes need a graph given."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from equipoise import context
from equipoise._cli.main import app
from equipoise.doctrine.actions import apply_action, parse_action
from equipoise.doctrine.rules.critical import measured_for
from equipoise.errors import ActionError, CorridorError
from equipoise.risk.lossmodel import usable_systems

runner = CliRunner()


@pytest.fixture
def mng_graph(tmp_path):
    """Mongolia's coal (a made-up graph): 6 mt/yr through a Russian node and 4 through a
    Chinese one to the world market. Without Russia's nodes 4 of 10 remain (0.4)."""
    n, e, s = tmp_path / "n.csv", tmp_path / "e.csv", tmp_path / "s.csv"
    n.write_text("id,country,kind\nMN_COAL,MNG,source\nRU_X,RUS,hub\nCN_X,CHN,hub\n"
                 "MKT,WLD,market\n", encoding="utf-8")
    e.write_text("source,target,capacity,mode,route\nMN_COAL,RU_X,6,rail,north\n"
                 "RU_X,MKT,inf,connector,\nMN_COAL,CN_X,4,rail,south\nCN_X,MKT,inf,connector,\n",
                 encoding="utf-8")
    s.write_text("system,domain,source,sinks,unit\ncoal_export,energy,MN_COAL,MKT,mt/yr\n",
                 encoding="utf-8")
    return n, e, s


def test_a_users_graph_for_a_state_without_shipped_systems_says_it_measures_nothing(mng_graph):
    n, e, _ = mng_graph
    g = context.resolve_corridors("MNG", n, e)
    assert len(g.systems) == 0 and g.systems_from.startswith("none: no systems file given")
    value, ev = measured_for(g)("energy", "RUS")
    assert value is None and ev["systems"] == [] and "--systems S.csv" in ev["note"]
    assert "no named flow systems" in ev["note"]
    assert usable_systems(g, ["energy"]) == []
    assert measured_for(g)("trade", "RUS") is None  # not a graph domain


def test_a_users_systems_file_is_measured(mng_graph):
    n, e, s = mng_graph
    g = context.resolve_corridors("MNG", n, e, s)
    assert list(g.systems["system"]) == ["coal_export"] and g.systems_from == str(s)
    value, ev = measured_for(g)("energy", "RUS")
    assert value == pytest.approx(4 / 10)
    assert ev["systems_from"] == str(s) and ev["alternative_capacity"] == {
        "coal_export": pytest.approx(0.4)}
    assert [(d, r.system, sinks) for d, r, sinks in usable_systems(g, ["energy"])] == [
        ("energy", "coal_export", ["MKT"])]


def test_an_already_loaded_graph_gets_its_systems_in_context(mng_graph):
    from equipoise.risk.corridors import load_corridors

    n, e, s = mng_graph
    bare = load_corridors(n, e)
    assert bare.systems is None  # not resolved yet
    assert context.resolve_corridors("MNG", graph=bare, systems=s).systems_from == str(s)
    kaz = context.resolve_corridors("KAZ", graph=bare)
    assert kaz.systems_from.startswith("shipped KAZ flow systems (no systems file given")
    assert kaz.nodes is bare.nodes


def test_the_shipped_graph_carries_the_shipped_systems():
    g = context.resolve_corridors("KAZ")
    assert g.systems_from == "shipped KAZ flow systems"
    assert {"oil_export", "gas_export", "rail_transit"} <= set(g.systems["system"])
    with pytest.raises(CorridorError, match="goes with your own graph"):
        context.resolve_corridors("KAZ", systems="s.csv")


def test_a_bad_systems_file_is_located(tmp_path, mng_graph):
    n, e, _ = mng_graph
    bad = tmp_path / "bad.csv"
    bad.write_text("system,domain,source\na,energy,X\n", encoding="utf-8")
    with pytest.raises(CorridorError, match=r"missing column\(s\) \['sinks'\]"):
        context.resolve_corridors("MNG", n, e, bad)
    bad.write_text("system,domain,source,sinks\na,energy,,MKT\na,energy,MN_COAL,MKT\n",
                   encoding="utf-8")
    with pytest.raises(CorridorError) as exc:
        context.resolve_corridors("MNG", n, e, bad)
    msg = str(exc.value)
    assert f"{bad} line 2, column 'source': empty" in msg
    assert f"{bad} line 3, column 'system': 'a' repeats line 2" in msg


def test_corridor_changes_need_a_graph(kaz_flows):
    action = parse_action('id = "t"\ntitle = "t"\nsources = ["test:src"]\ndate = "2024-01-01"\n'
                          '[[corridor]]\nop = "set"\nroute = "Middle Corridor (TITR)"\ncapacity = 10\n')
    with pytest.raises(ActionError, match="no corridor graph was given for KAZ"):
        apply_action(action, kaz_flows, focal="KAZ")
    g = context.resolve_corridors("KAZ")
    after = apply_action(action, kaz_flows, focal="KAZ", corridors=g).corridors
    assert after.systems is g.systems and after.systems_from == g.systems_from


def test_cli_assess_takes_a_systems_file(mng_graph):
    """The shipped KAZ flows with a user's graph: without a systems file the graph is
    measured on KAZ's shipped systems (none of whose nodes it has: said so); with one, on it."""
    n, e, s = mng_graph
    r = runner.invoke(app, ["assess", "--year", "2022", "--nodes", str(n), "--edges", str(e),
                            "--json"])
    assert r.exit_code == 0, r.output
    ev = json.loads(r.stdout)["domains"]["energy"]["substitutability_evidence"]
    assert ev["systems_not_on_graph"] == ["gas_export", "oil_export"]
    assert ev["systems_from"].startswith("shipped KAZ flow systems (no systems file given")
    r = runner.invoke(app, ["assess", "--year", "2022", "--nodes", str(n), "--edges", str(e),
                            "--systems", str(s), "--json"])
    assert r.exit_code == 0, r.output
    ev = json.loads(r.stdout)["domains"]["energy"]["substitutability_evidence"]
    assert ev["systems_from"] == str(s) and ev["systems"] == ["coal_export"]
    assert "Traceback" not in r.output


def test_systems_are_a_dataframe_the_caller_may_give(mng_graph):
    n, e, _ = mng_graph
    table = pd.DataFrame([{"system": "coal_export", "domain": "energy", "source": "MN_COAL",
                           "sinks": "MKT"}])
    g = context.resolve_corridors("MNG", n, e, table)
    assert measured_for(g)("energy", "RUS")[0] == pytest.approx(0.4)
