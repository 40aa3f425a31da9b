"""Adversarial regression cases for ICEWS events in the panel, through the CLI: the ICEWS
folder missing when --only names it, an ICEWS file in a wrong layout, and an ICEWS file with
bad rows; each with its exit code, its message, no traceback (``_cli`` asserts it), and the
warehouse unchanged after a failed build."""

from __future__ import annotations

import shutil

import pytest
from panel.test_icews import FILE, FOLDER, write_icews

from adversarial.test_panel import _cli, _rows


@pytest.fixture
def built(tmp_path):
    data = write_icews(tmp_path / "data")
    db = tmp_path / "w.duckdb"
    p = _cli("panel", "build", "--data-dir", str(data), "--db", str(db), "--only",
             "events_icews")
    assert p.returncode == 0, p.stderr
    return data, db


def test_missing_icews_folder_named_in_only(built):
    data, db = built
    before = _rows(db)
    shutil.rmtree(data / FOLDER)
    p = _cli("panel", "build", "--data-dir", str(data), "--db", str(db), "--only",
             "events_icews")
    assert p.returncode == 2
    assert "the events_icews dataset (ICEWS coded event data" in p.stderr
    assert f"no folder {data / FOLDER}" in p.stderr and "docs/sources.md" in p.stderr
    assert _rows(db) == before


def test_icews_file_in_a_wrong_layout(built):
    data, db = built
    before = _rows(db)
    (data / FOLDER / FILE).write_text("source,target,year,coop\nKAZ,RUS,2010,1\n",
                                      encoding="utf-8")
    p = _cli("panel", "build", "--data-dir", str(data), "--db", str(db), "--only",
             "events_icews")
    assert p.returncode == 2
    assert f"{FILE} line 1: missing column(s)" in p.stderr
    assert "ICEWS dyad-year" in p.stderr
    assert _rows(db) == before


def test_ingest_icews_reports_the_quarantine(tmp_path):
    f = tmp_path / FILE
    f.write_text("i,j,i_iso3c,j_iso3c,year,verbCoop,matlCoop,verbConf,matlConf\n"
                 "Kazakhstan,China,KAZ,CHN,2010,1,0,0,0\n"
                 "Kazakhstan,China,KAZ,CHN,2011,1.5,0,0,0\n", encoding="utf-8")
    p = _cli("ingest", "icews", str(f), "--db", str(tmp_path / "w.duckdb"))
    assert p.returncode == 0, p.stderr
    assert "rows read 2, loaded 1, quarantined 1" in p.stdout + p.stderr
