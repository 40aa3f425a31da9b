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
    # security is on the default basis: left to its label; trade per domain (judged: CHN) and
    # per partner cut off (each has the other as its one viable alternative: 1/2)
    assert set(measured) == {"trade", ("trade", "CHN"), ("trade", "RUS")}
    v, basis = measured["trade"]
    assert v == pytest.approx(0.5)
    assert basis == "assessment data: viable alternative partners, partner CHN"
    assert basis_kind(basis) == "data"
    assert measured[("trade", "RUS")] == (
        0.5, "assessment data: viable alternative partners, partner RUS")


def test_per_partner_measure_by_hand(tmp_path):
    # trade CHN 0.6, RUS 0.2, KOR 0.1 of 10: for CHN two alternatives (2/3), for KOR two
    # (CHN, RUS: 2/3), for USA (absent) three (3/4); the shock of USA reads its own
    f = tmp_path / "f.csv"
    f.write_text(FLOWS.splitlines()[0] + "\n"
                 "2023,MNG,CHN,trade,trade.goods.turnover,,6,USD bn,test:c\n"
                 "2023,MNG,RUS,trade,trade.goods.turnover,,2,USD bn,test:c\n"
                 "2023,MNG,KOR,trade,trade.goods.turnover,,1,USD bn,test:c\n"
                 "2023,MNG,WLD,trade,trade.goods.turnover,,10,USD bn,test:c\n", encoding="utf-8")
    d = tmp_path / "d.toml"
    d.write_text(DOCTRINE, encoding="utf-8")
    a = assess(read_flows([f]), doctrine=load_doctrine(d), engagement=False)
    m = assessed_substitutability(a, partners=["CHN", "KOR", "USA"])
    assert m[("trade", "CHN")][0] == pytest.approx(2 / 3)
    assert m[("trade", "KOR")][0] == pytest.approx(2 / 3)
    assert m[("trade", "USA")][0] == pytest.approx(3 / 4)
    t = substitutability_table(measured=m, partner="USA")
    assert t["trade"] == m[("trade", "USA")]
    # an override still wins over the per-partner value
    t = substitutability_table(measured=m, partner="USA", overrides={"trade": 0.1})
    assert t["trade"] == (0.1, "override")


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
    # a per-partner value is used for that partner's row only, and named
    mine = {**measured, ("trade", "RUS"): (0.25, "assessment data: test, partner RUS")}
    res = run_simulation(shares, SimulationRequest(focal="MNG", runs=2_000, seed=3,
                                                   loss_model="shares"), measured=mine)
    assert res.loss_matrix.loc["RUS", "trade"] == pytest.approx(0.3 * 0.75)
    assert res.loss_matrix.loc["CHN", "trade"] == pytest.approx(0.6 * 0.5)
    by = res.to_dict()["assumptions"]["substitutability_by_partner"]["trade"]
    assert by["RUS"] == {"value": 0.25, "basis": "assessment data: test, partner RUS",
                         "kind": "data"}
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
