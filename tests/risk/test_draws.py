"""The one public draw function and the loss model written once (risk.lossmodel)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from equipoise.errors import OptionError
from equipoise.risk import combine_losses, correlation_matrix, draw_disruptions, simulate_losses
from equipoise.risk.lossmodel import corridor_domain_loss, corridor_wins

PARTNERS = ["RUS", "CHN", "EU27", "USA", "TUR", "AZE", "GEO"]


def test_draws_are_the_engines_scenarios():
    """The same partners, probabilities, correlation, seed and chunk size give the engine's
    scenarios (the plan used to get them by running the engine on a dummy loss matrix)."""
    R, _ = correlation_matrix(PARTNERS, focal="KAZ")
    probs = {p: 0.03 + 0.02 * i for i, p in enumerate(PARTNERS)}
    masks = draw_disruptions(PARTNERS, runs=20_000, seed=11, probabilities=probs, correlation=R,
                             chunk_size=3000)
    dummy = pd.DataFrame(np.zeros((len(PARTNERS), 1)), index=PARTNERS, columns=["_"])
    res = simulate_losses(dummy, focal="KAZ", runs=20_000, seed=11, probabilities=probs, correlation=R,
                          chunk_size=3000, levels=(0.95,), batches=2)
    assert masks.dtype == np.int64 and masks.shape == (20_000,)
    assert np.array_equal(masks, res.masks)
    # whatever the number of threads
    one = draw_disruptions(PARTNERS, runs=20_000, seed=11, probabilities=probs, correlation=R,
                           chunk_size=3000, workers=1)
    assert np.array_equal(masks, one)


def test_draws_follow_the_probabilities():
    """p = 0: never; p = 1: always; otherwise the frequency is within 5 standard errors."""
    probs = {"RUS": 0.0, "CHN": 1.0, "USA": 0.2}
    masks = draw_disruptions(["RUS", "CHN", "USA"], runs=50_000, seed=3, probabilities=probs)
    bits = (masks[:, None] >> np.arange(3)) & 1
    assert bits[:, 0].sum() == 0 and bits[:, 1].all()
    se = math.sqrt(0.2 * 0.8 / 50_000)
    assert abs(bits[:, 2].mean() - 0.2) < 5 * se
    # a correlation of one: two partners with one probability are disrupted together
    R = np.array([[1.0, 1.0], [1.0, 1.0]])
    m2 = draw_disruptions(["RUS", "KAZ"], runs=5000, seed=1, correlation=R,
                          default_probability=0.1)
    assert set(np.unique(m2).tolist()) <= {0, 3}


def test_draws_refuse_bad_settings():
    with pytest.raises(OptionError, match="53 partners; at most 52"):
        draw_disruptions([f"P{i}" for i in range(53)], runs=10, seed=1)
    with pytest.raises(OptionError, match="runs: expecting a whole number"):
        draw_disruptions(["RUS"], runs=0, seed=1)
    with pytest.raises(OptionError, match="seed: expecting"):
        draw_disruptions(["RUS"], runs=10, seed=-1)
    with pytest.raises(OptionError, match=r"probability of RUS: expecting a number in 0\.\.1"):
        draw_disruptions(["RUS"], runs=10, seed=1, probabilities={"RUS": 1.5})
    with pytest.raises(OptionError, match="correlation: expecting a symmetric 1 x 1"):
        draw_disruptions(["RUS"], runs=10, seed=1, correlation=np.eye(2))


# --------------------------------------------------------------------------- loss model

@pytest.mark.parametrize("model, shares, corridor, want, wins", [
    ("max", 0.2, 0.5, 0.5, True),
    ("max", 0.5, 0.2, 0.5, False),
    ("max", 0.3, 0.3, 0.3, False),
    ("max", float("nan"), 0.4, 0.4, True),   # no shares data: the corridor model
    ("corridors", 0.5, 0.2, 0.2, True),
    ("shares", 0.2, 0.5, 0.2, False),
])
def test_combine_losses_one_scenario(model, shares, corridor, want, wins):
    assert combine_losses(shares, corridor, model) == want
    assert corridor_wins(shares, corridor, model) is wins


def test_combine_losses_arrays():
    s = np.array([0.2, 0.5, np.nan, 0.0])
    c = np.array([0.5, 0.2, 0.4, 0.0])
    np.testing.assert_array_equal(combine_losses(s, c, "max"), [0.5, 0.5, 0.4, 0.0])
    np.testing.assert_array_equal(combine_losses(s, c, "corridors"), c)
    np.testing.assert_array_equal(combine_losses(s, c, "shares"), s)
    np.testing.assert_array_equal(corridor_wins(s, c, "max"), [True, False, True, False])


class _Table:
    """A corridor loss table by hand: loss = (number of disrupted partners) / 4."""

    def loss(self, mask: int) -> float:
        return bin(mask).count("1") / 4

    def losses(self, masks: np.ndarray) -> np.ndarray:
        return np.array([self.loss(int(m)) for m in masks])


class _Half(_Table):
    def loss(self, mask: int) -> float:
        return 0.5 if mask else 0.0


def test_corridor_domain_loss_is_the_mean_over_systems_times_intensity():
    t = [_Table(), _Half()]
    # mask 0b11: (2/4 + 0.5) / 2 * 0.8 = 0.4
    assert corridor_domain_loss(t, 0b11, 0.8) == pytest.approx(0.4)
    got = corridor_domain_loss(t, np.array([0, 1, 3], dtype=np.int64), 0.8)
    np.testing.assert_allclose(got, [0.0, (0.25 + 0.5) / 2 * 0.8, 0.4])
    assert corridor_domain_loss([_Table()], 0b111, 1.0) == 0.75
