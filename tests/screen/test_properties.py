"""Analytical limits of the Ibis HHI (hypothesis, seeded; DuckDB)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equipoise.engine import connect, to_table
from equipoise.errors import OptionError
from equipoise.measures.ibis_measures import hhi

CON = None


def _con():
    global CON
    if CON is None:
        CON = connect("duckdb")
    return CON


@settings(max_examples=30)
@given(st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=1, max_size=12))
def test_hhi_bounds_and_order_invariance(values):
    con = _con()
    df = pd.DataFrame({"g": "A", "partner": [f"P{i:02d}" for i in range(len(values))],
                       "value": values})
    h = con.execute(hhi(to_table(con, df, "p"), by=["g"]))["hhi"].iloc[0]
    n = len(values)
    assert 1 / n - 1e-12 <= h <= 1 + 1e-12
    rev = con.execute(hhi(to_table(con, df.iloc[::-1], "p"), by=["g"]))["hhi"].iloc[0]
    assert rev == pytest.approx(h)


@given(st.integers(min_value=1, max_value=20))
def test_equal_shares_give_one_over_n(n):
    con = _con()
    df = pd.DataFrame({"g": "A", "partner": [f"P{i}" for i in range(n)], "value": 5.0})
    assert con.execute(hhi(to_table(con, df, "p"), by=["g"]))["hhi"].iloc[0] == \
        pytest.approx(1 / n)


def test_unknown_engine_is_an_option_error():
    with pytest.raises(OptionError, match="expecting one of"):
        connect("postgres")
