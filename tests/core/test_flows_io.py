"""Canonical flow files: every bad input gets a clear error; lenient mode quarantines."""

import pandas as pd
import pytest

from equipoise.errors import (
    DuplicateKeyError,
    InputError,
    SchemaError,
    UnknownCountryError,
    UnknownDomainError,
)
from equipoise.io.flows import read_flows

HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source\n"
GOOD = [
    "2022,MNG,CHN,trade,trade.goods.turnover,,8,USD bn,test",
    "2022,MNG,RUS,trade,trade.goods.turnover,,2,USD bn,test",
    "2022,MNG,WLD,trade,trade.goods.turnover,,12,USD bn,test",
]


def write(tmp_path, lines, header=HEADER, name="flows.csv"):
    p = tmp_path / name
    p.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_good_file_loads(tmp_path):
    fs = read_flows(write(tmp_path, GOOD))
    assert fs.counts == {"read": 3, "loaded": 3, "quarantined": 0}
    assert fs.data["year"].dtype == "int64"
    assert fs.data["line"].tolist() == [2, 3, 4]


def test_missing_column_names_it(tmp_path):
    p = write(tmp_path, ["2022,MNG,CHN,trade,trade.goods.turnover,,8,USD bn"],
              header="year,reporter,partner,domain,indicator,product,value,unit\n")
    with pytest.raises(SchemaError, match=r"line 1: missing column\(s\) 'source'"):
        read_flows(p)


@pytest.mark.parametrize(
    ("row", "exc", "column", "seen", "expected"),
    [
        ("2022,MNG,CHN,trade,trade.goods.turnover,,eight,USD bn,test", InputError, "value",
         "'eight'", "a finite number"),
        ("2022,MNG,CHN,trade,trade.goods.turnover,,-3,USD bn,test", InputError, "value", "'-3'",
         "a number >= 0"),
        ("2022,MNG,XXK,trade,trade.goods.turnover,,3,USD bn,test", UnknownCountryError,
         "partner", "'XXK'", "an ISO3 country code or a known group"),
        ("2022,MNG,CHN,commerce,trade.goods.turnover,,3,USD bn,test", UnknownDomainError,
         "domain", "'commerce'", "one of the domains"),
        ("2022,MNG,CHN,trade,trade.goods.flux,,3,USD bn,test", UnknownDomainError, "indicator",
         "'trade.goods.flux'", "an indicator listed"),
        ("20x2,MNG,CHN,trade,trade.goods.turnover,,3,USD bn,test", InputError, "year", "'20x2'",
         "an integer year"),
        ("2022,MNG,CHN,trade,trade.goods.turnover,,3,EUR bn,test", InputError, "unit",
         "'EUR bn'", "a unit of the dimension of the indicator's unit"),
    ],
)
def test_bad_cell_error_names_file_line_column_value_expected(tmp_path, row, exc, column, seen,
                                                               expected):
    p = write(tmp_path, [*GOOD, row])
    with pytest.raises(exc) as info:
        read_flows(p)
    msg = str(info.value)
    assert f"{p} line 5, column {column!r}" in msg
    assert seen in msg
    assert expected in msg


def test_duplicate_key_names_both_lines(tmp_path):
    p = write(tmp_path, [*GOOD, "2022,MNG,CHN,trade,trade.goods.turnover,,9,USD bn,test"])
    with pytest.raises(DuplicateKeyError, match=r"line 5.*already at .* line 2"):
        read_flows(p)


def test_group_and_member_overlap_rejected(tmp_path):
    p = write(tmp_path, [*GOOD, "2022,MNG,EU27,trade,trade.goods.turnover,,1,USD bn,test",
                         "2022,MNG,ITA,trade,trade.goods.turnover,,0.5,USD bn,test"])
    with pytest.raises(InputError, match="group_overlap: saw 'ITA', a member of EU27"):
        read_flows(p)


def test_every_problem_reported_not_only_first(tmp_path):
    p = write(tmp_path, [*GOOD, "2022,MNG,XXK,trade,trade.goods.turnover,,3,USD bn,test",
                         "2022,MNG,CHN,trade,trade.goods.export,,-1,USD bn,test"])
    with pytest.raises(InputError) as info:
        read_flows(p)
    assert len(info.value.issues) == 2
    assert "2 problem(s)" in str(info.value)


def test_lenient_quarantines_and_counts_add_up(tmp_path):
    bad = ["2022,MNG,XXK,trade,trade.goods.turnover,,3,USD bn,test",
           "2022,MNG,CHN,trade,trade.goods.export,,-1,USD bn,test",
           "2022,MNG,CHN,trade,trade.goods.turnover,,9,USD bn,test"]
    fs = read_flows(write(tmp_path, GOOD + bad), lenient=True)
    assert fs.counts == {"read": 6, "loaded": 3, "quarantined": 3}
    q = fs.quarantine.set_index("line")
    assert q.loc[5, "reason"] == "unknown_code"
    assert q.loc[6, "reason"] == "negative_value"
    assert q.loc[7, "reason"] == "duplicate_key"
    assert set(fs.data["line"]) == {2, 3, 4}


def test_parquet_reads_like_csv(tmp_path):
    df = pd.read_csv(write(tmp_path, GOOD), dtype=str, keep_default_na=False)
    df["value"] = df["value"].astype(float)
    df["year"] = df["year"].astype(int)
    pq = tmp_path / "flows.parquet"
    df.to_parquet(pq)
    fs = read_flows(pq)
    assert fs.counts["loaded"] == 3
    assert sorted(fs.data["value"]) == [2.0, 8.0, 12.0]


def test_duplicates_across_files_detected(tmp_path):
    a = write(tmp_path, GOOD, name="a.csv")
    b = write(tmp_path, GOOD[:1], name="b.csv")
    with pytest.raises(DuplicateKeyError, match=r"b\.csv line 2"):
        read_flows([a, b])
    fs = read_flows(tmp_path, lenient=True)
    assert fs.counts == {"read": 4, "loaded": 3, "quarantined": 1}


def test_loaded_frame_satisfies_the_pandera_contract(tmp_path):
    import pandera.errors

    from equipoise.io.flows import flows_contract

    fs = read_flows(write(tmp_path, GOOD))
    flows_contract().validate(fs.data)
    broken = fs.data.assign(value=-fs.data["value"])
    with pytest.raises(pandera.errors.SchemaErrors):
        flows_contract().validate(broken, lazy=True)
