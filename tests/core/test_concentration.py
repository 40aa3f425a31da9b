"""Concentration measures: hand-computed values (METHODS.md toy values) and properties."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from equipoise.errors import OptionError
from equipoise.measures.concentration import effective_partners, hhi, shares


def test_methods_toy_values():
    # METHODS.md: shares (0.8, 0.1, 0.1) -> 0.66 (6,600); one supplier -> 1; two equal -> 0.5.
    assert hhi([0.8, 0.1, 0.1]) == pytest.approx(0.66)
    assert hhi([0.8, 0.1, 0.1], scale="10000") == pytest.approx(6600)
    assert hhi([1.0]) == 1.0
    assert hhi([0.5, 0.5]) == 0.5


def test_normalised_and_effective():
    # (0.66 - 1/3) / (1 - 1/3) = 0.49
    assert hhi([0.8, 0.1, 0.1], scale="normalised") == pytest.approx(0.49)
    assert effective_partners(0.5) == 2.0
    assert math.isnan(effective_partners(float("nan")))


def test_shares_against_total_and_sum():
    np.testing.assert_allclose(shares([8, 2], total=20), [0.4, 0.1])
    np.testing.assert_allclose(shares([8, 2]), [0.8, 0.2])
    with pytest.raises(ValueError, match="values must be >= 0"):
        shares([1, -1])


def test_bad_scale_names_choices():
    with pytest.raises(OptionError, match=r"Expecting one of|expecting one of"):
        hhi([1.0], scale="percent")


positive = st.lists(st.floats(min_value=1e-6, max_value=1e6, allow_nan=False), min_size=1,
                    max_size=30)


@given(positive)
def test_hhi_bounds(values):
    s = shares(values)
    h = hhi(s)
    n = len(values)
    assert 1.0 / n - 1e-12 <= h <= 1.0 + 1e-12


@given(st.integers(min_value=1, max_value=50))
def test_equal_shares_give_one_over_n(n):
    assert hhi([1.0 / n] * n) == pytest.approx(1.0 / n)


@given(positive, st.randoms(use_true_random=False))
def test_hhi_invariant_to_partner_order(values, rnd):
    s = list(shares(values))
    t = s[:]
    rnd.shuffle(t)
    assert hhi(s) == pytest.approx(hhi(t))
