"""Issue 12 point 1 leftovers in the panel, on small files in the published layouts (values by
hand): UN Digital Library votes for the years Voeten's data do not cover, the ideal-point
distance to each pole, GEM gas export and import routes; the build stays atomic and a missing
dataset is named."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from equipoise import panel
from equipoise.errors import DatasetMissingError
from equipoise.panel import builder as build_mod

from .layouts import _write, write_all

# UNDL, 2021 (not in the Voeten fixture, which is 2010 only): 11 recorded votes
#   res:  0  1  2  3  4  5  6  7  8  9  10
#   KAZ:  Y  Y  Y  Y  Y  Y  Y  Y  A  N  X (absent)
#   USA:  N  N  N  N  N  Y  Y  Y  A  Y  Y
# alike on 5, 6, 7, 8 -> agreement 4/10 (res 10: KAZ absent; 10 common of 11 votes).
# KAZ y/a/n = 8/1/1, USA 4/1/5 -> pe = (8*4 + 1*1 + 1*5)/100 = 0.38,
# kappa = (0.4 - 0.38)/(1 - 0.38) = 0.02/0.62
KAZ21 = "YYYYYYYYANX"
USA21 = "NNNNNYYYAYY"
CHN21 = "YYYYYYYYYYY"
UNDL_2010 = [("2010", 0, "KAZAKHSTAN", "KAZ", "N"), ("2010", 0, "UNITED STATES", "USA", "N")]


def _undl_rows():
    rows = list(UNDL_2010)
    for name, iso, votes in (("KAZAKHSTAN", "KAZ", KAZ21), ("UNITED STATES", "USA", USA21),
                             ("CHINA", "CHN", CHN21)):
        rows += [("2021", i, name, iso, v) for i, v in enumerate(votes)]
    rows.append(("2021", 0, "ATLANTIS", "", "Y"))  # quarantined: unknown_name
    return rows


# BSV ideal points, session 65 (2010): COW codes KAZ 705, USA 2, CHN 710, RUS 365, DEU 255,
# FRA 220; ITA (325) has no ideal point (blank); 999 maps to no country (quarantined).
# EU27 2010 = mean(DEU 1.0, FRA 1.5) = 1.25 over 2 of its 26 members of 2010.
IDEAL = [(705, 65, -0.5, "KAZ"), (2, 65, 2.5, "USA"), (710, 65, -1.0, "CHN"),
         (365, 65, -0.2, "RUS"), (255, 65, 1.0, "DEU"), (220, 65, 1.5, "FRA"),
         (325, 65, "", "ITA"), (999, 65, 0.0, ""),  # line 9: unmapped
         (705, 65, 9.9, "KAZ")]  # line 10: a second KAZ row of session 65 (the first is kept)

# GEM GGIT gas pipelines (semicolon-separated); KAZ: out to CHN (P1, 55 bcm/y), to RUS (P2 no
# capacity, P3 10 bcm/y); in from UZB (P1). P4 proposed, P5 domestic, P6 unknown country.
GAS_HDR = ["ProjectID", "Fuel", "StartCountry", "EndCountry", "Countries", "PipelineName",
           "SegmentName", "Parent", "Status", "StartYear1", "Capacity", "CapacityUnits",
           "CapacityBcm/y"]
GAS = [("P1", "Gas", "Turkmenistan", "China", "Turkmenistan, Uzbekistan, Kazakhstan, China",
        "Central Asia-China", "Line A", "CNPC", "Operating", 2009, 55, "bcm/y", 55),
       ("P2", "Gas", "Kazakhstan", "Russia", "Kazakhstan, Russia", "CAC", "", "", "Operating",
        1967, "--", "", "--"),
       ("P3", "Gas", "Kazakhstan", "Russia", "Kazakhstan, Russia", "Makat", "", "",
        "Operating", 1987, 10, "bcm/y", 10),
       ("P4", "Gas", "Kazakhstan", "China", "Kazakhstan, China", "New", "", "", "Proposed",
        2030, 5, "bcm/y", 5),
       ("P5", "Gas", "Kazakhstan", "Kazakhstan", "Kazakhstan", "BBS", "", "", "Operating", 2015,
        3, "bcm/y", 3),
       ("P6", "Gas", "Kazakhstan", "Atlantis", "Kazakhstan, Atlantis", "X", "", "", "Operating",
        2000, 1, "bcm/y", 1)]


def write_data(root):
    write_all(root)
    _write(root / "unga-votes-undl-1992-2022" / "unga_votes_by_year_1992_2022.csv",
           ["year", "res_seq", "country_un", "iso3", "vote"], _undl_rows())
    _write(root / "unga-ideal-points" / "IdealpointestimatesAll_Jun2024.csv",
           ["ccode", "session", "NVotesAll", "IdealPointAll", "Q5%All", "Q95%All", "iso3c",
            "Countryname"], [(c, s, 50, v, "", "", iso, iso) for c, s, v, iso in IDEAL])
    gas = root / "gem-gas-pipelines" / "gem_ggit_gas_pipelines_2022.csv"
    gas.parent.mkdir(parents=True, exist_ok=True)
    gas.write_text("\n".join(";".join(map(str, r)) for r in [GAS_HDR, *GAS]) + "\n",
                   encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_data(tmp_path_factory.mktemp("paneldata") / "data")


@pytest.fixture(scope="module")
def built(data):
    db = data.parent / "w.duckdb"
    return db, panel.build(data, db, poles=["CHN", "USA", "RUS", "EU27"])


def _q(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def _row(db, indicator, partner, year, focal="KAZ"):
    r = _q(db, f"SELECT * FROM panel WHERE focal = '{focal}' AND indicator = '{indicator}' "
               f"AND partner = '{partner}' AND year = {year}")
    assert len(r) == 1, r
    return r.iloc[0]


def test_undl_votes_fill_the_years_voeten_lacks(built):
    db, report = built
    a = _row(db, "political.unga.agreement", "USA", 2021)
    k = _row(db, "political.unga.kappa", "USA", 2021)
    assert a.value == pytest.approx(0.4) and a.coverage == pytest.approx(10 / 11)
    assert k.value == pytest.approx(0.02 / 0.62)
    assert a.status == "ok" and a.note == "10 common roll calls of 11"
    assert a.source.startswith("United Nations Dag Hammarskj")
    assert "unga_votes_by_year_1992_2022.csv" in a.source
    # 2010 stays Voeten's (12 roll calls >= 10): 3/12 with the USA, as without the UNDL file
    a10 = _row(db, "political.unga.agreement", "USA", 2010)
    assert a10.value == pytest.approx(3 / 12) and a10.source.startswith("Voeten")
    # the closing count is per dataset the rows came from: the UNDL years' rows are its own
    src = _q(db, "SELECT source LIKE 'United Nations Dag%' AS undl, count(*) AS n FROM panel "
                 "WHERE domain = 'political' AND indicator LIKE 'political.unga.%' "
                 "AND indicator <> 'political.unga.ideal_distance' GROUP BY 1")
    n = dict(zip(src.undl, src.n, strict=True))
    assert report.rows_by_domain["political_undl"] == n[True] > 0
    assert report.rows_by_domain["political"] == n[False] > 0
    assert sum(report.rows_by_domain.values()) == report.rows == len(_q(db, "SELECT * FROM panel"))
    assert f"political_undl {n[True]:,}" in report.summary()
    # the UNDL roll calls of 2021 feed the index's bootstrap too
    rc = _q(db, "SELECT year, count(DISTINCT rcid) AS n FROM panel_rollcalls GROUP BY 1 "
                "ORDER BY 1")
    assert dict(zip(rc.year, rc.n, strict=True)) == {2010: 12, 2021: 11}


def test_undl_counts_and_quarantine(built):
    db, _ = built
    s = _q(db, "SELECT * FROM panel_sources WHERE dataset = 'political_undl'").iloc[0]
    # 2 + 33 + 1 rows; ATLANTIS quarantined; 2021's 33 rows used, 2010's 2 not (Voeten's year)
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (36, 35, 1)
    assert s.rows_in_years == 33
    q = _q(db, "SELECT * FROM panel_quarantine WHERE dataset = 'political_undl'").iloc[0]
    # header line 1, 2010 on lines 2-3, 2021 on lines 4-36, ATLANTIS on line 37
    assert (q.line, q.column, q.reason, q.source) == (37, "country_un", "unknown_name", "undl")


def test_undl_alone_gives_all_its_years(data, tmp_path):
    db = tmp_path / "w.duckdb"
    panel.build(data, db, only=["political_undl"], poles=["CHN", "USA", "RUS", "EU27"])
    a = _q(db, "SELECT year, status FROM panel WHERE focal = 'KAZ' AND partner = 'USA' AND "
               "indicator = 'political.unga.agreement' ORDER BY year")
    # 2010 from the UNDL file alone: one common vote -> insufficient
    assert list(a.year) == [2010, 2021] and list(a.status) == ["insufficient", "ok"]


def test_ideal_point_distance(built):
    db, _ = built
    d = {p: _row(db, "political.unga.ideal_distance", p, 2010)
         for p in ("USA", "CHN", "RUS", "EU27")}
    assert d["USA"].value == pytest.approx(3.0) and d["CHN"].value == pytest.approx(0.5)
    assert d["RUS"].value == pytest.approx(0.3)
    assert d["EU27"].value == pytest.approx(1.75) and d["EU27"].coverage == pytest.approx(2 / 26)
    assert d["USA"].basis == "ideal_points" and pd_isna(d["USA"].share)
    assert d["USA"].source.startswith("Bailey, Strezhnev & Voeten")
    assert d["EU27"].note == ("distance between the ideal points of session 65 (the pole: the "
                              "mean of 2 members' ideal points)")
    # a pole is never compared with itself; ITA has no ideal point, so no row
    assert not len(_q(db, "SELECT * FROM panel WHERE focal = 'USA' AND partner = 'USA' AND "
                          "indicator = 'political.unga.ideal_distance'"))
    assert not len(_q(db, "SELECT * FROM panel WHERE focal = 'ITA' AND "
                          "indicator = 'political.unga.ideal_distance'"))
    s = _q(db, "SELECT * FROM panel_sources WHERE dataset = 'political_ideal'").iloc[0]
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (9, 7, 2)
    q = _q(db, "SELECT line, value, reason FROM panel_quarantine WHERE dataset = "
               "'political_ideal' ORDER BY line")
    assert q.values.tolist() == [[9, "999", "unmapped_code"], [10, "705", "duplicate_key"]]


def pd_isna(x) -> bool:
    return x is None or x != x


def test_gas_routes(built):
    db, _ = built
    ex = {p: _row(db, "energy.gas.export_routes", p, 2022) for p in ("CHN", "RUS")}
    assert (ex["CHN"].value, ex["RUS"].value) == (1.0, 2.0)
    assert ex["CHN"].share == pytest.approx(1 / 3) and ex["RUS"].share == pytest.approx(2 / 3)
    cap = {p: _row(db, "energy.gas.export_capacity", p, 2022) for p in ("CHN", "RUS")}
    assert cap["CHN"].share == pytest.approx(55 / 65) and cap["RUS"].value == 10
    assert cap["CHN"].coverage == pytest.approx(2 / 3) and cap["CHN"].basis == "capacity_sum"
    im = _row(db, "energy.gas.import_routes", "UZB", 2022)
    assert (im.value, im.share) == (1.0, 1.0)
    # transit: UZB's export route to KAZ and TKM's to UZB; nothing for the proposed line
    assert _row(db, "energy.gas.export_routes", "KAZ", 2022, focal="UZB").share == 1.0
    n = _q(db, "SELECT count(*) AS n FROM panel WHERE indicator LIKE 'energy.gas.%'").n[0]
    # 4 directed pairs (KAZ>CHN, KAZ>RUS, UZB>KAZ, TKM>UZB), each an export of one state and an
    # import of the other, each with routes and capacity rows: 4 x 2 x 2
    assert n == 16
    s = _q(db, "SELECT * FROM panel_sources WHERE dataset = 'energy_gas'").iloc[0]
    assert (s.rows_read, s.rows_quarantined) == (6, 1)


def test_a_failing_new_step_changes_nothing(built, data, monkeypatch):
    db, _ = built
    before = _q(db, "SELECT * FROM panel ORDER BY ALL")
    sources = _q(db, "SELECT * FROM panel_sources ORDER BY ALL")

    def boom(*a, **k):
        raise RuntimeError("pipeline burst")

    monkeypatch.setattr(build_mod, "STEPS", {**build_mod.STEPS, "energy_gas": boom})
    with pytest.raises(RuntimeError, match="pipeline burst"):
        panel.build(data, db, poles=["CHN", "USA", "RUS", "EU27"])
    assert before.equals(_q(db, "SELECT * FROM panel ORDER BY ALL"))
    assert sources.equals(_q(db, "SELECT * FROM panel_sources ORDER BY ALL"))


@pytest.mark.parametrize("name,folder", [
    ("political_undl", "unga-votes-undl-1992-2022"),
    ("political_ideal", "unga-ideal-points"),
    ("energy_gas", "gem-gas-pipelines"),
])
def test_missing_folder_is_named(tmp_path, name, folder):
    root = write_data(tmp_path / "data")
    db = tmp_path / "w.duckdb"
    panel.build(root, db, only=["trade"], poles=["CHN", "USA", "RUS", "EU27"])
    before = _q(db, "SELECT * FROM panel ORDER BY ALL")
    shutil.rmtree(root / folder)
    with pytest.raises(DatasetMissingError) as ei:
        panel.build(root, db, only=["trade", name], poles=["CHN", "USA", "RUS", "EU27"])
    msg = str(ei.value)
    assert f"the {name} dataset" in msg and folder in msg and "docs/sources.md" in msg
    assert before.equals(_q(db, "SELECT * FROM panel ORDER BY ALL"))
    # a default build skips the optional dataset that is absent
    r = panel.build(root, db, poles=["CHN", "USA", "RUS", "EU27"])
    assert name not in r.domains and "political" in r.domains
