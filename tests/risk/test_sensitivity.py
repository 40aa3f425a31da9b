"""Disruption probabilities with their basis, and the sensitivity table (issue 13, point 6)."""

from __future__ import annotations

import json

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, seed, settings
from typer.testing import CliRunner

from equipoise._cli.main import app
from equipoise.errors import InputError, OptionError
from equipoise.risk import SimulationRequest, probability_table, run_simulation, sensitivity_table
from equipoise.risk.corridors import load_corridors
from equipoise.risk.montecarlo import format_sensitivity

runner = CliRunner()
PARTNERS = ["RUS", "CHN", "USA", "TUR", "AZE", "DEU"]


def _shares(values) -> pd.DataFrame:
    rows = [(d, p, v, 2023) for (d, p), v in values.items()]
    return pd.DataFrame(rows, columns=["domain", "partner", "share", "year"])


def test_probability_table_labels_each_value():
    t = probability_table(["RUS", "CHN"], {"rus": 0.2})
    assert t.to_dict("records")[0] == {"partner": "RUS", "probability": 0.2, "basis": "given",
                                       "note": "given by the user"}
    chn = t.set_index("partner").loc["CHN"]
    assert chn["probability"] == 0.05 and chn["basis"] == "assumption"
    assert chn["note"].startswith("assumption:") and "not estimated" in chn["note"]
    other = probability_table(["CHN"], None, default_probability=0.1)
    assert other["basis"].tolist() == ["given"] and other["probability"].tolist() == [0.1]


def test_simulation_output_labels_probabilities_and_correlations():
    shares = _shares({("trade", "RUS"): 0.5, ("trade", "CHN"): 0.3, ("energy", "RUS"): 0.8})
    req = SimulationRequest("KAZ", runs=2_000, seed=1, probabilities={"RUS": 0.2},
                            rho_bloc=0.4)
    res = run_simulation(shares, req, graph=load_corridors(focal="KAZ"))
    asm = res.to_dict()["assumptions"]
    assert asm["probability_basis"] == {"RUS": "given", "CHN": "assumption"}
    assert asm["basis"]["default_probability"].startswith("assumption:")
    assert asm["basis"]["rho_corridor"].startswith("assumption:")
    assert asm["basis"]["rho_bloc"] == "given by the user"
    text = res.summary()
    assert "disruption probabilities, assumption: CHN 0.05" in text
    assert "disruption probabilities, given: RUS 0.2" in text
    assert "rho_bloc 0.4: given by the user" in text


def test_sensitivity_table_shape_and_base_row():
    shares = _shares({("trade", "RUS"): 0.5, ("trade", "CHN"): 0.3, ("energy", "RUS"): 0.8,
                      ("energy", "CHN"): 0.2})
    req = SimulationRequest("KAZ", runs=4_000, seed=5, probabilities={"RUS": 0.3})
    g = load_corridors(focal="KAZ")
    tab = sensitivity_table(shares, req, graph=g)
    assert len(tab) == 9
    assert list(tab.columns[:6]) == ["probability_scale", "correlation", "rho_corridor",
                                     "rho_bloc", "mean", "p_loss"]
    assert set(tab["correlation"]) == {"zero", "default", "high"}
    base = tab[(tab.probability_scale == 1.0) & (tab.correlation == "default")].iloc[0]
    ref = run_simulation(shares, req, graph=g).risk.loc["total"]
    for c in ("mean", "var_95", "cvar_95", "var_99", "cvar_99"):
        assert base[c] == pytest.approx(ref[c]), c
    high = tab[tab.correlation == "high"].iloc[0]
    assert high["rho_corridor"] == pytest.approx(0.75) and high["rho_bloc"] == pytest.approx(0.65)
    zero = tab[tab.correlation == "zero"].iloc[0]
    assert zero["rho_corridor"] == 0.0 and zero["rho_bloc"] == 0.0
    # p = 0.3 x 2 = 0.6 for RUS, capped probabilities elsewhere stay <= 1
    text = format_sensitivity(tab)
    assert "4,000 scenarios, seed 5, max loss model" in text and len(text.splitlines()) == 11
    with pytest.raises(OptionError, match="correlations"):
        sensitivity_table(shares, req, correlations=["medium"])


def test_scale_zero_gives_no_loss_and_large_scale_caps_at_one():
    shares = _shares({("trade", "RUS"): 0.5, ("trade", "CHN"): 0.5})
    req = SimulationRequest("KAZ", runs=1_000, seed=2, probabilities={"RUS": 0.5})
    tab = sensitivity_table(shares, req, probability_scales=(0.0, 2.0), correlations=["zero"])
    assert tab["mean"].tolist()[0] == 0.0
    # RUS at p = min(1, 2 x 0.5) = 1: always disrupted; loss >= 0.5 x (1 - 0.6) in trade
    assert tab["p_loss"].tolist()[1] == 1.0


@seed(20261130)
@settings(max_examples=12, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6),
       st.lists(st.floats(0.0, 0.4), min_size=6, max_size=6),
       st.integers(0, 2**32 - 1))
def test_sensitivity_is_monotone_in_probability_scale(share_values, probs, s):
    """Common random numbers: each scenario's disrupted partners at a larger scale include
    those at a smaller one, so mean, VaR and CVaR never fall as the scale grows."""
    shares = _shares({(d, p): v for (d, p), v in zip(
        [("trade", p) for p in PARTNERS[:3]] + [("energy", p) for p in PARTNERS[3:]],
        share_values, strict=True)})
    req = SimulationRequest("KAZ", runs=1_500, seed=s, partners=tuple(PARTNERS),
                            probabilities=dict(zip(PARTNERS, probs, strict=True)))
    tab = sensitivity_table(shares, req, probability_scales=(0.5, 1.0, 2.0, 3.0))
    for _, g in tab.groupby("correlation"):
        g = g.sort_values("probability_scale")
        for c in ("mean", "p_loss", "var_95", "cvar_95", "var_99", "cvar_99"):
            assert np.all(np.diff(g[c].to_numpy()) >= -1e-12), (c, g[c].tolist())


def test_sensitivity_is_monotone_on_the_kaz_default_with_corridors():
    from equipoise.context import resolve_inputs
    from equipoise.measures.exposure import domain_shares

    doc, flows = resolve_inputs(None, None, None)
    tab = sensitivity_table(domain_shares(flows, "KAZ"), SimulationRequest("KAZ", runs=5_000, seed=3),
                            graph=load_corridors(focal="KAZ"), doctrine=doc)
    for _, g in tab.groupby("correlation"):
        g = g.sort_values("probability_scale")
        for c in ("mean", "var_95", "cvar_95", "var_99", "cvar_99"):
            assert np.all(np.diff(g[c].to_numpy()) >= -1e-12), c


def test_cli_simulate_sensitivity_json(tmp_path):
    p = tmp_path / "shares.csv"
    p.write_text("domain,partner,share,year\ntrade,RUS,0.5,2023\ntrade,CHN,0.3,2023\n"
                 "energy,RUS,0.8,2023\nenergy,CHN,0.2,2023\n", encoding="utf-8")
    res = runner.invoke(app, ["simulate", "--shares", str(p), "--runs", "3000", "--seed", "4",
                              "--prob", "RUS=0.2", "--sensitivity", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    sens = out["sensitivity"]
    assert len(sens) == 9
    assert {(r["probability_scale"], r["correlation"]) for r in sens} == {
        (s, c) for s in (0.5, 1.0, 2.0) for c in ("zero", "default", "high")}
    base = next(r for r in sens if r["probability_scale"] == 1.0 and r["correlation"] == "default")
    assert base["var_95"] == pytest.approx(out["total"]["var_95"])
    assert base["cvar_95"] == pytest.approx(out["total"]["cvar_95"])
    assert out["assumptions"]["probability_basis"]["RUS"] == "given"
    assert out["loss_model"] == "max"
    text = runner.invoke(app, ["simulate", "--shares", str(p), "--runs", "3000", "--seed", "4",
                               "--sensitivity"])
    assert text.exit_code == 0, text.output
    assert "Sensitivity of the total loss (3,000 scenarios, seed 4" in text.stdout
    assert "Traceback" not in text.output
    plain = runner.invoke(app, ["simulate", "--shares", str(p), "--runs", "3000", "--json"])
    assert "sensitivity" not in json.loads(plain.stdout)


def test_toml_probabilities_are_given_and_bad_values_are_located(tmp_path):
    shares = tmp_path / "shares.csv"
    shares.write_text("domain,partner,share,year\ntrade,RUS,0.5,2023\ntrade,CHN,0.3,2023\n",
                      encoding="utf-8")
    cfg = tmp_path / "sim.toml"
    cfg.write_text("[simulate]\nruns = 2000\nseed = 1\n\n[simulate.probabilities]\nRUS = 0.2\n",
                   encoding="utf-8")
    res = runner.invoke(app, ["simulate", "--shares", str(shares), "--config", str(cfg),
                              "--sensitivity", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["assumptions"]["probabilities"]["RUS"] == 0.2
    assert out["assumptions"]["probability_basis"] == {"RUS": "given", "CHN": "assumption"}
    rus2 = [r for r in out["sensitivity"] if r["probability_scale"] == 2.0]
    assert len(rus2) == 3
    cfg.write_text("[simulate]\nruns = 2000\n\n[simulate.probabilities]\nRUS = 1.5\n",
                   encoding="utf-8")
    bad = runner.invoke(app, ["simulate", "--shares", str(shares), "--config", str(cfg),
                              "--sensitivity"])
    assert bad.exit_code != 0  # the named error, shown by equipoise's main without a traceback
    msg = str(bad.exception)
    assert isinstance(bad.exception, InputError)
    assert "key 'probabilities' (line 5)" in msg and "expecting a number in 0..1. Got 1.5" in msg
