"""Shocks and the Monte Carlo read the assessment's measured substitutability, through one
table (:func:`equipoise.risk.shocks.substitutability_table`), and name each domain's basis
(issue 13 point 3). Numbers by hand from the flows made here."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from equipoise._cli.main import app
from equipoise.doctrine.check import assess
from equipoise.doctrine.model import load_doctrine
from equipoise.io.flows import read_flows
from equipoise.risk.montecarlo import SimulationRequest, run_simulation
from equipoise.risk.shocks import (
    ShockRequest,
    assessed_substitutability,
    basis_kind,
    loss_matrix,
    shock,
    substitutability_table,
)

runner = CliRunner()

# MNG, 2023: trade CHN 6, RUS 3 of a WLD total 10 -> CHN 0.6, RUS 0.3 (judged: CHN; one viable
# alternative, RUS -> substitutability 1 / 2 from the data); security CHN 1, RUS 3 of 4 TIV
# (no data measure for security: the domains table's 0.2, a default)
FLOWS = """year,reporter,partner,domain,indicator,product,value,unit,source
2023,MNG,CHN,trade,trade.goods.turnover,,6,USD bn,test:c
2023,MNG,RUS,trade,trade.goods.turnover,,3,USD bn,test:c
2023,MNG,WLD,trade,trade.goods.turnover,,10,USD bn,test:c
2023,MNG,CHN,security,security.arms.import,,1,TIV mn,test:s
2023,MNG,RUS,security,security.arms.import,,3,TIV mn,test:s
"""
DOCTRINE = """
name = "test doctrine (made up)"
focal = "MNG"
poles = ["CHN", "RUS", "USA"]

[domains]
critical = ["trade", "security"]
functional = ["trade", "security"]
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("subst")
    f, d = tmp / "flows.csv", tmp / "doctrine.toml"
    f.write_text(FLOWS, encoding="utf-8")
    d.write_text(DOCTRINE, encoding="utf-8")
    return f, d


@pytest.fixture(scope="module")
def measured(files):
    f, d = files
    return assessed_substitutability(assess(read_flows([f]), doctrine=load_doctrine(d),
                                            engagement=False))


def test_assessed_substitutability_keeps_the_data_domains(measured):
    assert set(measured) == {"trade"}  # security is on the default basis: left to its label
    v, basis = measured["trade"]
    assert v == pytest.approx(0.5)
    assert basis == "assessment data: viable alternative partners, partner CHN"
    assert basis_kind(basis) == "data"


def test_one_table_in_order_of_precedence(measured):
    t = substitutability_table(measured=measured)
    assert t["trade"] == (0.5, measured["trade"][1])
    assert t["security"][0] == 0.2 and basis_kind(t["security"][1]) == "default"
    # a screen beats the measure, an override beats both
    screen = pd.DataFrame({"domain": ["trade"], "world_hhi": [0.25], "value": [1.0]})
    t = substitutability_table(measured=measured, screen=screen)
    assert t["trade"][0] == 0.75 and basis_kind(t["trade"][1]) == "data"
    t = substitutability_table(measured=measured, screen=screen, overrides={"trade": 0.1})
    assert t["trade"] == (0.1, "override") and basis_kind("override") == "override"


def test_shock_and_loss_matrix_use_the_measured_value(files, measured):
    _, d = files
    shares = pd.DataFrame({"domain": ["trade", "trade", "security", "security"],
                           "partner": ["CHN", "RUS", "CHN", "RUS"],
                           "share": [0.6, 0.3, 0.25, 0.75], "year": [2023] * 4})
    r = shock(shares, ShockRequest(focal="MNG", partner="CHN", loss_model="shares"),
              doctrine=load_doctrine(d), measured=measured)
    # trade 0.6 x (1 - 0.5) = 0.3; security 0.25 x (1 - 0.2) = 0.2; total (0.3 + 0.2) / 2
    assert r.losses["trade"] == pytest.approx(0.3)
    assert r.losses["security"] == pytest.approx(0.2)
    assert r.total == pytest.approx(0.25)
    out = r.to_dict()["substitutability"]
    assert out["trade"]["kind"] == "data" and out["security"]["kind"] == "default"
    assert "substitutability basis: trade 0.50 (assessment data" in r.summary()
    L = loss_matrix(shares, {d_: v for d_, (v, _) in substitutability_table(
        measured=measured).items()})
    assert L.loc["CHN", "trade"] == pytest.approx(0.3)
    assert L.loc["RUS", "security"] == pytest.approx(0.75 * 0.8)


def test_monte_carlo_names_the_basis_and_uses_the_value(measured):
    shares = pd.DataFrame({"domain": ["trade", "trade"], "partner": ["CHN", "RUS"],
                           "share": [0.6, 0.3], "year": [2023, 2023]})
    res = run_simulation(shares, SimulationRequest(focal="MNG", runs=2_000, seed=3,
                                                   loss_model="shares"), measured=measured)
    assert res.loss_matrix.loc["CHN", "trade"] == pytest.approx(0.3)
    assert res.loss_matrix.loc["RUS", "trade"] == pytest.approx(0.15)
    sub = res.to_dict()["assumptions"]["substitutability"]
    assert sub["trade"] == {"value": 0.5, "basis": measured["trade"][1], "kind": "data"}
    assert "substitutability: trade 0.50 (data)" in res.summary()
    # without the measure: the shipped default 0.6, labelled a default
    res = run_simulation(shares, SimulationRequest(focal="MNG", runs=2_000, seed=3,
                                                   loss_model="shares"))
    assert res.loss_matrix.loc["CHN", "trade"] == pytest.approx(0.6 * 0.4)
    assert res.to_dict()["assumptions"]["substitutability"]["trade"]["kind"] == "default"


def test_cli_shock_and_simulate_read_the_assessment(files):
    f, d = files
    res = runner.invoke(app, ["shock", "--focal", "MNG", "--partner", "CHN", "--data", str(f),
                              "--doctrine", str(d), "--loss-model", "shares", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["losses"]["trade"] == pytest.approx(0.3)
    assert out["substitutability"]["trade"]["kind"] == "data"
    assert out["substitutability"]["security"]["kind"] == "default"
    res = runner.invoke(app, ["simulate", "--focal", "MNG", "--data", str(f), "--doctrine",
                              str(d), "--runs", "2000", "--seed", "1", "--json"])
    assert res.exit_code == 0, res.output
    sim = json.loads(res.stdout)["assumptions"]["substitutability"]
    assert sim["trade"]["value"] == 0.5 and sim["trade"]["kind"] == "data"
    # a shares table has no flows to assess: the documented defaults, named so
    shares = f.parent / "shares.csv"
    shares.write_text("domain,partner,share\ntrade,CHN,0.6\ntrade,RUS,0.3\n", encoding="utf-8")
    res = runner.invoke(app, ["shock", "--focal", "MNG", "--partner", "CHN", "--shares",
                              str(shares), "--loss-model", "shares", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["substitutability"]["trade"]["kind"] == "default"
    assert out["losses"]["trade"] == pytest.approx(0.6 * 0.4)
    assert "Traceback" not in res.output
