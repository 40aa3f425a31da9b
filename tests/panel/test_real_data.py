"""The panel built from the real datasets in ../shared/data (skipped where they are absent).

The build reads about 2.3 million input rows (10-40 s on the project's 2-core machines), so
the module is marked slow.
"""

from __future__ import annotations

import csv
import gzip

import duckdb
import pytest
from conftest import shared_path

from equipoise import panel
from equipoise.doctrine.model import load_doctrine
from equipoise.panel.index import balance_index

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    data = shared_path()
    for folder in ("cow-atop-peacesciencer", "sipri-arms-transfers", "unvotes", "imf-dip-fdi"):
        shared_path(folder)
    db = tmp_path_factory.mktemp("real") / "w.duckdb"
    report = panel.build(data, db, poles=["CHN", "USA", "RUS", "EU27"])
    return data, db, report


def _cow_rows(path, keep):
    with gzip.open(path, "rt", newline="") as fh:
        return [r for r in csv.DictReader(fh) if keep(r)]


def test_kaz_2010_trade_share_by_hand(real):
    data, db, _ = real
    cow = data / "cow-atop-peacesciencer"
    # cow_trade_ndy.csv.gz, row "365,705,2010,2578.0,5058.0,...": flow2 = imports of
    # Kazakhstan (705) from Russia (365) = 5,058 mn USD; cow_trade_sy.csv.gz, row
    # "705,2010,23660.48087703,56972.78608892991": Kazakhstan's imports 23,660.48 mn USD
    dy = _cow_rows(cow / "cow_trade_ndy.csv.gz",
                   lambda r: r["year"] == "2010" and (r["ccode1"], r["ccode2"]) == ("365", "705"))
    nat = _cow_rows(cow / "cow_trade_sy.csv.gz",
                    lambda r: r["year"] == "2010" and r["ccode"] == "705")
    want = float(dy[0]["flow2"]) / float(nat[0]["imports"])
    df = panel.show("KAZ", db, indicator="trade.goods.import", year=2010)
    rus = df[df.partner == "RUS"].iloc[0]
    assert rus.share == pytest.approx(want, rel=1e-12)
    assert rus.share == pytest.approx(0.213774, abs=1e-6)
    assert rus.status == "ok" and rus.basis == "wld"
    # China: row "705,710,2010,3966.0,11037.0": KAZ imports 3,966 from CHN, exports 11,037
    chn = df[df.partner == "CHN"].iloc[0]
    assert chn.share == pytest.approx(3966.0 / 23660.48087703)
    exp = panel.show("KAZ", db, indicator="trade.goods.export", year=2010)
    assert exp[exp.partner == "CHN"].share.iloc[0] == pytest.approx(11037.0 / 56972.78608892991)


def test_coverage_of_each_source(real):
    _, db, report = real
    con = duckdb.connect(str(db), read_only=True)
    try:
        span = {d: (a, b) for d, a, b in con.execute(
            "SELECT domain, min(year), max(year) FROM panel WHERE status = 'ok' "
            "AND indicator NOT LIKE 'embedded.%' GROUP BY domain").fetchall()}
        cow = con.execute("SELECT min(year), max(year) FROM panel WHERE status = 'ok' AND "
                          "domain = 'trade' AND source LIKE 'COW Dyadic%'").fetchall()[0]
        src = con.execute("SELECT * FROM panel_sources").df()
        votes = con.execute("SELECT min(year), max(year) FROM panel WHERE status = 'ok' AND "
                            "indicator = 'political.unga.agreement'").fetchall()[0]
    finally:
        con.close()
    assert tuple(cow) == (1992, 2014)              # COW trade stops in 2014
    assert span["trade"] == (1992, 2023)          # then national statistics and Eurostat
    assert span["security"] == (1999, 2024)       # full windows from 1995 + 4
    assert span["political"] == (1992, 2023)      # ideal points: to session 78 (2023)
    assert tuple(votes) == (1992, 2021)           # unvotes to 2019, then the UNDL votes
    # (2022: three votes, too few)
    assert span["finance"] == (2014, 2024)
    assert (src.rows_read == src.rows_loaded + src.rows_quarantined).all()
    assert report.rows > 1_000_000
    # the embedded Kazakhstan rows: their own indicators, counted apart
    assert report.rows_by_domain["embedded"] > 600


def test_kaz_index_and_peers(real):
    _, db, _ = real
    res = balance_index(db, states=["KAZ", "UZB", "MNG", "AZE", "TUR", "VNM", "IND"],
                        start=2010, end=2010, reps=200, seed=1, doctrine=load_doctrine())
    recs = {r["state"]: r for r in res.records()}
    kaz = recs["KAZ"]
    assert kaz["status"] == "ok" and kaz["ranked"] > 100
    assert kaz["lower"] <= kaz["upper"]
    assert 0 <= kaz["index"] <= 1
    # Russia leads KAZ's arms imports 2006-2010 (SIPRI): the security pole share is > 0.5, so
    # the dependency score is below 0.5 + the trade part
    assert kaz["components"]["dependency"] < 0.75


def test_fbic_correlation_2019(real):
    """Reported in docs/methods.md: equipoise's China-versus-West orientation against FBIC's
    china / (china + west) across states in 2019."""
    from equipoise.panel.validate import fbic_comparison

    _, db, _ = real
    path = shared_path("fbic-china-west", "fbic_china_west_by_country_1994_2023.csv.gz")
    out = fbic_comparison(db, path, year=2019)
    shares, votes = out["measures"]["shares"], out["measures"]["votes"]
    assert shares["n"] >= 150 and votes["n"] >= 150
    # measured 2026-11-30: shares r 0.756 (Spearman 0.793), votes r 0.598 (Spearman 0.697)
    assert shares["pearson"] == pytest.approx(0.756, abs=0.01)
    assert votes["pearson"] == pytest.approx(0.598, abs=0.01)
