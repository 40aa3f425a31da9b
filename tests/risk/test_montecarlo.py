"""Monte Carlo: analytic cases, reproducibility, loop parity, CVaR >= VaR, correlation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from equipoise.errors import OptionError, UnknownCountryError
from equipoise.risk import (
    SimulationRequest,
    correlation_matrix,
    load_corridors,
    run_simulation,
    simulate_loop,
    simulate_losses,
)
from equipoise.risk.montecarlo import _var_cvar, build_tables


def one_partner(loss: float) -> pd.DataFrame:
    return pd.DataFrame({"energy": [loss]}, index=pd.Index(["RUS"], name="partner"))


@pytest.mark.parametrize("p", [0.02, 0.1])
def test_single_partner_analytic(p):
    """One partner, loss 0.6: VaR95 = 0.6 when p > 5 %, else 0; CVaR95 = 0.6 * min(1, p / 0.05)."""
    res = simulate_losses(one_partner(0.6), focal="KAZ", runs=200_000, seed=7, probabilities={"RUS": p},
                          loss_model="shares")
    t = res.risk.loc["total"]
    assert t["mean"] == pytest.approx(0.6 * p, rel=0.05)
    assert t["var_95"] == pytest.approx(0.6 if p > 0.05 else 0.0)
    want = 0.6 * min(1.0, p / 0.05)
    assert abs(t["cvar_95"] - want) < 4 * max(t["cvar_95_se"], 1e-3)
    assert t["cvar_99"] == pytest.approx(0.6)  # P(loss) >= 1 % in both cases


def test_reproducible_by_seed_and_matches_loop():
    L = pd.DataFrame(np.random.default_rng(3).uniform(0, 0.4, size=(6, 4)),
                     index=["RUS", "CHN", "USA", "TUR", "AZE", "DEU"],
                     columns=["trade", "energy", "security", "finance"])
    R, _ = correlation_matrix(list(L.index), graph=load_corridors(focal="KAZ"), focal="KAZ")
    probs = {"RUS": 0.2, "CHN": 0.1}
    kw = dict(runs=30_000, seed=11, probabilities=probs, correlation=R, chunk_size=7_000,
              weights={"trade": 2.0})
    a = simulate_losses(L, focal="KAZ", **kw)
    b = simulate_losses(L, focal="KAZ", **kw)
    assert np.array_equal(a.totals, b.totals)
    c = simulate_losses(L, focal="KAZ", **{**kw, "seed": 12})
    assert not np.array_equal(a.totals, c.totals)
    loop = simulate_loop(L, runs=30_000, seed=11, probabilities=probs, correlation=R,
                         chunk_size=7_000, weights={"trade": 2.0}, limit=9_000)
    np.testing.assert_allclose(a.totals[:9_000], loop, rtol=0, atol=1e-12)


def test_corridor_model_matches_loop_and_raises_energy():
    g = load_corridors(focal="KAZ")
    partners = ["RUS", "CHN", "AZE", "GEO"]
    L = pd.DataFrame(0.05, index=partners, columns=["energy", "corridors", "trade"])
    tables = build_tables(g, "KAZ", partners, L.columns)
    assert set(tables) == {"energy", "corridors"}
    kw = dict(runs=20_000, seed=5, probabilities={"RUS": 0.3}, corridor_tables=tables)
    res = simulate_losses(L, focal="KAZ", **kw)
    loop = simulate_loop(L, limit=4_000, **kw)
    np.testing.assert_allclose(res.totals[:4_000], loop, atol=1e-12)
    shares_only = simulate_losses(L, focal="KAZ", **{**kw, "loss_model": "shares"})
    assert res.risk.loc["energy", "mean"] > 5 * shares_only.risk.loc["energy", "mean"]


def test_independent_frequencies_and_copula_dependence():
    partners = ["AZE", "GEO", "TUR", "CHN"]
    L = pd.DataFrame(0.1, index=partners, columns=["trade"])
    g = load_corridors(focal="KAZ")
    R, why = correlation_matrix(partners, graph=g, focal="KAZ")
    assert R.loc["AZE", "GEO"] == pytest.approx(0.5)  # Middle Corridor
    assert R.loc["CHN", "TUR"] == pytest.approx(0.0)
    assert "Middle Corridor" in " ".join(why["why"])
    n = 200_000
    ind = simulate_losses(L, focal="KAZ", runs=n, seed=1, probabilities={"AZE": 0.1, "GEO": 0.1})
    cop = simulate_losses(L, focal="KAZ", runs=n, seed=1, probabilities={"AZE": 0.1, "GEO": 0.1}, correlation=R)
    bits = lambda r, i: (r.masks >> i) & 1  # noqa: E731
    for r in (ind, cop):
        for i, p in enumerate([0.1, 0.1, 0.05, 0.05]):
            assert bits(r, i).mean() == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))
    joint_ind = (bits(ind, 0) & bits(ind, 1)).mean()
    joint_cop = (bits(cop, 0) & bits(cop, 1)).mean()
    assert joint_ind == pytest.approx(0.01, abs=0.002)
    assert joint_cop > 2 * joint_ind  # rho = 0.5 roughly triples the joint probability


def test_blocs_correlate():
    R, _why = correlation_matrix(["DEU", "FRA", "RUS", "BLR"], rho_bloc=0.3)
    assert R.loc["DEU", "FRA"] == pytest.approx(0.3)
    assert R.loc["RUS", "BLR"] == pytest.approx(0.3)  # EAEU
    assert R.loc["DEU", "RUS"] == 0.0


def test_non_pd_matrix_is_repaired():
    L = pd.DataFrame(0.1, index=["A1", "A2", "A3"], columns=["trade"])
    L.index = ["RUS", "CHN", "USA"]
    R = np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1.0]])
    res = simulate_losses(L, focal="KAZ", runs=1_000, seed=1, correlation=R)
    assert np.all(np.linalg.eigvalsh(res.correlation.to_numpy()) > 0)


@seed(20261129)
@settings(max_examples=40)
@given(st.lists(st.floats(0, 1), min_size=50, max_size=400), st.sampled_from([0.9, 0.95, 0.99]))
def test_cvar_at_least_var(xs, a):
    var, cvar = _var_cvar(np.array(xs), a)
    assert cvar >= var - 1e-12
    assert var == pytest.approx(np.sort(xs)[math.ceil(len(xs) * a) - 1])


def test_result_outputs_and_request():
    shares = pd.DataFrame([("trade", "RUS", 0.3, 2023), ("trade", "CHN", 0.4, 2023),
                           ("energy", "RUS", 0.9, 2023), ("energy", "CHN", 0.1, 2023)],
                          columns=["domain", "partner", "share", "year"])
    req = SimulationRequest("KAZ", runs=5_000, seed=3, probabilities={"rus": 0.2})
    res = run_simulation(shares, req, graph=load_corridors(focal="KAZ"))
    d = res.to_dict()
    for k in ("total", "by_domain", "tail_drivers", "assumptions", "seed", "runs"):
        assert k in d
    t = d["total"]
    for lv in ("95", "99"):
        assert t[f"cvar_{lv}"] >= t[f"var_{lv}"]
        assert t[f"var_{lv}_lower"] <= t[f"var_{lv}"] <= t[f"var_{lv}_upper"]
        assert t[f"var_{lv}_se"] >= 0
    assert d["tail_drivers"][0]["partner"] == "RUS"
    assert "VaR95" in res.summary() and "<table" in res._repr_html_()
    assert d["assumptions"]["probabilities"]["RUS"] == 0.2


def test_request_validation_and_toml(tmp_path):
    with pytest.raises(OptionError):
        SimulationRequest("KAZ", runs=0)
    with pytest.raises(OptionError):
        SimulationRequest("KAZ", probabilities={"RUS": 1.5})
    with pytest.raises(UnknownCountryError):
        SimulationRequest("KAZ", partners=("XXX",))
    p = tmp_path / "sim.toml"
    p.write_text('[simulate]\nfocal = "KAZ"\nruns = 1000\nseed = 4\nrho_bloc = 0.2\n'
                 '[simulate.probabilities]\nRUS = 0.1\n')
    req = SimulationRequest.from_toml(p, runs=2000)
    assert req.runs == 2000 and req.rho_bloc == 0.2 and dict(req.probabilities) == {"RUS": 0.1}
    assert hash(req) == hash(SimulationRequest.from_toml(p, runs=2000))


def test_progress_bar_runs():
    res = simulate_losses(one_partner(0.5), focal="KAZ", runs=3_000, seed=1, chunk_size=1_000, progress=True)
    assert len(res.totals) == 3_000


def test_many_partners_without_lookup_table_matches_loop():
    """Above LUT_MAX_PARTNERS the matrix-product path runs; it must agree with the loop too."""
    from equipoise.risk.montecarlo import LUT_MAX_PARTNERS

    codes = ["RUS", "CHN", "USA", "DEU", "ITA", "NLD", "FRA", "TUR", "KOR", "UZB", "AZE", "GEO",
             "GBR", "JPN", "KGZ", "IND", "BLR", "ESP"]
    assert len(codes) > LUT_MAX_PARTNERS
    L = pd.DataFrame(np.random.default_rng(9).uniform(0, 0.2, size=(len(codes), 3)),
                     index=codes, columns=["trade", "energy", "corridors"])
    g = load_corridors(focal="KAZ")
    tables = build_tables(g, "KAZ", codes, L.columns)
    R, _ = correlation_matrix(codes, graph=g, focal="KAZ")
    kw = dict(runs=6_000, seed=21, correlation=R, corridor_tables=tables, chunk_size=2_500,
              probabilities={"RUS": 0.2})
    res = simulate_losses(L, focal="KAZ", **kw)
    np.testing.assert_allclose(res.totals, simulate_loop(L, **kw), atol=1e-12)
    assert res.masks.max() < 2 ** len(codes)


def test_workers_do_not_change_numbers():
    L = pd.DataFrame(0.3, index=["RUS", "CHN"], columns=["trade", "energy"])
    kw = dict(runs=50_000, seed=3, chunk_size=5_000, corridor_tables=build_tables(
        load_corridors(focal="KAZ"), "KAZ", ["RUS", "CHN"], ["trade", "energy"]))
    a = simulate_losses(L, focal="KAZ", workers=1, **kw)
    b = simulate_losses(L, focal="KAZ", workers=2, **kw)
    assert np.array_equal(a.totals, b.totals) and np.array_equal(a.losses, b.losses)


def test_histogram_stats_equal_sorting_the_sample():
    """The lookup-table path's risk measures equal order statistics of the n losses."""
    from equipoise.risk.montecarlo import _risk_stats

    L = pd.DataFrame(np.random.default_rng(4).uniform(0, 0.3, size=(5, 3)),
                     index=["RUS", "CHN", "USA", "TUR", "AZE"], columns=["a", "b", "c"])
    L.columns = ["trade", "energy", "corridors"]
    tables = build_tables(load_corridors(focal="KAZ"), "KAZ", list(L.index), L.columns)
    res = simulate_losses(L, focal="KAZ", runs=40_000, seed=8, probabilities={"RUS": 0.15}, corridor_tables=tables,
                          batches=40)
    for i, d in enumerate([*L.columns, "total"]):
        x = res.totals if d == "total" else res.losses[:, i]
        want = _risk_stats(x, (0.95, 0.99), 40)
        got = res.risk.loc[d]
        for key, value in want.items():
            if key.startswith("_dist_"):  # the VaR's bootstrap distribution: kept for the total
                continue
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), (d, key)


def test_batch_means_se_matches_spread_across_seeds():
    """The reported SE of CVaR95 and VaR95 should match the spread of independent runs."""
    L = pd.DataFrame(np.random.default_rng(2).uniform(0, 0.5, size=(6, 2)),
                     index=["RUS", "CHN", "USA", "TUR", "AZE", "DEU"], columns=["trade", "energy"])
    R, _ = correlation_matrix(list(L.index), graph=load_corridors(focal="KAZ"), focal="KAZ")
    runs = [simulate_losses(L, focal="KAZ", runs=20_000, seed=s, correlation=R, probabilities={"RUS": 0.1})
            for s in range(30)]
    for key in ("cvar_95", "cvar_99"):
        spread = np.std([r.risk.loc["total", key] for r in runs], ddof=1)
        se = np.mean([r.risk.loc["total", f"{key}_se"] for r in runs])
        assert 0.6 < se / spread < 1.6, (key, se, spread)


@pytest.mark.parametrize("shuffle", [True, False])
def test_hist_stats_window_and_fallback_equal_sorting(shuffle):
    """The histogram statistics look at the batches' tails only when every batch's VaR lies in
    them (shuffled sample), and at all values otherwise (sorted sample: batches differ)."""
    from equipoise.risk.montecarlo import _hist_stats, _risk_stats

    rng = np.random.default_rng(5)
    n, B = 24_000, 40
    x = rng.choice(rng.uniform(0, 1, 300), size=n, p=rng.dirichlet(np.ones(300)))
    if not shuffle:
        x = np.sort(x)
    v, inv = np.unique(x, return_inverse=True)
    mb = n // B
    bh = np.stack([np.bincount(inv[b * mb:(b + 1) * mb], minlength=len(v)) for b in range(B)])
    got = _hist_stats(v, np.bincount(inv, minlength=len(v)), bh, n, mb, (0.95, 0.99))
    for key, value in _risk_stats(x, (0.95, 0.99), B).items():
        if key.startswith("_dist_"):
            for a, b in zip(got[key], value, strict=True):
                assert a == pytest.approx(b), key
            continue
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("k", [1, 8, 9, 20])
def test_masks_pack_partner_bits(k):
    """Indicators (rows in draw order, correlated partners first) pack into bit i = partner i,
    for chunks that are not a multiple of 8 scenarios."""
    from equipoise.risk.montecarlo import _draw_plan, _pack, _Scratch

    R = np.eye(k)
    if k > 2:
        R[0, 2] = R[2, 0] = 0.4  # partners 0 and 2 drawn first
    probs = {f"P{i}": 0.3 for i in range(k)}
    plan = _draw_plan(np.linalg.cholesky(R), np.zeros(k), probs, list(probs))
    n = 1_003
    s = _Scratch(plan, n)
    D = np.random.default_rng(k).random((k, n)) < 0.4  # partner-major indicators
    s.d[:k, :n] = D[plan.order]
    out = np.empty(n, dtype=np.int64)
    _pack(plan, s, n, out)
    want = (D.astype(np.int64) << np.arange(k)[:, None]).sum(axis=0)
    np.testing.assert_array_equal(out, want)
