"""One answer to one question (issue 13, point 6): ``equipoise shock`` and ``equipoise run``'s
shocks.json use the same default loss model (``max``) and name it.

Hand-made KAZ flows, two partners, 2023:
trade.goods.turnover RUS 6, CHN 4 -> trade shares RUS 0.6, CHN 0.4;
energy.crude.export_route RUS 8, CHN 2 mt -> energy shares RUS 0.8, CHN 0.2.
Substitutability: the assessment's, measured for the partner cut off (issue 13 point 3, the
same in ``shock`` and ``run``): trade has one viable alternative to each (CHN 0.4 for RUS, RUS
0.6 for CHN), so 1 / (1 + 1) = 0.5; energy from the shipped graph, the least over the oil and
gas export systems of max flow without the partner's nodes over max flow,
s_p = min(1 - c_oil(p), 1 - c_gas(p)) (RUS: 3.8 / 85.476 = 0.044, oil). Weights 1.
Shares model: RUS trade 0.6 x 0.5 = 0.30, energy 0.8 x (1 - s_RUS);
CHN trade 0.4 x 0.5 = 0.20, energy 0.2 x (1 - s_CHN).
Corridor model (shipped graph): energy = mean over the oil and gas systems of the max flow lost
without the partner's nodes. Max model: energy = max(shares model, corridor model);
total = (trade + energy) / 2.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from equipoise._cli.main import app
from equipoise.io.flows import read_flows
from equipoise.pipeline import run_main_job
from equipoise.risk.corridors import corridor_loss, load_corridors
from equipoise.risk.lossmodel import DEFAULT_LOSS_MODEL

runner = CliRunner()

FLOWS = """year,reporter,partner,domain,indicator,product,value,unit,source
2023,KAZ,RUS,trade,trade.goods.turnover,,6,USD bn,test
2023,KAZ,CHN,trade,trade.goods.turnover,,4,USD bn,test
2023,KAZ,RUS,energy,energy.crude.export_route,,8,mt,test
2023,KAZ,CHN,energy,energy.crude.export_route,,2,mt,test
"""


@pytest.fixture(scope="module")
def flows_csv(tmp_path_factory):
    p = tmp_path_factory.mktemp("flows") / "flows.csv"
    p.write_text(FLOWS, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def expected():
    g = load_corridors(focal="KAZ")

    def corr(p):
        return (corridor_loss(g, "KZ_OIL", "OIL_MARKETS", [p])
                + corridor_loss(g, "KZ_GAS", "GAS_MARKETS", [p])) / 2

    def sub(p):
        return min(1 - corridor_loss(g, "KZ_OIL", "OIL_MARKETS", [p]),
                   1 - corridor_loss(g, "KZ_GAS", "GAS_MARKETS", [p]))

    assert sub("RUS") == pytest.approx(3.8 / 85.476, abs=1e-6)
    out = {}
    for p, (trade, energy) in {"RUS": (0.30, 0.8 * (1 - sub("RUS"))),
                               "CHN": (0.20, 0.2 * (1 - sub("CHN")))}.items():
        e = max(energy, corr(p))
        out[p] = {"trade": trade, "energy": e, "total": (trade + e) / 2}
    return out


@pytest.fixture(scope="module")
def run_shocks(flows_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    run_main_job(read_flows(flows_csv), focal="KAZ", out=out, runs=2_000, report=False)
    return (json.loads((out / "shocks.json").read_text(encoding="utf-8")),
            json.loads((out / "simulation.json").read_text(encoding="utf-8")))


def test_default_is_max_and_corridor_wins_for_russia(expected):
    assert DEFAULT_LOSS_MODEL == "max"
    # the corridor model is what makes the two old defaults differ: 0.906 vs 0.764
    assert expected["RUS"]["energy"] > 0.8 * (1 - 3.8 / 85.476)
    assert expected["RUS"]["total"] == pytest.approx((0.30 + 0.9063429667809846) / 2)


@pytest.mark.parametrize("partner", ["RUS", "CHN"])
def test_shock_cli_equals_run_equals_hand(flows_csv, run_shocks, expected, partner):
    res = runner.invoke(app, ["shock", "--partner", partner, "--data", str(flows_csv),
                              "--json"])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)
    shocks, _ = run_shocks
    run = shocks[partner]
    want = expected[partner]
    for got in (cli, run):
        assert got["loss_model"] == "max"
        assert got["loss_model_description"].startswith("max: per domain the larger")
        assert got["losses"]["trade"] == pytest.approx(want["trade"])
        assert got["losses"]["energy"] == pytest.approx(want["energy"])
        assert got["total"] == pytest.approx(want["total"])
    assert cli["total"] == run["total"]


def test_every_output_names_the_model(flows_csv, run_shocks):
    _, sim = run_shocks
    assert sim["loss_model"] == "max" and sim["assumptions"]["loss_model"] == "max"
    assert "corridor model in energy" in sim["loss_model_description"]
    # run's simulation.json carries the sensitivity table and the point masses
    assert len(sim["sensitivity"]) == 9
    base = next(r for r in sim["sensitivity"]
                if r["probability_scale"] == 1.0 and r["correlation"] == "default")
    assert base["var_95"] == pytest.approx(sim["total"]["var_95"])
    assert set(sim["var_point_masses"]) == {"95", "99"}
    text = runner.invoke(app, ["shock", "--partner", "RUS", "--data", str(flows_csv)])
    assert text.exit_code == 0, text.output
    assert "loss model max: per domain the larger" in text.stdout
    sim_text = runner.invoke(app, ["simulate", "--data", str(flows_csv), "--runs", "1000",
                                   "--seed", "1"])
    assert sim_text.exit_code == 0, sim_text.output
    assert "loss model max: per domain the larger" in sim_text.stdout
