"""The world panel's tables are declared once, in ``equipoise.schema`` (``PANEL_TABLES``), like
the canonical and summary tables; ``panel_quarantine`` is the one quarantine shape
(``QUARANTINE_COLUMNS``) with the panel dataset in front, not a third set of columns; and a
panel written by the builder's former hand-written DDL still reads and rebuilds."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from equipoise import panel, schema, warehouse
from equipoise.panel import builder

from .layouts import write_all

#: the DDL ``panel/builder.py`` wrote by hand before the tables moved to schema.py (copied
#: here as it was, to build a panel the way the former code did)
OLD_DDL = {
    "panel": "focal VARCHAR, year INTEGER, domain VARCHAR, indicator VARCHAR, partner VARCHAR, "
             "value DOUBLE, share DOUBLE, basis VARCHAR, coverage DOUBLE, status VARCHAR, "
             "source VARCHAR, note VARCHAR",
    "panel_sources": "dataset VARCHAR, role VARCHAR, file VARCHAR, rows_read BIGINT, "
                     "rows_loaded BIGINT, rows_quarantined BIGINT, rows_out BIGINT, "
                     "rows_in_years BIGINT",
    "panel_quarantine": "dataset VARCHAR, source VARCHAR, file VARCHAR, line BIGINT, "
                        "\"column\" VARCHAR, value VARCHAR, reason VARCHAR, message VARCHAR",
    "panel_builds": "built_at VARCHAR, data_dir VARCHAR, year_from INTEGER, year_to INTEGER, "
                    "domains VARCHAR, poles VARCHAR, rows BIGINT, seconds DOUBLE, "
                    "rows_by_domain VARCHAR",
    "panel_rollcalls": "year INTEGER, rcid BIGINT, country VARCHAR, vote TINYINT",
}
POLES = ["CHN", "USA", "RUS", "EU27"]


def test_panel_tables_are_declared_in_schema():
    assert set(schema.PANEL_TABLES) == {"panel", "panel_sources", "panel_quarantine",
                                        "panel_builds", "panel_rollcalls"}
    assert ("dataset", *schema.QUARANTINE_COLUMNS) == schema.PANEL_QUARANTINE_COLUMNS
    assert {name: schema.ddl(name) for name in schema.PANEL_TABLES} == builder.DDL
    assert schema.columns("panel") == builder.COLUMNS
    assert tuple(schema.PANEL_TABLES) == warehouse.DERIVED_TABLES
    # the panel is no canonical table of the warehouse's own (its ingest leaves it alone)
    assert not set(schema.PANEL_TABLES) & (set(schema.TABLES) | set(schema.SUMMARY_TABLES))


def _describe(con, name: str) -> list[tuple]:
    return [(r[0], r[1]) for r in con.execute(f'DESCRIBE "{name}"').fetchall()]


def test_schema_ddl_makes_the_former_tables_column_for_column(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    try:
        for name, cols in OLD_DDL.items():
            con.execute(f'CREATE TABLE "old_{name}" ({cols})')
            con.execute(f'CREATE TABLE "{name}" ({builder.DDL[name]})')
            assert _describe(con, name) == _describe(con, f"old_{name}"), name
    finally:
        con.close()


def _old_panel(db: Path) -> None:
    """A panel as the former builder left it: its DDL, one build, a quarantined row."""
    con = duckdb.connect(str(db))
    try:
        for name, cols in OLD_DDL.items():
            con.execute(f'CREATE TABLE "{name}" ({cols})')
        con.execute("INSERT INTO panel VALUES ('KAZ', 2010, 'security', "
                    "'security.arms.import', 'RUS', 60, 0.6, 'partner_sum', 1.0, 'ok', "
                    "'SIPRI', NULL), ('KAZ', 2010, 'security', 'security.arms.import', 'USA', "
                    "40, 0.4, 'partner_sum', 1.0, 'ok', 'SIPRI', NULL)")
        con.execute("INSERT INTO panel_quarantine VALUES ('security', 'sipri', 'f.csv', 7, "
                    "'supplier', 'Hezbollah*', 'non_state_actor', 'not a state')")
        con.execute("INSERT INTO panel_builds VALUES ('2026-01-01T00:00:00+00:00', '/d', 2010, "
                    "2010, 'security', 'CHN,USA,RUS,EU27', 2, 0.1, '{\"security\": 2}')")
    finally:
        con.close()


def test_a_panel_built_by_the_former_code_reads_and_rebuilds(tmp_path):
    db = tmp_path / "old.duckdb"
    _old_panel(db)
    df = panel.show("KAZ", db)
    assert df.columns.tolist() == list(builder.COLUMNS)
    assert dict(zip(df.partner, df.share, strict=True)) == pytest.approx({"RUS": 0.6,
                                                                          "USA": 0.4})
    counts = dict(warehouse.table_counts(db).itertuples(index=False))
    assert counts["panel"] == 2 and counts["panel_quarantine"] == 1
    # a build over it replaces the tables with the schema's and writes its rows by name
    panel.build(write_all(tmp_path / "data"), db, start=2008, end=2010, only=["security"],
                poles=POLES)
    con = duckdb.connect(str(db), read_only=True)
    try:
        for name in schema.PANEL_TABLES:
            assert [c for c, _ in _describe(con, name)] == list(schema.columns(name)), name
        q = con.execute("SELECT * FROM panel_quarantine").df()
    finally:
        con.close()
    assert q.columns.tolist() == list(schema.PANEL_QUARANTINE_COLUMNS)
    assert q[["dataset", "reason", "value"]].values.tolist() == [
        ["security", "non_state_actor", "Hezbollah*"]]
