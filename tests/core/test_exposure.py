"""Shares against WLD with OTH, windows, weighted domain means: hand-computed."""

import warnings

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from equipoise.errors import InconsistentTotalWarning, NoDataError
from equipoise.io.flows import validate_frame
from equipoise.measures.distinctness import normalised_mutual_information
from equipoise.measures.exposure import domain_shares, indicator_shares, pole_share
from equipoise.measures.predictability import share_volatility


def flows(rows):
    df = pd.DataFrame(rows, columns=["year", "reporter", "partner", "domain", "indicator",
                                     "value", "unit"])
    df["product"] = ""
    df["source"] = "test"
    return validate_frame(df)


def test_shares_against_wld_with_oth():
    fs = flows([(2022, "MNG", "CHN", "trade", "trade.goods.turnover", 8, "USD bn"),
                (2022, "MNG", "RUS", "trade", "trade.goods.turnover", 2, "USD bn"),
                (2022, "MNG", "WLD", "trade", "trade.goods.turnover", 20, "USD bn")])
    s = indicator_shares(fs, "MNG").set_index("partner")
    assert s.loc["CHN", "share"] == pytest.approx(0.4)
    assert s.loc["RUS", "share"] == pytest.approx(0.1)
    assert s.loc["OTH", "share"] == pytest.approx(0.5)
    assert set(s["basis"]) == {"WLD"}


def test_shares_without_wld_use_sum():
    fs = flows([(2022, "MNG", "CHN", "trade", "trade.goods.turnover", 3, "USD bn"),
                (2022, "MNG", "RUS", "trade", "trade.goods.turnover", 1, "USD bn")])
    s = indicator_shares(fs, "MNG").set_index("partner")
    assert s.loc["CHN", "share"] == pytest.approx(0.75)
    assert "OTH" not in s.index


def test_explicit_oth_row_is_kept_and_gets_the_remainder():
    fs = flows([(2022, "MNG", "CHN", "trade", "trade.goods.turnover", 8, "USD bn"),
                (2022, "MNG", "OTH", "trade", "trade.goods.turnover", 2, "USD bn"),
                (2022, "MNG", "WLD", "trade", "trade.goods.turnover", 20, "USD bn")])
    s = indicator_shares(fs, "MNG").set_index("partner")
    assert s.loc["OTH", "share"] == pytest.approx(0.6)
    fs = flows([(2022, "MNG", "CHN", "trade", "trade.goods.turnover", 8, "USD bn"),
                (2022, "MNG", "OTH", "trade", "trade.goods.turnover", 2, "USD bn")])
    assert indicator_shares(fs, "MNG").set_index("partner").loc["OTH", "share"] == 0.2


def test_partner_sum_above_wld_warns_and_uses_sum():
    fs = flows([(2022, "MNG", "CHN", "trade", "trade.goods.turnover", 8, "USD bn"),
                (2022, "MNG", "RUS", "trade", "trade.goods.turnover", 4, "USD bn"),
                (2022, "MNG", "WLD", "trade", "trade.goods.turnover", 10, "USD bn")])
    with pytest.warns(InconsistentTotalWarning, match="12 > WLD total 10"):
        s = indicator_shares(fs, "MNG").set_index("partner")
    assert s.loc["CHN", "share"] == pytest.approx(8 / 12)


def test_arms_window_sums_five_years():
    # security.arms.import has a 5-year window: 2020 share = (2016..2020) sums.
    fs = flows([(2015, "MNG", "USA", "security", "security.arms.import", 100, "TIV mn"),
                (2016, "MNG", "RUS", "security", "security.arms.import", 30, "TIV mn"),
                (2018, "MNG", "USA", "security", "security.arms.import", 10, "TIV mn"),
                (2020, "MNG", "RUS", "security", "security.arms.import", 60, "TIV mn")])
    s = indicator_shares(fs, "MNG")
    y2020 = s[s["year"] == 2020].set_index("partner")
    assert y2020.loc["RUS", "share"] == pytest.approx(90 / 100)
    assert y2020.loc["USA", "share"] == pytest.approx(10 / 100)
    assert (y2020["window"] == 5).all()


def test_domain_share_is_weighted_mean_of_indicators():
    fs = flows([(2022, "MNG", "CHN", "trade", "trade.goods.export", 3, "USD bn"),
                (2022, "MNG", "RUS", "trade", "trade.goods.export", 1, "USD bn"),
                (2022, "MNG", "RUS", "trade", "trade.goods.import", 1, "USD bn"),
                (2022, "MNG", "WLD", "trade", "trade.goods.import", 1, "USD bn")])
    d = domain_shares(fs, "MNG").set_index("partner")
    # equal weights: CHN (0.75 + 0) / 2, RUS (0.25 + 1) / 2 (imports: RUS the whole WLD
    # total, a measured 1; without the total it would be single-partner, left out)
    assert d.loc["CHN", "share"] == pytest.approx(0.375)
    assert d.loc["RUS", "share"] == pytest.approx(0.625)
    w = domain_shares(fs, "MNG", weights={"trade.goods.export": 3.0}).set_index("partner")
    assert w.loc["CHN", "share"] == pytest.approx(0.75 * 0.75)


def test_latest_year_per_domain_and_explicit_year():
    fs = flows([(2021, "MNG", "CHN", "trade", "trade.goods.export", 3, "USD bn"),
                (2022, "MNG", "CHN", "trade", "trade.goods.export", 3, "USD bn"),
                (2020, "MNG", "CHN", "energy", "energy.gas.export", 3, "bcm")])
    d = domain_shares(fs, "MNG")
    assert dict(zip(d["domain"], d["year"], strict=True)) == {"trade": 2022, "energy": 2020}
    assert set(domain_shares(fs, "MNG", year=2021)["domain"]) == {"trade"}
    with pytest.raises(NoDataError, match="no domain has data in 1999"):
        domain_shares(fs, "MNG", year=1999)
    with pytest.raises(NoDataError, match="no flows with reporter 'KGZ'"):
        domain_shares(fs, "KGZ")


def test_group_pole_share_sums_members():
    s = {"ITA": 0.2, "NLD": 0.1, "CHN": 0.3, "GBR": 0.1}
    assert pole_share(s, "EU27", 2022) == pytest.approx(0.3)
    # GBR left in 2020: not an EU27 member (the shipped table lists current members only)
    assert pole_share(s, "CHN", 2022) == pytest.approx(0.3)


def test_nmi_hand_values():
    import numpy as np

    assert normalised_mutual_information(np.eye(2)) == pytest.approx(1.0)
    assert normalised_mutual_information(np.array([[1, 1], [1, 1]])) == pytest.approx(0.0)
    # p = [[.5, 0], [.25, .25]]: H(P)=ln2, H(D)=H(.75,.25); I = sum p log p/(pr pc)
    p = np.array([[0.5, 0.0], [0.25, 0.25]])
    pr, pc = p.sum(1), p.sum(0)
    i = sum(p[a, b] * np.log(p[a, b] / (pr[a] * pc[b])) for a in range(2) for b in range(2)
            if p[a, b] > 0)
    hd = -(pc * np.log(pc)).sum()
    assert normalised_mutual_information(p) == pytest.approx(i / np.sqrt(np.log(2) * hd))


def test_volatility_total_variation():
    s = pd.DataFrame({"domain": ["trade"] * 4, "year": [2021, 2021, 2022, 2022],
                      "partner": ["CHN", "RUS", "CHN", "RUS"], "share": [0.6, 0.4, 0.4, 0.6]})
    v = share_volatility(s)["trade"]
    assert v["volatility"] == pytest.approx(0.2)
    assert v["n_pairs"] == 1


@given(st.lists(st.floats(min_value=0.01, max_value=100), min_size=1, max_size=8),
       st.floats(min_value=0.0, max_value=500))
def test_shares_with_oth_sum_to_one(values, extra):
    partners = ["CHN", "RUS", "USA", "TUR", "IND", "JPN", "KOR", "IRN"][: len(values)]
    rows = [(2022, "MNG", p, "trade", "trade.goods.turnover", v, "USD bn")
            for p, v in zip(partners, values, strict=False)]
    rows.append((2022, "MNG", "WLD", "trade", "trade.goods.turnover", sum(values) + extra,
                 "USD bn"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = indicator_shares(flows(rows), "MNG")
    assert s["share"].sum() == pytest.approx(1.0)
    assert (s["share"] >= 0).all()
