"""The panel's further sources on small files in their published layouts (values by hand):
national trade by partner, Eurostat's EU-27 exports, GEM oil pipelines, COW IGO, GDELT."""

from __future__ import annotations

import duckdb
import pytest

from equipoise import panel
from equipoise.errors import DatasetMissingError

from .layouts import _write, write_all

KAZ_HDR = ["reporter_iso3", "year", "partner_ru", "partner_iso3", "is_aggregate",
           "turnover_kusd", "exports_kusd", "imports_kusd", "source_file", "sheet"]
KAZ = [  # thousand USD; the total row is "Всего"; 2010 is also in COW (precedence: COW)
    ("KAZ", 2021, "Всего", "", "True", 0, 1000.0, 400.0, "f.xls", "12"),
    ("KAZ", 2021, "Страны СНГ", "", "True", 0, 300.0, 250.0, "f.xls", "12"),
    ("KAZ", 2021, "Китай", "CHN", "False", 0, 600.0, 100.0, "f.xls", "12"),
    ("KAZ", 2021, "Россия", "RUS", "False", 0, 300.0, 250.0, "f.xls", "12"),
    ("KAZ", 2021, "Италия", "ITA", "False", 0, 100.0, "", "f.xls", "12"),  # import blank
    ("KAZ", 2021, "Неизвестно", "", "False", 0, 0.0, 50.0, "f.xls", "12"),  # no code
    ("KAZ", 2010, "Всего", "", "True", 0, 900.0, 1000.0, "f.xls", "12"),
    ("KAZ", 2010, "Китай", "CHN", "False", 0, 500.0, 300.0, "f.xls", "12"),
]
RUS_HDR = ["reporter_iso3", "year", "month", "partner_ru", "partner_iso3", "exports_musd",
           "imports_musd"]
RUS = ([("RUS", 2020, m, "Китай", "CHN", 10.0, 5.0) for m in range(1, 13)]
       + [("RUS", 2020, m, "Казахстан", "KAZ", 2.5, 5.0) for m in range(1, 13)]
       + [("RUS", 2021, 1, "Китай", "CHN", 10.0, 5.0)])  # 2021: one month only
EU_HDR = ["reporter", "year", "partner_label", "partner_iso3", "is_aggregate", "exports_eur",
          "source_file"]
EU = [("EU27_2020", 2021, "Kazakhstan", "KAZ", "False", 2500000000, "r.csv"),
      ("EU27_2020", 2021, "Extra-EU27 (from 2020)", "", "True", 9e11, "r.csv")]
OIL_HDR = ["project", "unit", "type", "parent", "countries", "status", "start_year",
           "capacity", "geom", "route", "url"]
OIL = [("CPC", "", "oil_pipelines", "", "Kazakhstan, Russia", "operating", 2001, 1300000,
        "", "", ""),
       ("KC", "A", "oil_pipelines", "", "Kazakhstan, China", "operating", 2006, "", "", "", ""),
       ("KC", "B", "oil_pipelines", "", "Kazakhstan, China", "proposed", 2030, 5, "", "", ""),
       ("Dom", "", "oil_pipelines", "", "Kazakhstan", "operating", 1979, 9, "", "", ""),
       ("X", "", "oil_pipelines", "", "Kazakhstan, Atlantis", "operating", 1999, 9, "", "", "")]
IGO = [(705, 710, 2010, 30), (705, 365, 2010, 50), (2, 705, 2010, 20), (255, 705, 2010, 40),
       (220, 705, 2010, 60)]  # DEU 40, FRA 60: the EU27 pole counts their mean, 50
GD_HDR = ["year", "iso3_a", "iso3_b", "days_in_year_covered", "active_days", "net_score_sum",
          "positive_score_sum", "negative_score_sum"]
GD = [(2021, "CHN", "KAZ", 365, 100, 12.5, 20.0, -7.5),
      (2024, "KAZ", "RUS", 61, 10, -3.0, 1.0, -4.0)]


def write_extra(root):
    write_all(root)
    nt = root / "national-trade-by-partner"
    _write(nt / "kaz_bns_trade_by_partner_2018_2023.csv", KAZ_HDR, KAZ)
    _write(nt / "rus_fts_trade_main_partners_monthly_2006_2021.csv", RUS_HDR, RUS)
    _write(root / "eurostat-eu-exports" / "eu27_exports_by_partner_annual_2010_2023.csv",
           EU_HDR, EU)
    _write(root / "gem-oil-pipelines" / "gem_goit_oil_ngl_pipelines_2024-06.csv", OIL_HDR, OIL)
    _write(root / "cow-atop-peacesciencer" / "cow_igo_ndy.csv",
           ["ccode1", "ccode2", "year", "dyadigos"], IGO)
    _write(root / "gdelt-dyad-composite" / "gdelt_composite_dyad_year_2018_2024.csv", GD_HDR,
           GD)
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = write_extra(tmp_path_factory.mktemp("extra") / "data")
    db = root.parent / "w.duckdb"
    return db, panel.build(root, db, poles=["CHN", "USA", "RUS", "EU27"])


def _q(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def _row(db, **kw):
    where = " AND ".join(f"{k} = '{v}'" if isinstance(v, str) else f"{k} = {v}"
                         for k, v in kw.items())
    df = _q(db, f"SELECT * FROM panel WHERE {where}")
    assert len(df) == 1, (kw, df)
    return df.iloc[0]


def test_national_trade_against_the_file_total(built):
    db, rep = built
    assert {"trade_national", "trade_eu", "energy", "institutions", "events"} <= set(
        rep.rows_by_domain)
    # KAZ 2021 imports: total 400; CHN 100 -> 0.25; RUS 250 -> 0.625; partners 350 -> 0.875
    r = _row(db, focal="KAZ", year=2021, indicator="trade.goods.import", partner="RUS")
    assert r.share == pytest.approx(0.625) and r.value == pytest.approx(250e-6)
    assert (r.basis, r.status) == ("wld", "ok") and r.coverage == pytest.approx(0.875)
    w = _row(db, focal="KAZ", year=2021, indicator="trade.goods.import", partner="WLD")
    assert w.value == pytest.approx(400e-6) and w.share == 1.0
    # exports: total 1000; ITA 100 -> 0.1; the aggregate "Страны СНГ" is not a partner
    e = _row(db, focal="KAZ", year=2021, indicator="trade.goods.export", partner="ITA")
    assert e.share == pytest.approx(0.1)
    assert _q(db, "SELECT count(*) n FROM panel WHERE focal = 'KAZ' AND year = 2021 AND "
                  "indicator = 'trade.goods.import' AND partner = 'ITA'").n[0] == 0  # absent


def test_cow_takes_precedence_where_it_covers_the_year(built):
    db, _ = built
    nat = _row(db, focal="KAZ", year=2010, indicator="trade.goods.import", partner="CHN",
               basis="wld", status="superseded")
    assert nat.share == pytest.approx(0.3) and "COW" in nat.note
    cow = _q(db, "SELECT * FROM panel WHERE focal = 'KAZ' AND year = 2010 AND partner = 'CHN' "
                 "AND indicator = 'trade.goods.import' AND status = 'ok'")
    assert len(cow) == 1 and cow.source[0].startswith("COW")


def test_russia_main_partners_full_years_only(built):
    db, _ = built
    # 2020: 12 months; imports CHN 60, KAZ 60 (USD mn) -> 0.5 each among the partners listed
    r = _row(db, focal="RUS", year=2020, indicator="trade.goods.import", partner="KAZ")
    assert r.value == pytest.approx(0.06) and r.share == pytest.approx(0.5)
    assert r.basis == "partner_sum"
    assert _q(db, "SELECT count(*) n FROM panel WHERE focal = 'RUS' AND year = 2021").n[0] == 0


def test_eurostat_mirror(built):
    db, _ = built
    r = _row(db, focal="KAZ", year=2021, indicator="trade.goods.import.eu27_mirror")
    assert r.partner == "EU27" and r.value == pytest.approx(2.5)
    assert r.basis == "mirror_eu27_exports"
    assert r.share is None or r.share != r.share  # no share: NULL, not 0


def test_oil_routes(built):
    db, _ = built
    # operating cross-border units of KAZ: CPC (RUS, 1.3 mbd) and KC-A (CHN, no capacity);
    # the proposed unit and the domestic one are not routes; Atlantis is quarantined
    r = _row(db, focal="KAZ", indicator="energy.oil.routes", partner="CHN")
    assert r.year == 2024 and r.share == pytest.approx(0.5) and r.basis == "route_count"
    c = _row(db, focal="KAZ", indicator="energy.oil.route_capacity", partner="RUS")
    assert c.share == pytest.approx(1.0) and c.coverage == pytest.approx(0.5)
    q = _q(db, "SELECT * FROM panel_quarantine WHERE dataset = 'energy'")
    assert list(q.value) == ["Atlantis"] and q.line[0] == 6


def test_igo_shared_with_each_pole(built):
    db, _ = built
    # CHN 30, RUS 50, USA 20, EU27 mean(DEU 40, FRA 60) = 50; sum 150
    r = _row(db, focal="KAZ", year=2010, indicator="institutions.igo.shared", partner="EU27")
    assert r.value == pytest.approx(50) and r.share == pytest.approx(50 / 150)
    assert _row(db, focal="KAZ", year=2010, partner="USA",
                indicator="institutions.igo.shared").share == pytest.approx(20 / 150)


def test_gdelt_both_directions_and_partial_years(built):
    db, _ = built
    a = _row(db, focal="KAZ", year=2021, indicator="events.gdelt.net_score", partner="CHN")
    b = _row(db, focal="CHN", year=2021, indicator="events.gdelt.net_score", partner="KAZ")
    assert a.value == b.value == 12.5 and a.status == "ok"
    p = _row(db, focal="KAZ", year=2024, indicator="events.gdelt.net_score", partner="RUS")
    assert p.status == "partial" and p.coverage == pytest.approx(61 / 366)


def test_counts_add_up(built):
    db, _ = built
    s = _q(db, "SELECT * FROM panel_sources WHERE dataset IN ('trade_national', 'trade_eu', "
               "'energy', 'institutions', 'events')")
    assert (s.rows_read == s.rows_loaded + s.rows_quarantined).all()
    kaz = s[s.file.str.startswith("kaz")].iloc[0]
    # 8 rows: the "Неизвестно" row (no code) and ITA's blank import are quarantined
    assert (kaz.rows_read, kaz.rows_quarantined) == (8, 2)


def test_optional_datasets_are_required_when_asked_for(tmp_path):
    root = write_all(tmp_path / "data")
    rep = panel.build(root, tmp_path / "w.duckdb", poles=["CHN", "USA", "RUS", "EU27"])  # absent: skipped by default
    assert "events" not in rep.rows_by_domain
    with pytest.raises(DatasetMissingError, match=r"events dataset .*gdelt"):
        panel.build(root, tmp_path / "w.duckdb", only=["events"], poles=["CHN", "USA", "RUS", "EU27"])
