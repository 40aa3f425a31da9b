"""``equipoise trend``: bands over indicators, change points confirmed by a permutation test,
"insufficient" with the reason, and the command end to end."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equipoise._cli.main import run
from equipoise.panel.trend import MIN_SIZE, detect_shifts, permutation_p, share_band, trend

from .layouts import build_panel

TRACE = "Traceback (most recent call last)"


def test_share_band_by_hand():
    # one year, two indicators, two poles: the mean is the midpoint; a bootstrap of two
    # indicators draws (a,a), (a,b), (b,a) or (b,b): means a, (a+b)/2 or b, so the 90 % band
    # is [a, b] when a < b (each extreme has probability 1/4 > 5 %)
    x = np.array([[[0.2, 0.6], [0.4, 0.2]]])
    mean, lo, hi = share_band(x, 2000, np.random.default_rng(1))
    assert mean[0] == pytest.approx([0.3, 0.4])
    assert lo[0] == pytest.approx([0.2, 0.2]) and hi[0] == pytest.approx([0.4, 0.6])


def test_share_band_one_indicator_has_no_band_and_nan_slots_are_ignored():
    x = np.array([[[0.5, 0.1], [np.nan, np.nan]],      # year 1: one indicator
                  [[np.nan, np.nan], [0.3, 0.3]]])     # year 2: one indicator, second slot
    mean, lo, hi = share_band(x, 100, np.random.default_rng(0))
    assert mean.tolist() == [[0.5, 0.1], [0.3, 0.3]]
    assert np.isnan(lo).all() and np.isnan(hi).all()


@settings(derandomize=True, max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_share_band_brackets_the_mean(n_years, n_ind, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((n_years, n_ind, 3))
    mean, lo, hi = share_band(x, 300, np.random.default_rng(seed))
    assert np.allclose(mean, x.mean(1))
    if n_ind >= 2:
        assert (lo <= hi + 1e-12).all()
        assert (lo >= x.min(1) - 1e-12).all() and (hi <= x.max(1) + 1e-12).all()


def test_permutation_p_by_hand():
    # 4 vs 4 values completely separated: of the C(8,4) = 70 splits two reach the observed
    # |difference| (the split itself and its mirror), so the exact p is 2/70 = 0.0286
    rng = np.random.default_rng(3)
    p = permutation_p(np.array([0.0, 0.1, 0.0, 0.1]), np.array([1.0, 1.1, 1.0, 1.1]), 20000,
                      rng)
    assert p == pytest.approx(2 / 70, abs=0.004)
    # no difference at all: p is 1
    assert permutation_p(np.ones(4), np.ones(4), 999, rng) == 1.0


def test_detect_shifts_finds_a_clear_step_and_not_noise():
    years = np.arange(2000, 2016)
    rng = np.random.default_rng(7)
    step = np.r_[np.full(8, 0.2), np.full(8, 0.5)] + rng.normal(0, 0.01, 16)
    found, n = detect_shifts(years, step, np.random.default_rng(1))
    assert n >= 1 and [s["year"] for s in found] == [2008]
    s = found[0]
    assert s["before"] == pytest.approx(step[:8].mean()) and s["after"] == pytest.approx(
        step[8:].mean())
    assert s["p_value"] < 0.01 and s["before_years"] == "2000-2007"
    flat = 0.3 + np.random.default_rng(2).normal(0, 0.01, 16)
    assert detect_shifts(years, flat, np.random.default_rng(1))[0] == []
    # a step below the materiality bound (two share points) is not reported
    tiny = np.r_[np.full(8, 0.200), np.full(8, 0.210)]
    assert detect_shifts(years, tiny, np.random.default_rng(1))[0] == []
    # too short for two segments of MIN_SIZE years
    assert detect_shifts(years[:2 * MIN_SIZE - 1], step[:2 * MIN_SIZE - 1],
                         np.random.default_rng(1)) == ([], 0)


def _shares(focal="KAZ"):
    rows = []
    for y in range(2000, 2016):
        rus = 0.6 if y < 2008 else 0.3
        for ind, bump in (("trade.goods.import", 0.05), ("trade.goods.export", -0.05)):
            for pole, v in (("RUS", rus + bump), ("CHN", 0.1), ("USA", 0.05), ("EU27", 0.2)):
                rows.append((focal, y, "trade", ind, pole, v))
    return pd.DataFrame(rows, columns=["focal", "year", "domain", "indicator", "pole",
                                       "share"])


def test_trend_series_and_shift_from_shares():
    res = trend("KAZ", shares=_shares(), reps=200, poles=["CHN", "USA", "RUS", "EU27"])
    ok = [r for r in res.series if r["status"] == "ok"]
    r2000 = next(r for r in ok if r["year"] == 2000 and r["pole"] == "RUS")
    assert r2000["share"] == pytest.approx(0.6)
    assert r2000["lower"] == pytest.approx(0.55) and r2000["upper"] == pytest.approx(0.65)
    shifts = [(s["domain"], s["pole"], s["year"]) for s in res.shifts]
    assert shifts == [("trade", "RUS", 2008)]
    assert res.shifts[0]["before"] == pytest.approx(0.6)
    assert res.shifts[0]["after"] == pytest.approx(0.3)
    # the domains without rows are insufficient with the reason, not absent
    bad = {r["domain"]: r["note"] for r in res.series if r["status"] == "insufficient"}
    assert set(bad) == {"security", "finance", "energy", "institutions", "events"}
    assert "no panel rows with pole shares for KAZ in security" in bad["security"]
    assert res.status == "ok"


def test_trend_state_without_rows_is_insufficient():
    res = trend("MNG", shares=_shares("KAZ"), reps=0, poles=["CHN", "USA", "RUS", "EU27"])
    assert res.status == "insufficient" and res.shifts == []
    assert {r["status"] for r in res.series} == {"insufficient"}
    assert "no panel rows with pole shares for MNG" in res.notes[0]


def test_trend_is_seeded():
    a = trend("KAZ", shares=_shares(), reps=100, seed=5, poles=["CHN", "USA", "RUS", "EU27"]).to_dict()
    b = trend("KAZ", shares=_shares(), reps=100, seed=5, poles=["CHN", "USA", "RUS", "EU27"]).to_dict()
    assert a == b


# ------------------------------------------------------------------ the command
def _run(capsys, *args):
    try:
        run([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    db = build_panel(tmp_path_factory.mktemp("trend"))
    return db


def test_cli_trend_json_csv_xlsx(built, capsys, tmp_path):
    csv_path, xlsx_path = tmp_path / "t.csv", tmp_path / "t.xlsx"
    code, out, err = _run(capsys, "trend", "--focal", "kaz", "--db", built, "--json", "--csv",
                          csv_path, "--xlsx", xlsx_path, "--reps", "50")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["focal"] == "KAZ" and payload["status"] == "ok"
    rec = payload["series"][0]
    assert list(rec)[:7] == ["year", "domain", "pole", "share", "lower", "upper", "indicators"]
    trade10 = {r["pole"]: r["share"] for r in payload["series"]
               if r["domain"] == "trade" and r["year"] == 2010 and r["status"] == "ok"}
    # the fixture: KAZ imports 2010 RUS 0.4 of the total, exports to RUS: see layouts.py
    assert trade10 and all(0 <= v <= 1 for v in trade10.values())
    with csv_path.open() as fh:
        tables = {r["table"] for r in csv.DictReader(fh)}
    assert "series" in tables
    assert xlsx_path.stat().st_size > 0


def test_cli_trend_table(built, capsys):
    code, out, err = _run(capsys, "trend", "--focal", "KAZ", "--db", built, "--reps", "20")
    assert code == 0, err
    assert "pole shares" in out and "level shifts" in out


@pytest.mark.parametrize(("args", "code", "text"), [
    (["--focal", "QQQ"], 2, "'QQQ' is not an ISO3"),
    (["--focal", "KAZ", "--domain", "political"], 2, "trend covers the domains with a share"),
    (["--focal", "KAZ", "--from", "2012", "--to", "2010"], 2, "--from 2012 is after --to 2010"),
    (["--focal", "MNG"], 1, "insufficient: no panel rows with pole shares for MNG"),
    (["--focal", "KAZ", "--from", "2030"], 1, "in 2030-..."),
])
def test_cli_trend_errors(built, capsys, args, code, text):
    got, out, err = _run(capsys, "trend", *args, "--db", built)
    assert got == code and text in err, (out, err)
    assert TRACE not in out + err


def test_cli_trend_without_panel(tmp_path, capsys):
    got, _out, err = _run(capsys, "trend", "--focal", "KAZ", "--db", tmp_path / "empty.duckdb")
    assert got == 2 and "empty.duckdb does not exist" in err and TRACE not in err
