"""The readers moved from panel/extra.py into equipoise.sources (``national``, ``eurostat``,
``gem-oil``, ``gdelt``): registered, canonical chunks, counts that add up, located errors,
and loaded by ``ingest``. The panel's use of them is tested in tests/panel/test_sources_extra.py
(same files, values by hand)."""

from __future__ import annotations

import duckdb
import pytest

from equipoise import warehouse
from equipoise.errors import SchemaError
from equipoise.sources import SOURCES, TABLES, reader
from tests.panel.test_sources_extra import write_extra


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return write_extra(tmp_path_factory.mktemp("readers") / "data")


CASES = {  # source -> (folder, table, rows read, rows quarantined, rows out)
    # KAZ: 8 rows; line 6 (Неизвестно, no code) quarantined for both flows (counted once);
    # Италия's blank import quarantined (export kept); RUS: 25 monthly rows, 2021's single
    # month quarantined (not a full year)
    "national": ("national-trade-by-partner", "flows", 8 + 25, 3, None),
    "eurostat": ("eurostat-eu-exports", "flows", 2, 0, 1),
    "gem-oil": ("gem-oil-pipelines", "corridor_edges", 5, 1, 4),
    "gdelt": ("gdelt-dyad-composite", "flows", 2, 0, 4),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_registered_and_counted(root, name):
    folder, table, read, quarantined, out = CASES[name]
    assert name in SOURCES
    rd = reader(name)
    chunks = [ch for sf in rd.files(root / folder) for ch in rd.read(sf)]
    assert {ch.table for ch in chunks} == {table}
    assert sum(ch.rows_read for ch in chunks) == read
    q = sum(len(ch.quarantine) for ch in chunks)
    assert q == quarantined
    assert all(set(ch.quarantine["source"]) <= {name} for ch in chunks)
    if out is not None:
        assert sum(len(ch.data) for ch in chunks) == out
    for ch in chunks:
        assert list(ch.data.columns) == list(TABLES[table])
        assert (ch.data["source"].str.len() > 0).all()


def test_the_flows_values(root):
    rd = reader("national")
    (ch,) = rd.read(rd.files(root / "national-trade-by-partner" /
                             "kaz_bns_trade_by_partner_2018_2023.csv")[0])
    f = ch.data.set_index(["year", "partner", "indicator"])["value"]
    assert f[(2021, "CHN", "trade.goods.export")] == pytest.approx(600 * 1e-6)  # kUSD -> bn
    assert f[(2021, "WLD", "trade.goods.import")] == pytest.approx(400 * 1e-6)
    assert set(ch.data["unit"]) == {"USD bn"} and set(ch.data["domain"]) == {"trade"}
    (e,) = reader("gem-oil").read(reader("gem-oil").files(root / "gem-oil-pipelines")[0])
    cpc = e.data[e.data["route"] == "CPC"].set_index(["from_node", "to_node"])["capacity"]
    assert dict(cpc) == {("KAZ", "RUS"): 1_300_000, ("RUS", "KAZ"): 1_300_000}
    assert e.data.loc[e.data["route"] == "KC", "capacity"].isna().all()


@pytest.mark.parametrize("name,folder,fname", [
    ("national", "national-trade-by-partner", "kaz_bns_trade_by_partner_bad.csv"),
    ("eurostat", "eurostat-eu-exports", "eu27_exports_by_partner_bad.csv"),
    ("gem-oil", "gem-oil-pipelines", "gem_goit_bad.csv"),
    ("gdelt", "gdelt-dyad-composite", "gdelt_composite_bad.csv"),
])
def test_wrong_layout_names_file_and_line(tmp_path, name, folder, fname):
    p = tmp_path / fname
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    rd = reader(name)
    with pytest.raises(SchemaError, match=rf"{fname} line 1: missing column\(s\)"):
        list(rd.read(rd.files(p)[0]))
    with pytest.raises(SchemaError, match="no such file"):
        rd.files(tmp_path / "absent.csv")


def test_ingest_loads_them(root, tmp_path):
    db = tmp_path / "w.duckdb"
    for name, (folder, _table, read, quarantined, _) in CASES.items():
        rep = warehouse.ingest(name, root / folder, db=db)
        assert sum(f.rows_read for f in rep.files) == read
        assert sum(f.rows_quarantined for f in rep.files) == quarantined
    con = duckdb.connect(str(db), read_only=True)
    try:
        n = dict(con.execute("SELECT indicator, count(*) FROM flows GROUP BY 1").fetchall())
        assert n["events.gdelt.net_score"] == 4 and n["trade.goods.import.eu27_mirror"] == 1
        assert con.execute("SELECT count(*) FROM corridor_edges WHERE mode = 'oil_pipeline'"
                           ).fetchall()[0][0] == 4
    finally:
        con.close()


def test_a_short_russian_year_is_quarantined_with_its_line(root):
    rd = reader("national")
    (ch,) = rd.read(rd.files(root / "national-trade-by-partner" /
                             "rus_fts_trade_main_partners_monthly_2006_2021.csv")[0])
    (q,) = ch.quarantine.itertuples()
    assert (q.line, q.column, q.reason) == (26, "month", "bad_year")
    assert "1 of the 12 months of 2021" in q.message
    assert set(ch.data["year"]) == {2020}
