"""Alignment measures on a hand-made vote table, and analytical properties."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from equipoise.errors import NoDataError, OptionError, UnknownCountryError
from equipoise.measures.alignment import alignment, measure_from_tables


def _val(res, period, pole):
    s = res.series
    return s[(s["period"] == period) & (s["pole"] == pole)]["value"].item()


def test_exact_agreement_by_hand(toy_votes):
    r = alignment(toy_votes, focal="KAZ", poles="USA,RUS,CHN", by="year", measure="agree",
                  reps=0)
    # 2010: KAZ votes y, y, a, n.  USA n, y, n, y -> 1 of 4 alike.
    assert _val(r, 2010, "USA") == pytest.approx(1 / 4)
    # RUS y, y, a, n -> 4 of 4.
    assert _val(r, 2010, "RUS") == pytest.approx(1.0)
    # CHN y, y, y, absent -> 2 of 3 (absence excluded).
    assert _val(r, 2010, "CHN") == pytest.approx(2 / 3)
    # 2011: KAZ absent -> no common roll call, no row.
    assert (r.series["period"] == 2011).sum() == 0
    e = r.equidistance.set_index("period").loc[2010]
    assert e["value"] == pytest.approx(1 - 1 / 4)
    assert e["closest"] == "RUS" and e["farthest"] == "USA"


def test_eu_pooled_over_members(toy_votes):
    r = alignment(toy_votes, focal="KAZ", poles="EU27", by="year", measure="agree", reps=0)
    # pairs: DEU y/y/n/y vs KAZ y/y/a/n -> 2 of 4; FRA a/y/absent/y vs y/y/a/n -> 1 of 3.
    assert _val(r, 2010, "EU27") == pytest.approx(3 / 7)
    assert r.series["n_pairs"].item() == 7


def test_coincidence_s_kappa_by_hand(toy_votes):
    kw = dict(focal="KAZ", poles="USA", by="year", reps=0)
    # KAZ vs USA: (y,n) (y,y) (a,n) (n,y). identical yes/no = 1, opposite = 2.
    assert _val(alignment(toy_votes, measure="coincidence", **kw), 2010, "USA") == \
        pytest.approx(1 / 3)
    # S: |diffs| on scale yes=0, abs=1, no=2: 2, 0, 1, 2 -> 1 - 2*5/(4*2) = -0.25
    assert _val(alignment(toy_votes, measure="s", **kw), 2010, "USA") == pytest.approx(-0.25)
    # kappa: po = 1/4; KAZ marginals y 2/4, a 1/4, n 1/4; USA y 2/4, a 0, n 2/4.
    pe = 0.5 * 0.5 + 0.25 * 0 + 0.25 * 0.5
    assert _val(alignment(toy_votes, measure="kappa", **kw), 2010, "USA") == \
        pytest.approx((0.25 - pe) / (1 - pe))


def test_bootstrap_seeded_and_joint(toy_votes):
    kw = dict(focal="KAZ", poles="USA,RUS,CHN", by="year", measure="agree", reps=200)
    a = alignment(toy_votes, seed=3, **kw)
    b = alignment(toy_votes, seed=3, **kw)
    assert a.series.equals(b.series) and a.equidistance.equals(b.equidistance)
    s = a.series
    assert (s["lower"] <= s["value"] + 1e-12).all() and (s["value"] <= s["upper"] + 1e-12).all()
    # RUS agrees on every roll call: every resample gives 1.
    assert s[s["pole"] == "RUS"][["lower", "upper"]].to_numpy().tolist() == [[1.0, 1.0]]
    e = a.equidistance.iloc[0]
    assert 0 <= e["lower"] <= e["upper"] <= 1


def test_by_all_and_session(toy_votes):
    r = alignment(toy_votes, focal="KAZ", poles="USA", by="all", measure="agree", reps=0)
    assert r.series["period"].tolist() == ["2010-2010"]
    r = alignment(toy_votes, focal="KAZ", poles="USA", by="session", measure="agree", reps=0)
    assert r.series["period"].tolist() == [65]


def test_options_checked(toy_votes):
    with pytest.raises(OptionError, match="expecting one of"):
        alignment(toy_votes, focal="KAZ", poles="USA", measure="pearson")
    with pytest.raises(OptionError):
        alignment(toy_votes, focal="KAZ", poles="USA", by="decade")
    with pytest.raises(UnknownCountryError, match="XXK"):
        alignment(toy_votes, focal="KAZ", poles="USA,XXK")
    with pytest.raises(NoDataError, match="MNG"):
        alignment(toy_votes, focal="MNG", poles="USA")


def test_json_shape(toy_votes):
    d = alignment(toy_votes, focal="KAZ", poles="USA,RUS", reps=50).to_dict()
    assert d["focal"] == "KAZ" and d["measure"] == "agree"
    assert set(d["series"][0]) >= {"period", "pole", "value", "lower", "upper"}
    assert set(d["equidistance"][0]) >= {"period", "value", "lower", "upper"}


tables = st.lists(st.integers(0, 20), min_size=9, max_size=9).map(
    lambda v: np.array(v, dtype=float).reshape(3, 3)).filter(lambda t: t.sum() > 0)


@given(tables)
def test_measure_ranges(t):
    a = measure_from_tables(t, "agree")
    s = measure_from_tables(t, "s")
    k = measure_from_tables(t, "kappa")
    assert 0 <= a <= 1
    assert -1 - 1e-12 <= s <= 1 + 1e-12
    assert np.isnan(k) or k <= 1 + 1e-12
    c = measure_from_tables(t, "coincidence")
    assert np.isnan(c) or 0 <= c <= 1


@given(tables)
def test_identical_voting_is_perfect(t):
    diag = np.diag(t.sum(axis=1))
    assert measure_from_tables(diag, "agree") == 1
    assert measure_from_tables(diag, "s") == pytest.approx(1)
    k = measure_from_tables(diag, "kappa")
    assert np.isnan(k) or k == pytest.approx(1)  # NaN only if one category


@given(tables)
def test_symmetric_in_the_two_states(t):
    for m in ("agree", "coincidence", "s", "kappa"):
        a, b = measure_from_tables(t, m), measure_from_tables(t.T, m)
        assert (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b)


def test_embedded_fallback_without_votes(monkeypatch, tmp_path):
    """No votes anywhere: the embedded agreement rows, without intervals."""
    monkeypatch.setenv("EQUIPOISE_SHARED_DATA", str(tmp_path / "none"))
    monkeypatch.delenv("EQUIPOISE_VOTES", raising=False)
    from equipoise import context

    r = alignment(context.votes_source, focal="KAZ", poles="CHN,RUS,USA", start=2023, end=2023,
                  by="year", fallback=context.load_default)
    s = r.series.set_index("pole")["value"]
    # BSV session 78 (2023): USAgree 0.2531646, RUSSAgree 0.556962, ChinaAgree 0.7435897
    assert s["USA"] == pytest.approx(0.2531646, abs=1e-6)
    assert s["CHN"] == pytest.approx(0.7435897, abs=1e-6)
    assert r.series["lower"].isna().all()
    with pytest.raises(NoDataError):
        alignment(context.votes_source, focal="KAZ", poles="USA", measure="kappa",
                  fallback=context.load_default)
    with pytest.raises(NoDataError):
        alignment(None, focal="KAZ", poles="USA", measure="kappa")
    # the measure does not fall back on the embedded rows by itself: its caller passes them
    with pytest.raises(NoDataError, match="no UN votes found"):
        alignment(context.votes_source, focal="KAZ", poles="CHN,RUS,USA", by="year")


def test_equidistance_interval_is_joint(toy_frame):
    """Two poles that vote identically: every replicate resamples the same roll calls for both,
    so their spread is 0 in every replicate (independent resampling would give spread > 0)."""
    from equipoise.sources.unvotes import votes_from_frame

    twin = toy_frame[toy_frame["country"] == "USA"].assign(country="CAN")
    vs = votes_from_frame(pd.concat([toy_frame, twin], ignore_index=True))
    r = alignment(vs, focal="KAZ", poles="USA,CAN", by="year", measure="agree", reps=300,
                  seed=5)
    e = r.equidistance.iloc[0]
    assert (e["value"], e["lower"], e["upper"]) == (0.0, 0.0, 0.0)
    s = r.series
    assert s[s.pole == "USA"]["upper"].item() > s[s.pole == "USA"]["lower"].item()
