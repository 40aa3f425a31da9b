"""The library refuses absurd counts and years (issue 14), and the blocked bootstrap gives the
same draws as one block."""

import numpy as np
import pytest

from equipoise.errors import OptionError
from equipoise.measures import alignment as al
from equipoise.measures.blocs import bloc_report


@pytest.mark.parametrize("reps", [-1, al.MAX_REPS + 1, 100_000_000])
def test_alignment_refuses_reps_out_of_range(toy_votes, reps):
    with pytest.raises(OptionError, match=r"reps: expecting an integer in 0\.\.100000"):
        al.alignment(toy_votes, focal="KAZ", poles="USA,RUS", reps=reps)


def test_alignment_refuses_negative_min_rollcalls(toy_votes):
    with pytest.raises(OptionError, match="min_rollcalls"):
        al.alignment(toy_votes, focal="KAZ", poles="USA,RUS", min_rollcalls=-1)


def test_blocked_bootstrap_equals_one_block(toy_votes, monkeypatch):
    """Blocks of 3 draws (one roll call per row here: 4 roll calls -> blocks of 1 rep) give
    the same intervals as one block: the generator's stream is consumed in the same order."""
    one = al.alignment(toy_votes, focal="KAZ", poles="USA,RUS,CHN", reps=200, seed=7, min_rollcalls=1)
    monkeypatch.setattr(al, "_BOOT_CELLS", 3)
    blocked = al.alignment(toy_votes, focal="KAZ", poles="USA,RUS,CHN", reps=200, seed=7, min_rollcalls=1)
    for col in ("value", "lower", "upper"):
        np.testing.assert_array_equal(one.series[col].to_numpy(), blocked.series[col].to_numpy())


def test_boot_tables_by_hand():
    """Two roll calls with counts rows [1, 0] and [0, 1]: each replicate is (n0, n1), the
    number of times each roll call was drawn, and n0 + n1 = 2."""
    counts = np.array([[1.0, 0.0], [0.0, 1.0]])
    out = al._boot_tables(np.random.default_rng(0), counts, 50)
    assert out.shape == (50, 2)
    assert set(out.sum(axis=1)) == {2.0}
    assert set(map(tuple, out)) <= {(2.0, 0.0), (1.0, 1.0), (0.0, 2.0)}


@pytest.mark.parametrize(("kw", "name"), [({"year": 99999}, "year"), ({"year": 1000}, "year"),
                                          ({"since": 1}, "since")])
def test_bloc_report_refuses_years_out_of_range(kw, name):
    with pytest.raises(OptionError, match=rf"{name}: expecting a year in 1900\.\.2100"):
        bloc_report("KAZ", "CHN,RUS,USA,EU27", cow_igo=False, **kw)
