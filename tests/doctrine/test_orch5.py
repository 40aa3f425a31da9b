"""One composition, in the library, for every command that assesses (issue 11, points 3 and 6):
flows -> domain shares -> the assessment -> its measured substitutability -> the corridor graph
-> shock / Monte Carlo is written once (:func:`equipoise.assessment.risk_basis`, ``shock_run``,
``simulate_run``) and used by ``equipoise shock``/``simulate``, ``equipoise run`` and the
dashboard; ``equipoise plan`` is :func:`equipoise.pipeline.plan_run`; every command that assesses
takes ``--nodes/--edges`` (resolved by :func:`equipoise.context.resolve_corridors`) and ``plan
--db`` reads the warehouse as ``assess --db`` does."""

from __future__ import annotations

import ast
import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from equipoise import context
from equipoise._cli.main import app
from equipoise.assessment import risk_basis, shock_run, simulate_run
from equipoise.risk.montecarlo import SimulationRequest
from equipoise.risk.shocks import ShockRequest

from .test_close13 import warehouse  # noqa: F401  (the fixture: KAZ flows + BACI)

runner = CliRunner()
SRC = Path(__file__).resolve().parents[2] / "src" / "equipoise"
SHIPPED = resources.files("equipoise.reference").joinpath("corridors")
RAIL = "KZ_OIL_RAIL,OIL_MARKETS,0.4,"


@pytest.fixture(scope="module")
def wider_rail(tmp_path_factory):
    """The shipped KAZ graph with the oil-by-rail route widened from 0.4 to 10.4 mt/yr: without
    Russia's nodes the oil export keeps 13.8 of 95.476 mt/yr instead of 3.8 of 85.476."""
    tmp = tmp_path_factory.mktemp("orch5")
    edges = SHIPPED.joinpath("kaz_edges.csv").read_text(encoding="utf-8")
    assert edges.count(RAIL) == 1
    n, e = tmp / "nodes.csv", tmp / "edges.csv"
    n.write_text(SHIPPED.joinpath("kaz_nodes.csv").read_text(encoding="utf-8"), encoding="utf-8")
    e.write_text(edges.replace(RAIL, "KZ_OIL_RAIL,OIL_MARKETS,10.4,"), encoding="utf-8")
    return n, e


def _json(*args: str) -> dict:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    assert "Traceback (most recent call last)" not in res.output
    return json.loads(res.stdout)


# ------------------------------------------------------------------ --nodes/--edges everywhere
def test_shock_measures_on_the_users_graph(wider_rail):
    n, e = map(str, wider_rail)
    shipped = _json("shock", "--partner", "RUS", "--json")
    mine = _json("shock", "--partner", "RUS", "--nodes", n, "--edges", e, "--json")
    # oil keeps 13.8 of 95.476 mt/yr instead of 3.8 of 85.476: the oil export's corridor loss
    # falls, so the energy domain's loss is no longer the shipped one
    assert mine["corridor_losses"]["energy"] < shipped["corridor_losses"]["energy"]
    assert mine["substitutability"] != shipped["substitutability"]
    # the library's one composition gives the same numbers
    graph = context.resolve_corridors("KAZ", *wider_rail)
    lib = shock_run(ShockRequest(focal="KAZ", partner="RUS"), corridors=graph).to_dict()
    assert lib["losses"] == pytest.approx(mine["losses"])
    assert lib["total"] == pytest.approx(mine["total"])


def test_simulate_measures_on_the_users_graph(wider_rail):
    n, e = map(str, wider_rail)
    args = ("simulate", "--runs", "2000", "--seed", "4", "--partners", "RUS,CHN", "--json")
    shipped = _json(*args)
    mine = _json(*args, "--nodes", n, "--edges", e)
    assert mine["total"] != shipped["total"]
    graph = context.resolve_corridors("KAZ", *wider_rail)
    lib = simulate_run(SimulationRequest(focal="KAZ", runs=2000, seed=4,
                                         partners=("RUS", "CHN")), corridors=graph).to_dict()
    assert lib["total"] == pytest.approx(mine["total"])


def _graph_of(rules: list[dict], name: str = "no_critical_dependency:corridors") -> str:
    rule = next(r for r in rules if r["name"] == name)
    return rule["evidence"]["substitutability_evidence"]["graph"]


def test_check_and_evaluate_take_the_users_graph_as_assess_does(wider_rail):
    n, e = map(str, wider_rail)
    mine = f"{n} + {e}"  # the user's graph's name, in the evidence of the corridor rules
    assessed = _json("assess", "--nodes", n, "--edges", e, "--json")["doctrine"]["check"]
    checked = _json("check", "--nodes", n, "--edges", e, "--json")
    assert _graph_of(assessed["rules"]) == _graph_of(checked["rules"]) == mine
    assert [(r["name"], r["status"], r.get("margin")) for r in checked["rules"]] == [
        (r["name"], r["status"], r.get("margin")) for r in assessed["rules"]]
    assert _graph_of(_json("check", "--json")["rules"]) == "shipped KAZ corridor graph"
    ev = _json("evaluate", "abraham-accords-2025", "--scenarios", "200", "--nodes", n,
               "--edges", e, "--json")
    assert _graph_of(ev["before"]["rules"]) == _graph_of(ev["after"]["rules"]) == mine


# ------------------------------------------------------------------ plan --db as assess --db
def test_plan_db_reads_the_flows_and_matches_the_library(warehouse, tmp_path):  # noqa: F811
    """`plan --db W` reads the flows from W (it holds a flows table: KAZ's 2021 trade with
    CHN 6, RUS 3 of 10), as `assess --db W` does; the embedded dataset's trade has EU27."""
    args = ("plan", "--db", str(warehouse), "--focal", "KAZ", "--domains", "trade",
            "--scenarios", "200", "--json")
    got = _json(*args)
    assert got["domains"]["trade"]["year"] == 2021
    assert _json("assess", "--db", str(warehouse), "--focal", "KAZ",
                 "--json")["domains"]["trade"]["year"] == 2021
    embedded = _json("plan", "--focal", "KAZ", "--domains", "trade", "--scenarios", "200",
                     "--json")
    assert embedded["domains"]["trade"]["year"] != 2021
    from equipoise.pipeline import plan_run

    lib = plan_run(db=warehouse, focal="KAZ", domains=["trade"], n_scenarios=200).to_dict()
    assert lib["targets"] == got["targets"]
    assert lib["cvar_after"] == pytest.approx(got["cvar_after"])


# ------------------------------------------------------------------ the dashboard's graph
def test_dashboard_shocks_on_the_graph_it_is_given(wider_rail):
    from equipoise.present.views import Context

    graph = context.resolve_corridors("KAZ", *wider_rail)
    mine, shipped = Context(corridors=graph), Context()
    assert mine.corridor_graph() is graph
    lib = shock_run(ShockRequest(focal="KAZ", partner="RUS"), corridors=graph).to_dict()
    got = mine.shock_json("RUS")
    assert got["losses"] == pytest.approx(lib["losses"])
    assert got["losses"] != shipped.shock_json("RUS")["losses"]


def test_risk_basis_without_flows_or_doctrine():
    """A shares table: no assessment, no measured substitutability (the documented defaults);
    a focal state the shipped doctrine does not fit (one of its poles): no doctrine."""
    import pandas as pd

    shares = pd.DataFrame({"domain": ["trade"], "partner": ["CHN"], "share": [0.5]})
    b = risk_basis(shares=shares, focal="KAZ")
    assert b.measured is None and b.doctrine is not None and b.shares is shares
    assert risk_basis(shares=shares, focal="RUS").doctrine is None


# ------------------------------------------------------------------ composed once
COMPOSERS = {"domain_shares", "assessed_substitutability", "run_simulation",
             "sensitivity_table", "load_corridors", "plan_supply_source", "product_screen_source"}


def _called(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            out.add(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
    return out


@pytest.mark.parametrize("rel", ["_cli/risk.py", "_cli/doctrine.py", "pipeline.py",
                                 "present/views.py"])
def test_the_callers_compose_nothing_themselves(rel):
    """The shock/simulate/plan composition is the library's (assessment.risk_basis,
    pipeline.plan_run); the CLI, `run` and the dashboard call it, so they cannot drift."""
    allowed = {"pipeline.py": {"plan_supply_source", "product_screen_source"},
               # `equipoise corridors` analyses the graph it is given, no assessment
               "_cli/risk.py": {"load_corridors"}}.get(rel, set())
    assert (_called(SRC / rel) & COMPOSERS) - allowed == set()


def test_an_empty_flows_table_gives_no_flows(tmp_path):
    """A warehouse of product-level trade only (its flows table empty, no panel): no flows from
    it, for assess, check, evaluate and plan alike (the embedded dataset, said on stderr)."""
    import duckdb

    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE flows (year INTEGER)")
    con.execute("CREATE TABLE trade_products (x INTEGER)")
    con.close()
    assert context.split_db(db) == (None, None)


@pytest.mark.slow
def test_run_takes_the_users_graph_for_assessment_shocks_and_report(wider_rail, tmp_path):
    """`equipoise run --nodes/--edges`: the assessment, the shocks and the Monte Carlo of the
    main job measure on the user's graph (the shocks equal `shock --nodes/--edges`)."""
    n, e = map(str, wider_rail)
    res = runner.invoke(app, ["run", "--out", str(tmp_path / "o"), "--nodes", n, "--edges", e])
    assert res.exit_code == 0, res.output
    shocks = json.loads((tmp_path / "o" / "shocks.json").read_text(encoding="utf-8"))
    alone = _json("shock", "--partner", "RUS", "--nodes", n, "--edges", e, "--json")
    assert shocks["RUS"]["losses"] == pytest.approx(alone["losses"])
    a = json.loads((tmp_path / "o" / "assessment.json").read_text(encoding="utf-8"))
    rules = a["doctrine"]["check"]["rules"]
    assert _graph_of(rules) == f"{n} + {e}"


def test_shock_and_simulate_read_db_as_assess_does(warehouse):  # noqa: F811
    """`shock/simulate --db W`: the flows from W (KAZ's 2021 trade: CHN 6, RUS 3 of 10) and the
    trade substitutability from its product screen (3/13 for CHN, as `assess --db W`)."""
    from .test_close13 import TRADE_SUBST

    got = _json("shock", "--partner", "CHN", "--domains", "trade", "--db", str(warehouse),
                "--focal", "KAZ", "--json")
    assert got["substitutability"]["trade"]["value"] == pytest.approx(TRADE_SUBST)
    assert got["losses"]["trade"] == pytest.approx(0.6 * (1 - TRADE_SUBST))
    sim = _json("simulate", "--runs", "1000", "--partners", "CHN,RUS", "--db", str(warehouse),
                "--focal", "KAZ", "--json")
    assert "trade" in sim["domains"]
    assert sim["domains"] != _json("simulate", "--runs", "1000", "--partners", "CHN,RUS",
                                   "--json")["domains"]  # the embedded flows: eight domains
    res = runner.invoke(app, ["shock", "--partner", "CHN", "--shares", str(warehouse),
                              "--db", str(warehouse)])
    assert "give it or --db/--panel, not both" in str(res.exception)
