"""Equal distance from the ideal points on the real datasets in ../shared/data (skipped where
they are absent): the UN roll calls end in 2022 (3 votes), the Bailey-Strezhnev-Voeten ideal
points in 2023, so Kazakhstan's 2022 and 2023 take the ideal-point spread; the expected value
is recomputed here from the panel's kappa and ideal-distance rows."""

from __future__ import annotations

import duckdb
import pytest
from conftest import shared_path

from equipoise import panel
from equipoise.doctrine.model import load_doctrine
from equipoise.panel.index import IDEAL_CAL_YEARS, balance_index
from equipoise.panel.peers import default_peers, peer_table

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

POLES = ("CHN", "USA", "RUS", "EU27")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    data = shared_path()
    for folder in ("unvotes", "unga-votes-undl-1992-2022", "unga-ideal-points",
                   "sipri-arms-transfers", "imf-dip-fdi"):
        shared_path(folder)
    db = tmp_path_factory.mktemp("realipd") / "w.duckdb"
    panel.build(data, db, start=2015, end=2023, poles=["CHN", "USA", "RUS", "EU27"])
    return db


def _spread(con, indicator: str, year: int) -> float:
    v = [r[0] for r in con.execute(
        "SELECT value FROM panel WHERE focal = 'KAZ' AND indicator = ? AND year = ? AND "
        "status = 'ok' AND partner IN ('CHN', 'USA', 'RUS', 'EU27')",
        [indicator, year]).fetchall()]
    assert len(v) == len(POLES), (indicator, year, v)
    return max(v) - min(v)


def test_kaz_2023_equal_distance_from_ideal_points_by_hand(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        # no state has an ok kappa in 2022 (3 roll calls) or 2023 (none)
        n_ok = con.execute("SELECT count(*) FROM panel WHERE indicator = "
                           "'political.unga.kappa' AND status = 'ok' AND year >= 2022"
                           ).fetchall()[0][0]
        assert n_ok == 0
        cal = range(2022 - IDEAL_CAL_YEARS, 2022)  # 2017-2021: the five latest with both
        k = sum(_spread(con, "political.unga.kappa", y) for y in cal)
        d = sum(_spread(con, "political.unga.ideal_distance", y) for y in cal)
        d23 = _spread(con, "political.unga.ideal_distance", 2023)
    finally:
        con.close()
    want = 1 - min(2.0, k / d * d23) / 2
    res = balance_index(db, states=["KAZ"], start=2021, end=2023, reps=0, doctrine=load_doctrine())
    recs = {r["year"]: r for r in res.records()}
    assert recs[2021]["equal_distance_measure"] == "kappa"
    assert recs[2023]["equal_distance_measure"] == "ideal_distance"
    assert recs[2023]["components"]["equal_distance"] == pytest.approx(want, rel=1e-12)
    assert want == pytest.approx(0.8444, abs=5e-4)


def test_kaz_2023_has_an_interval_and_a_rank_among_peers(db):
    peers = default_peers("KAZ")
    t = peer_table("KAZ", db, years=[2023], reps=200, seed=1, doctrine=load_doctrine())
    recs = {r["state"]: r for r in t["records"]}
    kaz = recs["KAZ"]
    assert set(recs) == {"KAZ", *peers}
    assert kaz["status"] == "ok" and kaz["equal_distance_measure"] == "ideal_distance"
    assert kaz["lower"] < kaz["index"] < kaz["upper"]
    assert kaz["rank"] is not None and kaz["ranked"] > 100
    assert 1 <= kaz["peer_rank"] <= kaz["peers_ranked"] <= len(peers) + 1
    # every state of the year is on the same measure
    assert {r["equal_distance_measure"] for r in recs.values()} <= {"ideal_distance", None}
