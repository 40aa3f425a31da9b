"""BuildReport (what ``panel.build`` returns) is a result on the one base class
(``equipoise._results.Result``): ``compare()`` sets two builds side by side (rows counted by
hand from tests/panel/layouts.py), ``_repr_html_()`` shows the files read, and
``summary()``/``to_dict()`` are as before."""

from __future__ import annotations

import json

from equipoise import panel
from equipoise._results import Result

from .layouts import write_all

POLES = ["CHN", "USA", "RUS", "EU27"]


def test_build_report_is_a_result_compared_by_hand(tmp_path):
    data = write_all(tmp_path / "data")
    db = tmp_path / "w.duckdb"
    a = panel.build(data, db, start=2008, end=2009, only=["security"], poles=POLES)
    b = panel.build(data, db, start=2008, end=2010, only=["security"], poles=POLES)
    assert isinstance(a, panel.BuildReport) and isinstance(a, Result)
    # SIPRI, five-year windows of KAZ's deliveries: 2008 (2004-2008) CHN 50, RUS 10+20: two
    # partner rows; 2009 (2005-2009) RUS 30: one (the Hezbollah row is quarantined); 2010
    # (2006-2010) RUS 60, USA 40: two more. One file read.
    n = a.summary_numbers()
    assert {k: v for k, v in n.items() if k != "seconds"} == {"rows": 3, "rows.security": 3,
                                                              "files": 1}
    assert all(type(n[k]) is int for k in ("rows", "rows.security", "files"))
    assert n["seconds"] >= 0
    df = a.compare(b)
    assert df.columns.tolist() == ["2008-2009", "2008-2010"]
    assert df.loc["rows"].tolist() == [3, 5]
    assert df.loc["rows.security"].tolist() == [3, 5]
    assert df.loc["files"].tolist() == [1, 1]
    # summary() is the line `equipoise panel build` printed before, unchanged
    assert a.summary() == (f"panel: 3 rows (security 3) for 2008-2009 from {data} into {db} "
                           f"in {a.seconds:.1f} s")
    d = json.loads(json.dumps(a.to_dict()))
    assert list(d) == ["db", "data_dir", "year_from", "year_to", "domains", "poles", "rows",
                       "rows_by_domain", "files", "seconds", "read_seconds"]
    assert d["rows_by_domain"] == {"security": 3}
    h = a._repr_html_()
    assert h.startswith(f"<div><b>Panel build 2008-2009 into {db}</b>")
    assert "<td>rows.security</td><td>3</td>" in h
    assert "<caption>Files read</caption>" in h and "<td>security</td>" in h
