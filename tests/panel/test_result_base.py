"""TrendResult and IndexResult are results on the one base class
(``equipoise._results.Result``): ``compare()`` of two side by side (numbers checked by hand),
``_repr_html_()`` renders, ``to_dict()`` is plain JSON."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from equipoise._results import Result
from equipoise.panel.index import COMPONENTS, IndexResult
from equipoise.panel.trend import TrendResult


def _row(year, domain, pole, share, lower=None, upper=None, status="ok"):
    return {"year": year, "domain": domain, "pole": pole, "share": share, "lower": lower,
            "upper": upper, "indicators": 2 if lower is not None else 1, "status": status,
            "note": ""}


def _trend(seed: int, late_chn: float, shifts: list) -> TrendResult:
    series = [_row(2019, "trade", "CHN", 0.30, 0.25, 0.35), _row(2019, "trade", "RUS", 0.40),
              _row(2020, "trade", "CHN", late_chn, late_chn - 0.05, late_chn + 0.05),
              _row(2020, "trade", "RUS", 0.35),
              _row(2018, "security", "RUS", 0.60),
              _row(None, "energy", None, None, status="insufficient")]
    return TrendResult("KAZ", ["CHN", "RUS"], series, shifts, candidates=len(shifts) + 1,
                       reps=100, seed=seed, notes=["KAZ <note>"])


def test_trend_compare_by_hand():
    shift = {"domain": "trade", "pole": "CHN", "year": 2020, "before": 0.30, "after": 0.45,
             "before_years": "2012-2019", "after_years": "2020-2020", "test": "permutation",
             "p_value": 0.01, "penalty": 0.1}
    a, b = _trend(1, 0.45, [shift]), _trend(2, 0.32, [])
    assert isinstance(a, Result)
    df = a.compare(b)
    assert df.columns.tolist() == ["KAZ seed 1", "KAZ seed 2"]
    # the latest year of each domain with shares: trade 2020, security 2018; energy has none
    assert df.loc["trade.year"].tolist() == [2020, 2020]
    assert df.loc["trade.CHN"].tolist() == pytest.approx([0.45, 0.32])
    assert df.loc["trade.CHN.lower"].tolist() == pytest.approx([0.40, 0.27])
    assert df.loc["trade.RUS"].tolist() == pytest.approx([0.35, 0.35])
    assert "trade.RUS.lower" not in df.index  # one indicator: no band
    assert df.loc["security.year"].tolist() == [2018, 2018]
    assert df.loc["security.RUS"].tolist() == pytest.approx([0.60, 0.60])
    assert not any(k.startswith("energy") for k in df.index)
    assert df.loc["candidates"].tolist() == [2, 1] and df.loc["shifts"].tolist() == [1, 0]
    for key in ("candidates", "shifts", "trade.year"):  # counts and years: ints
        assert [type(v) for v in df.loc[key]] == [int, int], key
    rows = {ln.split()[0]: ln.split()[1:] for ln in df.to_string().splitlines()[2:]}
    assert rows["candidates"] == ["2", "1"] and rows["trade.year"] == ["2020", "2020"]
    assert df.loc["shift.trade.CHN.2020", "KAZ seed 1"] == pytest.approx(0.15)
    assert math.isnan(df.loc["shift.trade.CHN.2020", "KAZ seed 2"])
    text = a.summary()
    assert text.splitlines()[0] == "Trend of KAZ's pole shares (ok; 1 shift(s) of 2 candidate(s))"
    assert "  trade.year" in text and " 2020\n" in text  # a year, not "2,020"
    assert text.endswith("note: KAZ <note>")
    d = json.loads(json.dumps(a.to_dict()))
    assert d["shifts"][0]["after"] == 0.45 and d["series"][-1]["status"] == "insufficient"
    h = a._repr_html_()
    assert "<caption>Level shifts</caption>" in h and "KAZ &lt;note&gt;" in h
    assert "<td>trade</td><td>2020</td><td>CHN</td><td>0.450</td>" in h


def _index(seed: int, kaz: float, uzb: float | None) -> IndexResult:
    rows = [("KAZ", 2020, kaz, kaz - 0.1, kaz + 0.1, 1 if uzb is None or kaz > uzb else 2, "ok"),
            ("UZB", 2020, uzb, None, None, None if uzb is None else (2 if kaz > uzb else 1),
             "ok" if uzb is not None else "insufficient"),
            ("KAZ", 2019, 0.5, 0.4, 0.6, 1, "ok")]
    frame = pd.DataFrame([{"state": s, "year": y, "index": i, "lower": lo, "upper": hi,
                           "rank": rk, "ranked": 1 if uzb is None and y == 2020 else
                           (2 if y == 2020 else 1), "percentile": None, "status": st,
                           **dict.fromkeys(COMPONENTS, 0.5), "equal_distance_measure": "kappa",
                           "domains": 3, "note": ""} for s, y, i, lo, hi, rk, st in rows])
    for c in ("index", "lower", "upper", "rank", "percentile"):
        frame[c] = pd.to_numeric(frame[c])
    return IndexResult(frame, ["CHN", "RUS", "USA", "EU27"], {"trade": 1.0},
                       dict.fromkeys(COMPONENTS, 0.25), reps=50, seed=seed, notes=["n <1>"])


def test_index_compare_by_hand():
    a, b = _index(1, 0.7, 0.6), _index(2, 0.55, None)
    assert isinstance(a, Result)
    df = a.compare(b)
    assert df.columns.tolist() == ["seed 1, 50 reps", "seed 2, 50 reps"]
    assert df.loc["KAZ.2020.index"].tolist() == pytest.approx([0.7, 0.55])
    assert df.loc["KAZ.2020.lower"].tolist() == pytest.approx([0.6, 0.45])
    assert df.loc["KAZ.2020.rank"].tolist() == [1, 1]
    assert [type(v) for v in df.loc["KAZ.2020.rank"]] == [int, int]
    assert df.loc["UZB.2020.index", "seed 1, 50 reps"] == pytest.approx(0.6)
    assert df.loc["UZB.2020.rank", "seed 1, 50 reps"] == 2
    assert math.isnan(df.loc["UZB.2020.index", "seed 2, 50 reps"])  # insufficient: no index
    assert "UZB.2020.lower" not in df.index  # no interval in either
    assert df.loc["KAZ.2019.index"].tolist() == [0.5, 0.5]
    text = a.summary()
    assert text.splitlines()[0] == ("Balance index: 2 state(s), 3 state-year(s), poles CHN, "
                                    "RUS, USA, EU27")
    assert "  KAZ 2020: 0.700 [0.600, 0.800], rank 1 of 2 (ok)" in text
    assert "  UZB 2020: 0.600, rank 2 of 2 (ok)" in text and text.endswith("note: n <1>")
    assert "  UZB 2020: n/a (insufficient)" in b.summary()
    d = json.loads(json.dumps(a.to_dict()))
    assert [r["state"] for r in d["records"]] == ["KAZ", "UZB", "KAZ"]
    h = a._repr_html_()
    assert "<caption>Index, latest year first</caption>" in h and "n &lt;1&gt;" in h
    assert "<td>KAZ</td><td>2020</td><td>0.700</td>" in h


def test_index_summary_and_html_are_bounded():
    a = _index(1, 0.7, 0.6)
    big = pd.concat([a.frame.assign(state="S" + a.frame["state"] + f"{i:02d}")
                     for i in range(30)], ignore_index=True)
    r = IndexResult(big, a.poles, a.domain_weights, a.component_weights, 50, 1)
    assert len(r.summary_numbers()) == 30 * (4 + 2 + 4)  # every record's numbers
    assert r.summary().count("\n  S") == IndexResult.SHOWN
    assert r.summary().splitlines()[-1] == f"  ... and {90 - IndexResult.SHOWN} more record(s)"
    assert f"(first {IndexResult.SHOWN}; {90 - IndexResult.SHOWN} more)" in r._repr_html_()
