"""ICEWS events in the panel on the real netify file in ../shared/data (skipped where it is
absent): the counts add up and KAZ's shares are recomputed here from the raw rows."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from conftest import shared_path

from equipoise import panel

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

FOLDER = "icews-dyadic-netify"
ICEWS = "events.icews.net_cooperation"


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    data = shared_path()
    shared_path(FOLDER)
    db = tmp_path_factory.mktemp("realicews") / "w.duckdb"
    return data, db, panel.build(data, db, only=["events_icews"], poles=["CHN", "USA", "RUS", "EU27"])


def _q(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_counts_add_up(real):
    data, db, _ = real
    raw = pd.read_csv(sorted((data / FOLDER).glob("icews_dyad_year*.csv*"))[0])
    s = _q(db, "SELECT * FROM panel_sources WHERE dataset = 'events_icews'").iloc[0]
    assert s.rows_read == len(raw) == s.rows_loaded + s.rows_quarantined
    years = _q(db, f"SELECT min(year) AS lo, max(year) AS hi, count(DISTINCT focal) AS n "
                   f"FROM panel WHERE indicator = '{ICEWS}'").iloc[0]
    assert (years.lo, years.hi) == (raw.year.min(), raw.year.max())
    assert years.n == len(set(raw.i_iso3c) | set(raw.j_iso3c))


@pytest.mark.parametrize("year", [2002, 2010, 2014])
def test_kaz_shares_by_hand_from_the_raw_rows(real, year):
    data, db, _ = real
    raw = pd.read_csv(sorted((data / FOLDER).glob("icews_dyad_year*.csv*"))[0])
    r = raw[(raw.year == year) & ((raw.i_iso3c == "KAZ") | (raw.j_iso3c == "KAZ"))]
    partner = r.j_iso3c.where(r.i_iso3c == "KAZ", r.i_iso3c)
    net = ((r.verbCoop + r.matlCoop) - (r.verbConf + r.matlConf)).groupby(partner).sum()
    events = (r.verbCoop + r.matlCoop + r.verbConf + r.matlConf).groupby(partner).sum()
    net = net[events > 0]
    pos = net.clip(lower=0)
    want = pos / pos.sum()
    p = _q(db, f"SELECT partner, value, share, status FROM panel WHERE indicator = '{ICEWS}' "
               f"AND focal = 'KAZ' AND year = {year}").set_index("partner")
    assert set(p.index) == set(net.index)
    assert (p.status == "ok").all()
    for c in ("RUS", "CHN", "USA"):
        assert p.loc[c, "value"] == net[c]
        assert p.loc[c, "share"] == pytest.approx(want[c], abs=1e-12)
    assert p.share.sum() == pytest.approx(1.0)
