"""Predictability on the same basket: hand-made flow files where an indicator enters.

Trade of MNG. X = trade.goods.turnover, in 2021 and 2022 (shares against the partner sum):
2021 CHN 6 / RUS 4 -> (0.6, 0.4); 2022 CHN 4 / RUS 6 -> (0.4, 0.6); TV = 0.5 * (0.2 + 0.2) = 0.2.
Y = trade.goods.export, 2022 only, all to CHN (of a WLD total of 3: a measured share, not a
single partner by construction, which would be supporting evidence and not enter). Comparing the published 2022 domain shares (X and
Y at weight 1/2: CHN 0.7, RUS 0.3) with 2021's would give TV 0.1; the same-basket volatility is
X's 0.2 alone.
"""

from __future__ import annotations

import math

import pytest

from equipoise.assessment import assess
from equipoise.io.flows import read_flows
from equipoise.measures.exposure import _combine, indicator_shares
from equipoise.measures.predictability import share_volatility

HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source\n"
X = "trade.goods.turnover"
Y = "trade.goods.export"


def _write(tmp_path, rows, name="flows.csv"):
    p = tmp_path / name
    p.write_text(HEADER + "\n".join(",".join(map(str, r)) for r in rows) + "\n",
                 encoding="utf-8")
    return p


def _rows(year, indicator, values):
    return [(year, "MNG", p, "trade", indicator, "", v, "USD bn", "test")
            for p, v in values.items()]


@pytest.fixture
def entering(tmp_path):
    rows = (_rows(2021, X, {"CHN": 6, "RUS": 4}) + _rows(2022, X, {"CHN": 4, "RUS": 6})
            + _rows(2022, Y, {"CHN": 3, "WLD": 3}))
    return read_flows(_write(tmp_path, rows))


def _volatility(flows):
    ish = indicator_shares(flows, "MNG")
    return share_volatility(_combine(ish, None), ish)["trade"]


def test_volatility_uses_only_the_common_indicator(entering):
    v = _volatility(entering)
    assert v["volatility"] == pytest.approx(0.2)
    (c,) = v["changes"]
    assert (c["from"], c["to"]) == (2021, 2022)
    assert c["tv"] == pytest.approx(0.2)
    assert c["tv_published"] == pytest.approx(0.1)
    assert c["compared"] == [X] and c["entering"] == [Y] and c["leaving"] == []
    assert c["same_basket"] is False
    assert c["indicator_years"] == {X: [2021, 2022]}
    assert c["partners_entering"] == [] and c["partners_leaving"] == []


def test_partners_of_the_compared_indicators_entering_are_listed(tmp_path):
    rows = _rows(2021, X, {"CHN": 6, "RUS": 4}) + _rows(2022, X, {"CHN": 4, "USA": 6})
    (c,) = _volatility(read_flows(_write(tmp_path, rows)))["changes"]
    assert c["partners_entering"] == ["USA"] and c["partners_leaving"] == ["RUS"]
    assert c["tv"] == pytest.approx(0.6)  # 0.5 * (0.2 + 0.4 + 0.6)


def test_same_basket_is_true_when_nothing_enters(tmp_path):
    rows = _rows(2021, X, {"CHN": 6, "RUS": 4}) + _rows(2022, X, {"CHN": 4, "RUS": 6})
    (c,) = _volatility(read_flows(_write(tmp_path, rows)))["changes"]
    assert c["same_basket"] is True and c["tv"] == pytest.approx(0.2)
    assert c["tv"] == pytest.approx(c["tv_published"])


def test_no_common_indicator_is_insufficient_not_zero(tmp_path):
    # X in 2021 only, Y in 2027 only (beyond X's lookback and stale age): nothing to compare
    rows = _rows(2021, X, {"CHN": 6, "RUS": 4}) + _rows(2027, Y, {"RUS": 3})
    v = _volatility(read_flows(_write(tmp_path, rows)))
    (c,) = v["changes"]
    assert c["tv"] is None and c["same_basket"] is False
    assert c["entering"] == [Y] and c["leaving"] == [X]
    assert "insufficient data: no indicator in both years" in c["reason"]
    assert math.isnan(v["volatility"]) and v["n_pairs"] == 0 and v["n_insufficient"] == 1
    assert "insufficient data" in v["note"]


def test_carried_figure_is_not_a_change(tmp_path):
    # X 2021 is carried to 2022 by the lookback; Y enters 2022: no indicator has a new figure
    rows = _rows(2021, X, {"CHN": 6, "RUS": 4}) + _rows(2022, Y, {"RUS": 3})
    (c,) = _volatility(read_flows(_write(tmp_path, rows)))["changes"]
    assert c["tv"] is None and c["carried"] == [X] and c["compared"] == []
    assert "no indicator of both years has a newer figure in 2022" in c["reason"]


def test_rule_judges_the_same_basket_and_lists_the_pairs(entering):
    a = assess(entering, focal="MNG")
    (r,) = [r for r in a.rules if r.name == "predictability"]
    assert r.value == {"trade": pytest.approx(0.2)}
    assert r.margin == pytest.approx(a.doctrine.thresholds.max_volatility - 0.2)
    (p,) = r.evidence["pairs"]["trade"]
    assert p["compared"] == [X] and p["entering"] == [Y] and p["same_basket"] is False


def test_rule_skips_an_insufficient_domain_and_says_so(tmp_path):
    rows = (_rows(2021, X, {"CHN": 6, "RUS": 4}) + _rows(2022, X, {"CHN": 4, "RUS": 6})
            + [(y, "MNG", "CHN", "technology", "technology.deals.value", "", 1, "USD bn", "t")
               for y in (2018,)]
            + [(2024, "MNG", "USA", "technology", "technology.vehicles.import", "", 5, "units",
                "t")])
    a = assess(read_flows(_write(tmp_path, rows)), focal="MNG")
    (r,) = [r for r in a.rules if r.name == "predictability"]
    assert set(r.value) == {"trade"}
    assert "technology" in r.evidence["insufficient"]
    assert "insufficient data: technology" in r.description
    assert r.evidence["pairs_skipped"]["technology"][0].startswith("2018-2024: insufficient")
