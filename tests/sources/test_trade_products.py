"""BACI and Comtrade readers on small files written in the exact published layouts."""

from __future__ import annotations

import pandas as pd
import pytest

from equipoise.errors import SchemaError
from equipoise.sources import reader

from .layouts import (
    comtrade_plus_row,
    write_baci,
    write_comtrade_legacy,
    write_comtrade_plus,
)


def _read(source: str, path) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    rd = reader(source)
    data, q, n = [], [], 0
    for sf in rd.files(path):
        for ch in rd.read(sf):
            d = ch.data.to_pandas() if hasattr(ch.data, "to_pandas") and not isinstance(
                ch.data, pd.DataFrame) else ch.data
            data.append(d)
            q.append(ch.quarantine)
            n += ch.rows_read
    return pd.concat(data, ignore_index=True), pd.concat(q, ignore_index=True), n


def test_baci_folder(tmp_path):
    folder = write_baci(tmp_path / "BACI_HS17_V202401b")
    files = reader("baci").files(folder)
    assert [f.year for f in files] == [2020, 2021]
    assert files[0].version == "HS17_V202401b"
    data, q, n = _read("baci", folder)
    assert n == 13 and len(data) + len(q) == n
    # 490 "Other Asia, nes" is unmapped and named in the quarantine, with its line
    assert set(q["value"]) == {"490"}
    assert sorted(q["line"]) == [8, 9]
    assert q["message"].str.contains("Other Asia, nes").all()
    # the product keeps six characters (BACI writes 10121); 842 -> USA, 251 -> FRA, 699 -> IND
    d = data.set_index(["year", "exporter", "importer", "product"])
    assert d.loc[(2021, "KAZ", "RUS", "010121"), "value"] == pytest.approx(12.5)
    assert (2021, "USA", "KAZ", "880240") in d.index
    assert (2021, "FRA", "KAZ", "880240") in d.index
    assert (2021, "IND", "CHE", "300490") in d.index
    assert pd.isna(d.loc[(2021, "RUS", "KAZ", "850110"), "quantity"])
    assert d["quantity"].dropna().min() == pytest.approx(0.1)
    assert (data["product"].str.len() == 6).all()


def test_baci_bad_cells_are_quarantined_not_fatal(tmp_path):
    folder = write_baci(tmp_path / "b", rows={2021: [(2021, 156, 398, 850110, 1.0, 1.0)]})
    f = folder / "BACI_HS17_Y2021_V202401b.csv"
    f.write_text(f.read_text() + "2021,156,398,85011X,2.0,1\n2021,156,398,850120,abc,1\n"
                 "2021,999,398,850120,3.0,NA\n")
    data, q, n = _read("baci", folder)
    assert n == 4 and len(data) == 1
    assert dict(zip(q["line"], q["reason"], strict=True)) == {3: "bad_product", 4: "bad_value",
                                                              5: "unmapped_code"}
    assert "'abc'" in q.set_index("line").loc[4, "message"]


def test_baci_missing_column_is_a_schema_error(tmp_path):
    folder = tmp_path / "b"
    write_baci(folder)
    (folder / "BACI_HS17_Y2021_V202401b.csv").write_text("t,i,j,k,v\n2021,4,156,10121,1.0\n")
    with pytest.raises(SchemaError, match=r"missing column\(s\) 'q'"):
        _read("baci", folder / "BACI_HS17_Y2021_V202401b.csv")


def test_comtrade_plus_layout(tmp_path):
    rows = [comtrade_plus_row(2021, 398, "M", 156, "850110", 80000.0),
            comtrade_plus_row(2021, 398, "M", 842, "880240", 120000.0),
            comtrade_plus_row(2021, 398, "M", 490, "847130", 44000.0),
            comtrade_plus_row(2021, 398, "M", 0, "850110", 100000.0),
            comtrade_plus_row(2021, 398, "X", 643, "010121", 12500.0),
            comtrade_plus_row(2021, 398, "M", 156, "850110", 5.0, mot=2100),
            comtrade_plus_row(2021, 398, "M", 156, "85", 80000.0)]
    path = write_comtrade_plus(tmp_path / "TradeData_2021_KAZ.txt", rows)
    data, q, n = _read("comtrade", path)
    assert n == 7 and len(data) + len(q) == 7
    d = data.set_index(["exporter", "importer", "product"])
    assert d.loc[("CHN", "KAZ", "850110"), "value"] == pytest.approx(80.0)  # thousand USD
    assert d.loc[("USA", "KAZ", "880240"), "value"] == pytest.approx(120.0)
    assert d.loc[("CHN", "KAZ", "850110"), "quantity"] == pytest.approx(1.0)  # tonnes
    reasons = q.set_index("line")["reason"].to_dict()
    assert reasons == {4: "unmapped_code", 5: "out_of_scope", 6: "out_of_scope",
                       7: "out_of_scope", 8: "out_of_scope"}


def test_comtrade_legacy_layout(tmp_path):
    rows = [(2014, 398, "Kazakhstan", 1, 156, "China", "850110", 70000),
            (2014, 398, "Kazakhstan", 1, 251, "France", "880240", 5000),
            (2014, 398, "Kazakhstan", 2, 643, "Russian Federation", "010121", 100)]
    path = write_comtrade_legacy(tmp_path / "comtrade_2014.csv", rows)
    data, q, _n = _read("comtrade", path)
    assert sorted(data["exporter"]) == ["CHN", "FRA"]
    assert (data["importer"] == "KAZ").all()
    assert list(q["reason"]) == ["out_of_scope"]


def test_comtrade_gzipped_file_reads_the_same(tmp_path):
    import gzip
    import shutil

    rows = [comtrade_plus_row(2021, 398, "M", 156, "850110", 80000.0),
            comtrade_plus_row(2021, 398, "M", 842, "880240", 120000.0)]
    path = write_comtrade_plus(tmp_path / "t.csv", rows, sep=",")
    gz = tmp_path / "t.csv.gz"
    with path.open("rb") as a, gzip.open(gz, "wb") as b:
        shutil.copyfileobj(a, b)
    plain, _, _ = _read("comtrade", path)
    zipped, _, _ = _read("comtrade", gz)
    pd.testing.assert_frame_equal(plain, zipped)
