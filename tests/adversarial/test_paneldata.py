"""Adversarial regression cases for the panel's further data (issue 12 point 1 leftovers),
through the CLI: a missing optional dataset named in --only, a UNDL file in a wrong layout
and a UNDL file with bad rows, each with its exit code, its message, no traceback, and the
warehouse unchanged after a failed build."""

from __future__ import annotations

import shutil

import pytest
from panel.test_paneldata import write_data

from adversarial.test_panel import _cli, _rows


@pytest.fixture
def built(tmp_path):
    data = write_data(tmp_path / "data")
    db = tmp_path / "w.duckdb"
    assert _cli("panel", "build", "--data-dir", str(data), "--db", str(db)).returncode == 0
    return data, db


def test_missing_undl_folder_named_in_only(built):
    data, db = built
    before = _rows(db)
    shutil.rmtree(data / "unga-votes-undl-1992-2022")
    p = _cli("panel", "build", "--data-dir", str(data), "--db", str(db), "--only",
             "political,political_undl")
    assert p.returncode == 2
    assert "the political_undl dataset (UN Digital Library" in p.stderr
    assert "unga-votes-undl-1992-2022" in p.stderr and "docs/sources.md" in p.stderr
    assert _rows(db) == before


def test_undl_file_in_a_wrong_layout(built):
    data, db = built
    before = _rows(db)
    f = data / "unga-votes-undl-1992-2022" / "unga_votes_by_year_1992_2022.csv"
    f.write_text("year,resolution,country,vote\n2021,A/RES/1,KAZ,Y\n", encoding="utf-8")
    p = _cli("panel", "build", "--data-dir", str(data), "--db", str(db))
    assert p.returncode == 2
    assert "unga_votes_by_year_1992_2022.csv line 1: missing column(s)" in p.stderr
    assert "UN Digital Library votes layout" in p.stderr
    assert _rows(db) == before


def test_ingest_undl_reports_the_quarantine(tmp_path):
    f = tmp_path / "unga_votes_by_year_1992_2022.csv"
    f.write_text("year,res_seq,country_un,iso3,vote\n2021,0,KAZAKHSTAN,KAZ,Y\n"
                 "2021,0,CHINA,CHN,maybe\n", encoding="utf-8")
    p = _cli("ingest", "undl", str(f), "--db", str(tmp_path / "w.duckdb"))
    assert p.returncode == 0, p.stderr
    assert "rows read 2, loaded 1, quarantined 1" in p.stdout + p.stderr
