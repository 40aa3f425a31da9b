"""The UN Digital Library votes reader (``undl``) on a small file in the published layout;
a real-file check skips when ../shared/data is absent."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from equipoise.errors import InputError, SchemaError
from equipoise.sources import SOURCES, reader
from equipoise.sources.undl import RCID_BASE, read_undl

HDR = "year,res_seq,country_un,iso3,vote"
ROWS = [  # line 2 onwards
    "2021,0,KAZAKHSTAN,KAZ,Y",
    "2021,0,CHINA,CHN,A",
    "2021,0,UNITED STATES,USA,N",
    "2021,1,KAZAKHSTAN,KAZ,X",          # absent: loaded as "absent"
    "2021,1,BOLIVIA,,Y",                 # no code: the UN name maps (BOL)
    "2021,1,ATLANTIS,,Y",               # line 7: unknown_name
    "2021,1,CHINA,CHN,Q",               # line 8: bad_vote
    "20x1,1,CHINA,CHN,Y",               # line 9: bad_year
    "2021,-1,CHINA,CHN,Y",              # line 10: bad_value (res_seq)
    "2021,0,KAZAKHSTAN,KAZ,N",          # line 11: duplicate_key (line 2 kept)
    "1992,3,CZECHOSLOVAKIA,CSK,Y",      # line 12: a code without an ISO3 country
]


def _file(tmp_path: Path, rows=ROWS, gz: bool = False) -> Path:
    text = "\n".join([HDR, *rows]) + "\n"
    if gz:
        p = tmp_path / "unga_votes_by_year_1992_2022.csv.gz"
        p.write_bytes(gzip.compress(text.encode()))
    else:
        p = tmp_path / "unga_votes_by_year_1992_2022.csv"
        p.write_text(text, encoding="utf-8")
    return p


def test_schema_counts_and_quarantine(tmp_path):
    vs = read_undl(_file(tmp_path, gz=True))
    assert vs.counts == {"read": 11, "loaded": 5, "quarantined": 6}
    v = vs.votes
    assert list(v.columns) == ["rcid", "year", "session", "country", "vote"]
    assert list(v["country"]) == ["KAZ", "CHN", "USA", "KAZ", "BOL"]
    assert list(v["vote"]) == ["yes", "abstain", "no", "absent", "yes"]
    assert set(v["rcid"]) == {RCID_BASE + 2021 * 1000, RCID_BASE + 2021 * 1000 + 1}
    assert set(v["session"]) == {76}
    q = vs.quarantine.set_index("line")
    assert dict(q["reason"]) == {7: "unknown_name", 8: "bad_vote", 9: "bad_year",
                                 10: "bad_value", 11: "duplicate_key", 12: "unknown_name"}
    assert q.loc[8, "column"] == "vote" and q.loc[8, "value"] == "Q"
    assert "expected one of Y, N, A, X" in q.loc[8, "message"]
    assert q.loc[7, "value"] == "ATLANTIS" and q.loc[9, "column"] == "year"


def test_strict_names_file_line_and_column(tmp_path):
    p = _file(tmp_path)
    with pytest.raises(InputError, match=r"unga_votes_by_year_1992_2022\.csv line 7, column "
                                         r"'country_un'.*ATLANTIS"):
        read_undl(p, lenient=False)
    good = read_undl(_file(tmp_path, rows=ROWS[:4]), lenient=False)
    assert good.counts["quarantined"] == 0


def test_missing_column_is_a_schema_error(tmp_path):
    p = tmp_path / "v.csv"
    p.write_text("year,res_seq,country,vote\n2021,0,KAZ,Y\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"v\.csv line 1: missing column\(s\) \['country_un', "
                                          r"'iso3'\]"):
        read_undl(p)


def test_registered_reader_gives_the_votes_chunk(tmp_path):
    assert "undl" in SOURCES
    rd = reader("undl")
    _file(tmp_path)
    (sf,) = rd.files(tmp_path)  # a folder: its unga_votes_by_year file
    (ch,) = list(rd.read(sf))
    assert ch.table == "votes" and ch.rows_read == 11
    assert len(ch.data) + len(ch.quarantine) == ch.rows_read
    assert set(ch.quarantine["source"]) == {"undl"}
    assert ch.data["source"].str.startswith("United Nations Dag Hammarskj").all()


def test_ingest_loads_the_votes(tmp_path):
    from equipoise import warehouse

    rep = warehouse.ingest("undl", _file(tmp_path), db=tmp_path / "w.duckdb")
    (f,) = rep.files
    assert (f.rows_read, f.rows_quarantined) == (11, 6)
    import duckdb

    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM votes").fetchall()[0][0] == 5
    finally:
        con.close()


@pytest.mark.slow
@pytest.mark.shared_data
def test_real_file_counts_and_kazakhstan():
    from conftest import shared_path

    REAL = shared_path("unga-votes-undl-1992-2022", "unga_votes_by_year_1992_2022.csv.gz")
    vs = read_undl(REAL)
    # SOURCE.md: 445,355 rows; Czechoslovakia (1992) and Yugoslavia have no ISO3 country
    assert vs.counts["read"] == 445_355
    assert vs.counts["read"] == vs.counts["loaded"] + vs.counts["quarantined"]
    assert set(vs.quarantine["value"]) == {"CZECHOSLOVAKIA", "YUGOSLAVIA"}
    raw = pd.read_csv(REAL, dtype=str, keep_default_na=False)
    k = vs.votes[(vs.votes["country"] == "KAZ") & (vs.votes["year"] == 2022)]
    # SOURCE.md: abstained on ES-11/1 and ES-11/2, no on ES-11/3 (res_seq is the page order,
    # newest first, so only the multiset is checked)
    assert sorted(k["vote"]) == ["abstain", "abstain", "no"]
    assert len(vs.votes) == int((~raw["country_un"].isin(
        ["CZECHOSLOVAKIA", "YUGOSLAVIA"])).sum())
