"""ICEWS events in the panel (issue 12 point 1, events): ``events.icews.net_cooperation`` on a
small file in the netify layout, every share by hand; the counts add up, bad rows are
quarantined with their line, a missing folder is named, a failing step changes nothing, and
the balance index reads the indicator (alone and beside GDELT in the same year)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from equipoise import panel
from equipoise.doctrine.model import load_doctrine
from equipoise.errors import DatasetMissingError, SchemaError
from equipoise.panel import builder as build_mod
from equipoise.panel.index import balance_index
from equipoise.sources import icews

from .layouts import _write

HDR = ["i", "j", "i_iso3c", "j_iso3c", "year", "verbCoop", "matlCoop", "verbConf", "matlConf"]
NAMES = {"KAZ": "Kazakhstan", "RUS": "Russian Federation", "CHN": "China",
         "USA": "United States", "UZB": "Uzbekistan", "DEU": "Germany"}


def _r(a, b, year, vc, mc, vk, mk):
    return (NAMES.get(a, a), NAMES.get(b, b), a if a in NAMES else "", b if b in NAMES else "",
            year, vc, mc, vk, mk)


# 2010, both directions summed per pair (coop = verbal + material cooperation, conflict =
# verbal + material conflict):
#   KAZ-RUS: KAZ>RUS 10+2 coop, 1 conflict; RUS>KAZ 5 coop, 2+1 conflict -> 17 - 4 = net 13
#   KAZ-CHN: 4+1 and 2 coop                                               -> 7 - 0 = net 7
#   KAZ-USA: 1 coop, 3 conflict; 2+1 conflict                             -> 1 - 6 = net -5
#   KAZ-UZB: no event either way                                          -> no row
#   RUS-CHN: 3 coop                                                       -> net 3
#   DEU-USA: 0 coop, 1 conflict                                           -> net -1
# KAZ: positive parts 13 + 7 = 20 -> RUS 13/20 = 0.65, CHN 7/20 = 0.35, USA 0 (net conflict)
# RUS: KAZ 13, CHN 3 -> 13/16, 3/16; CHN: KAZ 7, RUS 3 -> 0.7, 0.3
# USA: KAZ -5, DEU -1 -> no positive part: insufficient; DEU likewise
# UZB: in the file, no event at all -> one insufficient row per pole (CHN, USA, RUS, EU27)
# 2011: KAZ>RUS 3 coop -> KAZ: RUS 1.0
ROWS = [
    _r("KAZ", "RUS", 2010, 10, 2, 1, 0),    # line 2
    _r("RUS", "KAZ", 2010, 5, 0, 2, 1),     # line 3
    _r("KAZ", "CHN", 2010, 4, 1, 0, 0),     # line 4
    _r("CHN", "KAZ", 2010, 2, 0, 0, 0),     # line 5
    _r("KAZ", "USA", 2010, 1, 0, 3, 0),     # line 6
    _r("USA", "KAZ", 2010, 0, 0, 2, 1),     # line 7
    _r("KAZ", "UZB", 2010, 0, 0, 0, 0),     # line 8
    _r("UZB", "KAZ", 2010, 0, 0, 0, 0),     # line 9
    _r("RUS", "CHN", 2010, 3, 0, 0, 0),     # line 10
    _r("DEU", "USA", 2010, 0, 0, 1, 0),     # line 11
    _r("KAZ", "RUS", 2011, 3, 0, 0, 0),     # line 12
    # quarantined
    _r("Atlantis", "KAZ", 2010, 1, 0, 0, 0),  # line 13: unknown_name (column i)
    _r("KAZ", "KAZ", 2010, 9, 0, 0, 0),       # line 14: self_partner
    _r("KAZ", "RUS", 2010, 99, 0, 0, 0),      # line 15: duplicate_key (line 2 is kept)
    _r("KAZ", "CHN", 2011, -1, 0, 0, 0),      # line 16: negative_value
    _r("KAZ", "CHN", 2012, 2.5, 0, 0, 0),     # line 17: bad_value (not a whole count)
    _r("KAZ", "CHN", 2013, "", 0, 0, 0),      # line 18: missing_value
]
ICEWS = "events.icews.net_cooperation"
FOLDER = "icews-dyadic-netify"
FILE = "icews_dyad_year_2002_2014.csv"


def write_icews(root, rows=ROWS):
    _write(root / FOLDER / FILE, HDR, rows)
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    data = write_icews(tmp_path_factory.mktemp("icews") / "data")
    db = data.parent / "w.duckdb"
    return data, db, panel.build(data, db, only=["events_icews"], poles=["CHN", "USA", "RUS", "EU27"])


def _q(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def _rows(db, focal, year):
    r = _q(db, f"SELECT * FROM panel WHERE indicator = '{ICEWS}' AND focal = '{focal}' AND "
               f"year = {year} ORDER BY partner")
    return {p: row for p, row in zip(r.partner, r.itertuples(), strict=True)}


def test_shares_by_hand(built):
    _, db, report = built
    k = _rows(db, "KAZ", 2010)
    assert sorted(k) == ["CHN", "RUS", "USA"]  # UZB: no event either way, no row
    assert (k["RUS"].value, k["CHN"].value, k["USA"].value) == (13.0, 7.0, -5.0)
    assert k["RUS"].share == pytest.approx(0.65) and k["CHN"].share == pytest.approx(0.35)
    assert k["USA"].share == 0.0
    assert {r.status for r in k.values()} == {"ok"}
    assert {r.basis for r in k.values()} == {"positive_net"}
    assert {r.coverage for r in k.values()} == {1.0}
    assert k["RUS"].note == ("17 cooperation and 4 conflict events, both directions; share of "
                             "the state's positive net cooperation (20)")
    assert k["RUS"].domain == "events"
    assert "Boschee" in k["RUS"].source and FILE in k["RUS"].source
    assert "Duval & Thompson 1980" in k["RUS"].source
    r = _rows(db, "RUS", 2010)
    assert r["KAZ"].share == pytest.approx(13 / 16) and r["CHN"].share == pytest.approx(3 / 16)
    c = _rows(db, "CHN", 2010)
    assert c["KAZ"].share == pytest.approx(0.7) and c["RUS"].share == pytest.approx(0.3)
    assert _rows(db, "KAZ", 2011)["RUS"].share == 1.0
    assert report.rows_by_domain["events_icews"] == len(_q(db, "SELECT * FROM panel"))


def test_no_positive_partner_and_no_event_are_insufficient(built):
    _, db, _ = built
    u = _rows(db, "USA", 2010)
    assert sorted(u) == ["DEU", "KAZ"]
    assert all(r.status == "insufficient" and np.isnan(r.share) for r in u.values())
    assert u["KAZ"].value == -5.0
    assert u["KAZ"].note == "no partner in positive net cooperation with the state this year"
    z = _rows(db, "UZB", 2010)
    assert sorted(z) == ["CHN", "EU27", "RUS", "USA"]
    assert all(r.status == "insufficient" and np.isnan(r.value) for r in z.values())
    assert z["RUS"].note == "no ICEWS event of the state with any partner this year"


def test_counts_and_quarantine(built):
    _, db, _ = built
    s = _q(db, "SELECT * FROM panel_sources WHERE dataset = 'events_icews'").iloc[0]
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (17, 11, 6)
    assert s.rows_read == s.rows_loaded + s.rows_quarantined
    q = _q(db, "SELECT line, \"column\", reason FROM panel_quarantine WHERE dataset = "
               "'events_icews' ORDER BY line")
    assert q.values.tolist() == [
        [13, "i", "unknown_name"], [14, "j", "self_partner"], [15, "year", "duplicate_key"],
        [16, "verbCoop", "negative_value"], [17, "verbCoop", "bad_value"],
        [18, "verbCoop", "missing_value"]]
    f = _q(db, "SELECT DISTINCT file FROM panel_quarantine WHERE dataset = 'events_icews'")
    assert f.file.tolist() == [str(built[0] / FOLDER / FILE)]


def test_reader_frame_and_event_counts_agree(built):
    data = built[0]
    path = data / FOLDER / FILE
    f, c, q = icews.read_frame(path)
    assert (c["rows_read"], c["rows_loaded"], c["rows_quarantined"]) == (17, 11, 6) == (
        c["rows_read"], len(f), len(q))
    ch = next(icews.read(icews.files(data / FOLDER)[0]))  # a folder is accepted too
    assert ch.rows_read == 17 and len(ch.data) == len(f) == 11 and len(ch.quarantine) == 6
    kr = f[(f.reporter == "KAZ") & (f.partner == "RUS") & (f.year == 2010)].iloc[0]
    assert (kr.coop, kr.conflict) == (12, 1)


def test_wrong_layout_is_a_located_error(tmp_path):
    p = tmp_path / FILE
    p.write_text("source,target,year,coop\nKAZ,RUS,2010,1\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"icews_dyad_year_2002_2014\.csv line 1: missing "
                                          r"column\(s\)"):
        icews.read_frame(p)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SchemaError, match="no file matching 'icews_dyad_year"):
        icews.files(tmp_path / "empty")


def test_missing_folder_named_in_only(tmp_path):
    with pytest.raises(DatasetMissingError) as e:
        panel.build(tmp_path, tmp_path / "w.duckdb", only=["events_icews"], poles=["CHN", "USA", "RUS", "EU27"])
    msg = str(e.value)
    assert "the events_icews dataset (ICEWS coded event data" in msg
    assert FOLDER in msg and "docs/sources.md" in msg
    assert not (tmp_path / "w.duckdb").exists()


def test_a_failing_icews_step_changes_nothing(built, monkeypatch):
    data, db, _ = built
    before = _q(db, "SELECT * FROM panel ORDER BY ALL")

    def boom(*a, **k):
        raise RuntimeError("wire cut")

    monkeypatch.setitem(build_mod.STEPS, "events_icews", boom)
    with pytest.raises(RuntimeError, match="wire cut"):
        panel.build(data, db, only=["events_icews"], poles=["CHN", "USA", "RUS", "EU27"])
    after = _q(db, "SELECT * FROM panel ORDER BY ALL")
    assert after.equals(before)


def test_the_index_reads_icews_and_averages_it_with_gdelt(built, tmp_path):
    _, db, _ = built
    res = balance_index(db, states=["KAZ"], start=2010, end=2010, reps=0, doctrine=load_doctrine())
    kaz = res.frame.iloc[0]
    # one domain (events), largest pole share RUS 0.65 -> dependency 1 - 0.65
    assert kaz["dependency"] == pytest.approx(0.35)
    # GDELT in the same year: KAZ-RUS 10, KAZ-CHN 30 -> GDELT shares RUS 0.25, CHN 0.75. The
    # events domain's pole share is the mean over its two indicators: RUS (0.65 + 0.25) / 2 =
    # 0.45, CHN (0.35 + 0.75) / 2 = 0.55 -> dependency 1 - 0.55 = 0.45
    data = write_icews(tmp_path / "data")
    _write(data / "gdelt-dyad-composite" / "gdelt_composite_dyad_year_2018_2024.csv",
           ["year", "iso3_a", "iso3_b", "days_in_year_covered", "net_score_sum"],
           [(2010, "KAZ", "RUS", 365, 10.0), (2010, "KAZ", "CHN", 365, 30.0)])
    db2 = tmp_path / "w2.duckdb"
    panel.build(data, db2, only=["events", "events_icews"], poles=["CHN", "USA", "RUS", "EU27"])
    both = balance_index(db2, states=["KAZ"], start=2010, end=2010, reps=0, doctrine=load_doctrine()).frame.iloc[0]
    assert both["dependency"] == pytest.approx(0.45)


# ------------------------------------------------------------------ property: the shares by hand

STATES = ("KAZ", "CHN", "RUS", "USA", "DEU", "UZB")
count = st.integers(min_value=0, max_value=4)
rows_st = st.dictionaries(
    st.tuples(st.sampled_from([2003, 2010]), st.sampled_from(STATES), st.sampled_from(STATES))
    .filter(lambda k: k[1] != k[2]),
    st.tuples(count, count), min_size=1, max_size=25)


def _by_hand(rows):
    """(focal, year, partner) -> (net, share or None, status) by direct summing."""
    net, events = {}, {}
    for (y, i, j), (coop, conf) in rows.items():
        for a, b in ((i, j), (j, i)):
            net[(a, y, b)] = net.get((a, y, b), 0) + coop - conf
            events[(a, y, b)] = events.get((a, y, b), 0) + coop + conf
    pos = {}
    for (a, y, b), n in net.items():
        if events[(a, y, b)]:
            pos[(a, y)] = pos.get((a, y), 0) + max(n, 0)
    out = {}
    for (a, y, b), n in net.items():
        if events[(a, y, b)]:
            tot = pos[(a, y)]
            out[(a, y, b)] = (n, max(n, 0) / tot if tot else None,
                              "ok" if tot else "insufficient")
    return out, {k for k in pos} | {(a, y) for (a, y, _b) in net}


@given(rows_st)
def test_shares_equal_a_direct_sum(rows):
    from equipoise.panel.datasets import Read

    f = pd.DataFrame([(y, i, j, c, k, "s") for (y, i, j), (c, k) in rows.items()],
                     columns=["year", "reporter", "partner", "coop", "conflict", "source"])
    con = duckdb.connect()
    poles = ["CHN", "USA", "RUS", "EU27"]
    sql = build_mod._events_icews(con, Read("events_icews", {"rows": f}), 2000, 2020, poles)
    got = con.execute(f"SELECT * FROM ({sql})").fetchall()
    con.close()
    want, state_years = _by_hand(rows)
    have = {(r[0], r[1], r[4]): (r[5], r[6], r[9]) for r in got if r[5] is not None}
    assert set(have) == set(want)
    for k, (n, share, status) in want.items():
        assert have[k][0] == n and have[k][2] == status
        assert (have[k][1] is None) if share is None else have[k][1] == pytest.approx(share)
    # a state of the file with no event at all: one insufficient row per other pole, value NULL
    silent = {(r[0], r[1]) for r in got if r[5] is None}
    assert silent == {sy for sy in state_years if not any(k[:2] == sy for k in want)}
    assert all(r[9] == "insufficient" and r[4] != r[0] for r in got if r[5] is None)
