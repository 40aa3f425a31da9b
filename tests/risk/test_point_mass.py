"""VaR at a point mass (issue 13, point 6): reported as such, with an honest standard error.

Hand-made samples of n = 1000 losses:
- "inside": 900 at 0, 80 at 0.5, 20 distinct values in 0.6..0.8. VaR95 is the 950th smallest,
  0.5, an atom with P(L = 0.5) = 0.08, P(L < 0.5) = 0.90: every level in 0.90..0.98 gives it, a
  run of 1000 reports it with probability ~1 (bootstrap SE ~0).
- "edge": 949 distinct values in (0, 0.1), 51 at 0.5. VaR95 = 0.5 (P(L = 0.5) = 0.051,
  P(L < 0.5) = 0.949): the level sits on the atom's lower edge, so a run reports 0.5 with
  probability P(Binomial(1000, 0.949) <= 949) ~ 0.53 and a value below 0.1 otherwise: the
  exact bootstrap SE is ~0.5 x 0.45 = 0.22, not the batch-means number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom
from typer.testing import CliRunner

from equipoise._cli.main import app
from equipoise.risk.montecarlo import SimulationRequest, run_simulation, simulate_losses
from equipoise.risk.montecarlo.statistics import _hist_stats, _risk_stats

runner = CliRunner()


def _inside():
    return np.concatenate([np.zeros(900), np.full(80, 0.5), np.linspace(0.6, 0.8, 20)])


def _edge():
    return np.concatenate([np.linspace(0.001, 0.099, 949), np.full(51, 0.5)])


def test_atom_inside_is_a_point_mass_with_zero_bootstrap_se():
    x = np.random.default_rng(0).permutation(_inside())
    st = _risk_stats(x, (0.95,), 20)
    assert st["var_95"] == 0.5
    assert st["var_95_mass"] == pytest.approx(0.08)
    assert st["var_95_below"] == pytest.approx(0.90)
    assert st["var_95_point_mass"] == 1.0
    assert st["var_95_se_method"] == 1.0
    assert st["var_95_se"] == pytest.approx(0.0, abs=1e-4)  # P(0) = P(Bin(1000, .9) >= 950)
    vals, probs, masses = st["_dist_95"]
    assert vals == [0.5] and probs[0] == pytest.approx(1.0) and masses == [pytest.approx(0.08)]


def test_atom_at_the_edge_exact_bootstrap_matches_resampling():
    x = np.random.default_rng(1).permutation(_edge())
    st = _risk_stats(x, (0.95,), 20)
    assert st["var_95"] == 0.5 and st["var_95_point_mass"] == 1.0
    assert st["var_95_below"] == pytest.approx(0.949)
    p_atom = binom.cdf(949, 1000, 0.949)  # at most 949 of 1000 resampled losses below 0.5
    assert 0.5 < p_atom < 0.56
    vals, probs, _ = st["_dist_95"]
    got = dict(zip(vals, probs, strict=True))
    assert got[0.5] == pytest.approx(p_atom, abs=1e-9)
    # the same by brute force: 4000 bootstrap resamples
    rng = np.random.default_rng(2)
    boot = np.sort(rng.choice(x, size=(4000, 1000), replace=True), axis=1)[:, 949]
    assert np.mean(boot == 0.5) == pytest.approx(p_atom, abs=0.03)
    assert st["var_95_se"] == pytest.approx(boot.std(), rel=0.1)
    assert st["var_95_se"] == st["var_95_se_bootstrap"] > 0.2


def test_histogram_path_reports_the_same_point_mass():
    x = np.random.default_rng(3).permutation(_edge())
    v, inv = np.unique(x, return_inverse=True)
    B, mb = 20, 50
    bh = np.stack([np.bincount(inv[b * mb:(b + 1) * mb], minlength=len(v)) for b in range(B)])
    got = _hist_stats(v, np.bincount(inv, minlength=len(v)), bh, 1000, mb, (0.95,))
    want = _risk_stats(x, (0.95,), B)
    for key in ("var_95", "var_95_mass", "var_95_below", "var_95_point_mass", "var_95_se"):
        assert got[key] == pytest.approx(want[key]), key


def test_continuous_sample_keeps_batch_means():
    x = np.random.default_rng(4).uniform(size=20_000)
    st = _risk_stats(x, (0.95,), 40)
    assert st["var_95_point_mass"] == 0.0 and st["var_95_se_method"] == 0.0
    assert st["var_95_mass"] == pytest.approx(1 / 20_000)


def test_simulation_reports_the_point_mass_in_json_and_text():
    """One partner disrupted with p = 0.1, loss 0.5: the total is 0 (p 0.9) or 0.5 (p 0.1);
    VaR95 = 0.5 on a point mass of ~0.1, levels ~0.90..1.0."""
    L = pd.DataFrame({"trade": [0.5]}, index=["RUS"])
    res = simulate_losses(L, focal="KAZ", runs=20_000, seed=3, probabilities={"RUS": 0.1}, levels=(0.95,))
    pm = res.to_dict()["var_point_masses"]["95"]
    assert pm["var"] == 0.5 and pm["on_point_mass"] is True
    assert pm["mass"] == pytest.approx(0.1, abs=0.01)
    lo, hi = pm["levels_with_this_var"]
    assert lo == pytest.approx(0.9, abs=0.01) and hi == pytest.approx(1.0)
    assert pm["se"] == pytest.approx(0.0, abs=1e-9) and pm["se_method"] == "bootstrap"
    assert "VaR95 of the total falls on a point mass: P(loss = 0.5000) = 0.1" in res.summary()


def test_kaz_default_shows_why_seeds_differ():
    """The KAZ default: VaR95 sits at the edge of the atom 'Russia alone disrupted' (its total
    is what ``shock --partner RUS`` reports; ~2 % of scenarios): runs of this size report it
    or a value well below it."""
    import json

    from equipoise.context import resolve_inputs
    from equipoise.measures.exposure import domain_shares
    from equipoise.risk.corridors import load_corridors

    out = runner.invoke(app, ["shock", "--partner", "RUS", "--json"])
    assert out.exit_code == 0, out.output
    rus_total = json.loads(out.stdout)["total"]
    rus = round(rus_total, 3)
    doc, flows = resolve_inputs(None, None, None)
    shares = domain_shares(flows, "KAZ")
    # the substitutability the assessment measured, as `shock` and `simulate` use it
    from equipoise.assessment import assess
    from equipoise.risk.shocks import assessed_substitutability

    measured = assessed_substitutability(assess(flows, doctrine=doc, engagement=False))
    res = run_simulation(shares, SimulationRequest("KAZ", runs=20_000, seed=1), graph=load_corridors(focal="KAZ"),
                         doctrine=doc, measured=measured)
    pm = res.var_point_masses()["95"]
    assert pm["se_method"] == "bootstrap"
    vals = {round(d["value"], 3): d for d in pm["reported_values"]}
    assert vals[rus]["mass"] > 0.01 and 0.05 < vals[rus]["probability"] < 0.95
    assert min(vals) < rus - 0.1  # and values well below the atom
    out = runner.invoke(app, ["simulate", "--runs", "20000", "--seed", "1"])
    assert out.exit_code == 0, out.output
    # the summary prints four decimals (the rounded three might round the other way)
    assert f"point mass: P(loss = {rus_total:.4f}" in out.stdout


def test_report_row_names_the_point_mass():
    from equipoise.present.report import _point_mass_rows

    mc = {"level": 0.95, "var_point_masses": {"95": {
        "var": 0.199, "on_point_mass": False, "mass": 1e-5, "se": 0.06, "se_method": "bootstrap",
        "reported_values": [{"value": 0.19, "probability": 0.7, "mass": 1e-4},
                            {"value": 0.327, "probability": 0.26, "mass": 0.017}]}}}
    (row,) = _point_mass_rows(mc)
    row = " ".join(row["cells"])
    assert "VaR is next to a point mass (P(loss = 32.7%) = 0.0170)" in row
    assert "32.7% (p 0.26)" in row and "other values (p 0.04)" in row
    mc["var_point_masses"]["95"]["se_method"] = "batch means"
    assert _point_mass_rows(mc) == []
