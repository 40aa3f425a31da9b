"""IngestReport (what ``eq.warehouse.ingest`` returns) is a result on the one base class
(``equipoise._results.Result``): ``compare()`` sets a first ingest and a repeat side by side
(counts by hand from tests/sources/layouts.py), ``_repr_html_()`` shows the files, and
``summary()``/``to_dict()`` are as before."""

from __future__ import annotations

import json

from sources.layouts import write_baci

from equipoise import warehouse
from equipoise._results import Result


def test_ingest_report_is_a_result_compared_by_hand(tmp_path):
    folder = write_baci(tmp_path / "BACI_HS17_V202401b")
    db = tmp_path / "w.duckdb"
    first = warehouse.ingest("baci", folder, db=db)
    again = warehouse.ingest("baci", folder, db=db)
    assert isinstance(first, warehouse.IngestReport) and isinstance(first, Result)
    # BACI_ROWS: 4 rows of 2020 and 9 of 2021; the two rows with code 490 ("Other Asia, nes")
    # are quarantined; no duplicate key, so 11 stored and none merged. The repeat finds both
    # files unchanged (same SHA-256) and reads nothing.
    n = first.summary_numbers()
    assert n == {"files_loaded": 2, "files_unchanged": 0, "rows_read": 13, "rows_loaded": 11,
                 "rows_quarantined": 2, "rows_stored": 11, "rows_merged": 0}
    assert all(type(v) is int for v in n.values())
    df = first.compare(again, names=["first", "again"])
    assert df.loc["files_loaded"].tolist() == [2, 0]
    assert df.loc["files_unchanged"].tolist() == [0, 2]
    assert df.loc["rows_read"].tolist() == [13, 0]
    assert df.loc["rows_quarantined"].tolist() == [2, 0]
    # summary() is the line `equipoise ingest` printed before, unchanged
    assert first.summary() == (f"baci: 2 file(s) loaded, 0 unchanged into {db}; rows read 13, "
                               f"loaded 11, quarantined 2 (stored 11)")
    assert str(again) == again.summary()
    d = json.loads(json.dumps(first.to_dict()))
    assert list(d) == ["db", "source", "totals", "files"]
    assert d["totals"]["rows_read"] == 13 and len(d["files"]) == 2
    h = first._repr_html_()
    assert h.startswith(f"<div><b>Ingest of baci into {db}</b>")
    assert "<td>rows_read</td><td>13</td>" in h
    assert "<caption>Files</caption>" in h
    assert "<td>BACI_HS17_Y2020_V202401b.csv</td><td>loaded</td>" in h
