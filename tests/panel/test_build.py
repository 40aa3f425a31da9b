"""panel build and panel show on small datasets in the published layouts (values by hand)."""

from __future__ import annotations

import duckdb
import pytest

from equipoise import panel
from equipoise.errors import DatasetMissingError, NoDataError, OptionError, UnknownCountryError
from equipoise.panel import builder as build_mod

from .layouts import write_all


@pytest.fixture
def data(tmp_path):
    return write_all(tmp_path / "data")


@pytest.fixture
def built(data, tmp_path):
    db = tmp_path / "w.duckdb"
    report = panel.build(data, db, embedded=False, poles=["CHN", "USA", "RUS", "EU27"])  # the synthetic rows only
    return db, report


def _rows(db, sql, args=()):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(args)).df()
    finally:
        con.close()


def _one(df, **kw):
    sel = df
    for k, v in kw.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (kw, sel)
    return sel.iloc[0]


def test_cow_trade_shares_against_the_national_total(built):
    db, _ = built
    df = panel.show("KAZ", db, domain="trade", year=2010)
    imp = df[df.indicator == "trade.goods.import"]
    # KAZ imports 2010 (USD mn): CHN 300, RUS 400, USA 100, DEU 0; COW National total 1000
    assert _one(imp, partner="CHN").share == pytest.approx(0.3)
    assert _one(imp, partner="RUS").share == pytest.approx(0.4)
    assert _one(imp, partner="USA").share == pytest.approx(0.1)
    assert _one(imp, partner="DEU").share == 0.0  # a recorded 0, kept as 0
    wld = _one(imp, partner="WLD")
    assert wld.value == pytest.approx(1.0) and wld.share == 1.0  # USD bn
    assert set(imp.basis) == {"wld"} and set(imp.status) == {"ok"}
    assert imp.coverage.iloc[0] == pytest.approx(0.8)  # 800 of 1000
    exp = df[df.indicator == "trade.goods.export"]
    # KAZ exports = the partners' imports from KAZ: CHN 500, RUS 200, USA 100 (DEU's is -9);
    # national exports 900
    assert _one(exp, partner="CHN").share == pytest.approx(500 / 900)
    assert _one(exp, partner="RUS").share == pytest.approx(200 / 900)
    assert "DEU" not in set(exp.partner)
    assert exp.coverage.iloc[0] == pytest.approx(800 / 900)
    assert "COW Dyadic Trade v4.0" in imp.source.iloc[0]
    assert "COW National Trade v4.0" in imp.source.iloc[0]


def test_no_total_is_insufficient_not_zero(built):
    db, _ = built
    # CHN has no national row; RUS's is -9 (quarantined): shares unknown, never 0
    for focal in ("CHN", "RUS"):
        df = panel.show(focal, db, domain="trade")
        assert set(df.status) == {"insufficient"}
        assert df.share.isna().all()
        assert (df.note == "no WLD total for this state and year").all()


def test_sipri_five_year_window(built):
    db, _ = built
    df = panel.show("KAZ", db, domain="security")
    # 2010: window 2006-2010: RUS 10+20+30 = 60, USA 40
    assert _one(df, year=2010, partner="RUS").share == pytest.approx(0.6)
    assert _one(df, year=2010, partner="USA").share == pytest.approx(0.4)
    assert _one(df, year=2010, partner="RUS").status == "ok"
    # 2008: window 2004-2008: CHN 50, RUS 10+20
    assert _one(df, year=2008, partner="CHN").share == pytest.approx(50 / 80)
    # 2007: window 2003-2007 starts before the file's first delivery year (2004): partial
    r = _one(df, year=2007, partner="CHN")
    assert r.share == pytest.approx(50 / 60) and r.status == "partial"
    assert r.coverage == pytest.approx(0.8)
    # nothing after the file's last delivery year, and the non-state actor is quarantined
    assert df.year.max() == 2010
    q = _rows(db, "SELECT * FROM panel_quarantine WHERE dataset = 'security'")
    assert list(q.reason) == ["non_state_actor"]


def test_un_agreement_and_kappa_by_hand(built):
    db, _ = built
    df = panel.show("KAZ", db, domain="political", year=2010)
    # KAZ v USA over 12 roll calls: alike on 3 -> 0.25; marginals KAZ yes 8 no 2 abstain 2,
    # USA yes 4 no 7 abstain 1: p_e = (32 + 14 + 2) / 144 = 1/3; kappa = (1/4 - 1/3)/(2/3)
    usa = df[df.partner == "USA"]
    assert _one(usa, indicator="political.unga.agreement").value == pytest.approx(0.25)
    assert _one(usa, indicator="political.unga.kappa").value == pytest.approx(-0.125)
    # EU27 = the plurality of DEU, FRA, ITA; roll call 8 is a 1-1-1 tie (no EU position):
    # 11 roll calls, 5 alike; p_e = (7*5 + 2*3 + 2*3) / 121 = 47/121 -> kappa 8/74
    eu = df[df.partner == "EU27"]
    a = _one(eu, indicator="political.unga.agreement")
    assert a.value == pytest.approx(5 / 11)
    assert a.coverage == pytest.approx(11 / 12)
    assert _one(eu, indicator="political.unga.kappa").value == pytest.approx(8 / 74)
    assert "plurality of the EU member states" in a.source
    assert df.share.isna().all() and set(df.basis) == {"common_rollcalls"}


def test_political_matches_a_plain_python_count(built):
    """Every (focal, pole) agreement of the grouped query equals a direct count."""
    from .layouts import VOTERS, VOTES

    db, _ = built
    iso = dict(zip(VOTERS, ("KAZ", "CHN", "RUS", "USA", "DEU", "FRA", "ITA"), strict=True))
    df = _rows(db, "SELECT * FROM panel WHERE indicator = 'political.unga.agreement'")
    for focal_i, focal in enumerate(iso.values()):
        for pole_i, pole in ((1, "CHN"), (2, "RUS"), (3, "USA")):
            if focal == pole:
                continue
            pairs = [(v[focal_i], v[pole_i]) for v in VOTES.values()
                     if v[focal_i] is not None and v[pole_i] is not None]
            want = sum(a == b for a, b in pairs) / len(pairs)
            assert _one(df, focal=focal, partner=pole).value == pytest.approx(want)
    assert not ((df.focal == "USA") & (df.partner == "USA")).any()


def test_few_roll_calls_are_insufficient(data, tmp_path):
    db = tmp_path / "w.duckdb"
    panel.build(data, db, only=["political"], poles=["CHN", "USA", "RUS", "EU27"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build_mod, "MIN_ROLLCALLS", 13)
        panel.build(data, db, only=["political"], poles=["CHN", "USA", "RUS", "EU27"])
    df = panel.show("KAZ", db)
    assert set(df.status) == {"insufficient"}
    assert df.note.str.contains("fewer than 13").all()


def test_finance_among_reporting_economies(built):
    db, _ = built
    df = panel.show("KAZ", db, domain="finance")
    assert _one(df, partner="CHN").share == pytest.approx(0.6)
    assert _one(df, partner="USA").share == pytest.approx(0.3)
    assert set(df.basis) == {"reporting_economies"}
    assert "CHN, DEU, USA" in df.note.iloc[0]
    usa = panel.show("USA", db, domain="finance")
    assert _one(usa, partner="CHN").share == pytest.approx(0.1)
    assert _one(usa, partner="WLD").value == pytest.approx(1.0)  # USD bn
    assert set(usa.basis) == {"wld"}


def test_counts_add_up_and_are_stored(built):
    db, report = built
    src = _rows(db, "SELECT * FROM panel_sources")
    assert (src.rows_read == src.rows_loaded + src.rows_quarantined).all()
    assert set(src.dataset) == {"trade", "security", "political", "finance"}
    b = _rows(db, "SELECT * FROM panel_builds")
    assert len(b) == 1 and int(b.rows[0]) == report.rows
    assert report.rows == int(_rows(db, "SELECT count(*) AS n FROM panel").n[0])


def test_rebuild_is_idempotent(built, data):
    db, _ = built
    q = "SELECT * FROM panel ORDER BY ALL"
    before = _rows(db, q)
    panel.build(data, db, embedded=False, poles=["CHN", "USA", "RUS", "EU27"])
    after = _rows(db, q)
    assert before.equals(after)
    assert len(_rows(db, "SELECT * FROM panel_builds")) == 1


def test_failed_build_changes_nothing(built, data, monkeypatch):
    db, _ = built
    before = _rows(db, "SELECT * FROM panel ORDER BY ALL")

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(build_mod, "STEPS", {**build_mod.STEPS, "finance": boom})
    with pytest.raises(RuntimeError, match="disk on fire"):
        panel.build(data, db, start=2010, end=2010, poles=["CHN", "USA", "RUS", "EU27"])
    assert before.equals(_rows(db, "SELECT * FROM panel ORDER BY ALL"))


def test_missing_dataset_names_it_and_changes_nothing(built, data):
    db, _ = built
    before = _rows(db, "SELECT * FROM panel ORDER BY ALL")
    import shutil

    shutil.rmtree(data / "sipri-arms-transfers")
    with pytest.raises(DatasetMissingError) as ei:
        panel.build(data, db, poles=["CHN", "USA", "RUS", "EU27"])
    msg = str(ei.value)
    assert "security dataset" in msg and "SIPRI" in msg and "docs/sources.md" in msg
    assert "sipri-arms-transfers" in msg
    assert before.equals(_rows(db, "SELECT * FROM panel ORDER BY ALL"))
    # the other domains still build with --only
    panel.build(data, db, only=["trade", "political"], poles=["CHN", "USA", "RUS", "EU27"])
    assert set(_rows(db, "SELECT DISTINCT domain FROM panel").domain) == {"trade", "political"}


def test_years_and_options(data, tmp_path):
    db = tmp_path / "w.duckdb"
    with pytest.raises(OptionError, match="--from 2011 is after --to 2010"):
        panel.build(data, db, start=2011, end=2010, poles=["CHN", "USA", "RUS", "EU27"])
    with pytest.raises(OptionError, match="not panel domains"):
        panel.build(data, db, only=["weather"], poles=["CHN", "USA", "RUS", "EU27"])
    r = panel.build(data, db, start=2008, end=2009, only=["security"], poles=["CHN", "USA", "RUS", "EU27"])
    assert (r.year_from, r.year_to) == (2008, 2009)
    df = panel.show("KAZ", db)
    assert set(df.year) == {2008, 2009}


def test_show_errors(built):
    db, _ = built
    with pytest.raises(UnknownCountryError, match="'XXX' is not an ISO3"):
        panel.show("XXX", db)
    with pytest.raises(NoDataError, match=r"no rows for KAZ with years 1990-1990.*trade 2010"):
        panel.show("KAZ", db, year=1990)
    with pytest.raises(OptionError, match="--year cannot be combined"):
        panel.show("KAZ", db, year=2010, start=2009)
