"""Adversarial input files (issue 14, points 3, 5, 6): every case is a file made by a fixture,
with the expected exit code and error text, and no Python traceback.

Flows files go through ``equipoise validate`` / ``assess --data``; TOML files through
``shock --request`` (and :func:`equipoise._toml.read_toml` for every kind of TOML file); the
CLI runs in-process through its console entry point (``run``), so an exception that is not an
equipoise error would fail the test instead of being printed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import equipoise
from equipoise._toml import MAX_DEPTH, read_toml
from equipoise.errors import InputError, InputFileError, SchemaError
from equipoise.io.files import (
    MAX_TOML_BYTES,
    check_input_file,
    display_path,
    escape_formula,
    read_text,
)
from equipoise.io.flows import QUARANTINE_COLUMNS, flows_contract, read_flows

HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source\n"
GOOD = [
    "2022,MNG,CHN,trade,trade.goods.turnover,,8,USD bn,test",
    "2022,MNG,RUS,trade,trade.goods.turnover,,2,USD bn,test",
    "2022,MNG,WLD,trade,trade.goods.turnover,,12,USD bn,test",
]
TRACEBACK = "Traceback (most recent call last)"


def cli(args: list[str], capsys, monkeypatch) -> tuple[int, str, str]:
    """Run the console entry point in-process: (exit code, stdout, stderr)."""
    from equipoise._cli.main import run

    monkeypatch.setattr(sys, "argv", ["equipoise", *map(str, args)])
    code = 0
    try:
        run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    assert TRACEBACK not in out + err
    return code, out, err


def write(path: Path, lines, header=HEADER) -> Path:
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# the file-opening boundary: kind, size, encoding


@pytest.fixture
def bad_flow_files(tmp_path):
    """name -> (path, expected error text) for flows files that must be refused cleanly."""
    cases = {}
    zero = tmp_path / "zero.csv"
    zero.symlink_to("/dev/zero")
    cases["device"] = (zero, "is a character device; expected a flows file (a regular file)")
    folder = tmp_path / "folder.csv"
    (folder / "inner.csv").mkdir(parents=True)
    cases["folder inside folder"] = (folder, "is a folder; expected a flows file")
    cases["missing"] = (tmp_path / "nope.csv", "no such flows file or folder")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    cases["empty csv"] = (empty, "empty file; expected a header line")
    blank = tmp_path / "blank.csv"
    blank.write_text("\n  \n\n", encoding="utf-8")
    cases["only blank lines"] = (blank, "empty file; expected a header line")
    fake_pq = tmp_path / "flows.parquet"
    write(fake_pq, GOOD)
    cases["csv named parquet"] = (fake_pq, "not a Parquet file")
    empty_pq = tmp_path / "empty.parquet"
    empty_pq.write_bytes(b"")
    cases["empty parquet"] = (empty_pq, "empty file; expected a Parquet file")
    broken_pq = tmp_path / "broken.parquet"
    broken_pq.write_bytes(b"PAR1" + b"\x00garbage" * 10 + b"PAR1")
    cases["damaged parquet"] = (broken_pq, "cannot read as Parquet")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes((HEADER + GOOD[0] + "\n").encode("utf-16"))
    cases["utf-16"] = (utf16, "is UTF-16 (little-endian) text (byte-order mark FF FE); expected "
                              "UTF-8")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(HEADER.encode() + b"2022,MNG\x00\x01\x02,CHN\n")
    cases["binary"] = (binary, "binary content, a NUL byte at line 2, column 9 (byte offset "
                               f"{len(HEADER) + 8})")
    no_header = tmp_path / "noheader.csv"
    write(no_header, GOOD, header="")
    cases["no header"] = (no_header, "line 1: missing column(s)")
    return cases


@pytest.mark.parametrize("case", ["device", "folder inside folder", "missing", "empty csv",
                                  "only blank lines", "csv named parquet", "empty parquet",
                                  "damaged parquet", "utf-16", "binary", "no header"])
@pytest.mark.parametrize("command", ["validate", "assess"])
def test_bad_flows_file_is_a_clear_error(bad_flow_files, case, command, capsys, monkeypatch):
    path, expected = bad_flow_files[case]
    args = ["validate", path] if command == "validate" else ["assess", "--focal", "MNG",
                                                              "--data", path]
    code, out, err = cli(args, capsys, monkeypatch)
    assert code == 2, (out, err)
    assert err.startswith("error: ")
    assert expected in err
    assert path.name in err


def test_latin1_flows_file_names_line_column_and_byte(tmp_path, capsys, monkeypatch):
    lines = [*GOOD, "2022,MNG,KAZ,trade,trade.goods.turnover,,1,USD bn,Caf\u00e9 data"]
    p = tmp_path / "latin1.csv"
    p.write_bytes((HEADER + "\n".join(lines) + "\n").encode("latin-1"))
    offset = len((HEADER + "\n".join(GOOD) + "\n").encode()) + len(
        "2022,MNG,KAZ,trade,trade.goods.turnover,,1,USD bn,Caf")
    code, _, err = cli(["validate", p], capsys, monkeypatch)
    assert code == 2
    assert (f"not UTF-8: byte 0xE9 at line 5, column 54 (byte offset {offset}); expected a "
            f"UTF-8 text flows file (Latin-1 or Windows-1252 text? save it as UTF-8)") in err


def test_utf8_bom_is_accepted(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes(b"\xef\xbb\xbf" + (HEADER + "\n".join(GOOD) + "\n").encode())
    fs = read_flows(p)
    assert fs.counts == {"read": 3, "loaded": 3, "quarantined": 0}
    assert fs.data["line"].tolist() == [2, 3, 4]


def test_fifo_is_refused_without_hanging(tmp_path):
    """A FIFO blocks any reader forever: the check must refuse it before opening. Bounded
    acceptance check in a subprocess (60 s is generous; the answer takes about a second)."""
    fifo = tmp_path / "flows.csv"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-c", "from equipoise._cli.main import run; run()", "validate",
         str(fifo)], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(equipoise.__file__).resolve().parents[1])})
    assert proc.returncode == 2
    assert "is a FIFO (named pipe); expected a flows file" in proc.stderr
    assert TRACEBACK not in proc.stderr


def test_size_bound(tmp_path):
    p = write(tmp_path / "flows.csv", GOOD)
    with pytest.raises(InputFileError, match=r"larger than the 100 bytes allowed for a flows file"):
        read_flows(p, max_bytes=100)
    assert read_flows(p, max_bytes=10_000).counts["loaded"] == 3


def test_check_input_file_kinds(tmp_path):
    assert check_input_file(write(tmp_path / "a.csv", GOOD), what="x file") == tmp_path / "a.csv"
    with pytest.raises(InputFileError, match="is a folder; expected a x file"):
        check_input_file(tmp_path, what="x file")
    with pytest.raises(InputFileError, match="no such x file"):
        check_input_file(tmp_path / "missing", what="x file")
    with pytest.raises(InputFileError, match="a part of the path is a file"):
        check_input_file(tmp_path / "a.csv" / "b", what="x file")
    assert issubclass(InputFileError, InputError)


@pytest.mark.parametrize(("content", "expected"), [
    (b"\xff\xfe" + "a = 1\n".encode("utf-16-le"), "is UTF-16 (little-endian) text"),
    (b"\xfe\xff" + "a = 1\n".encode("utf-16-be"), "is UTF-16 (big-endian) text"),
    (b"a = 1\nb = 'caf\xe9'\n", "not UTF-8: byte 0xE9 at line 2, column 9 (byte offset 14)"),
    (b"a = 1\n\x00\x01\x02\x03", "binary content, a NUL byte at line 2, column 1 (byte offset 6)"),
])
def test_read_text_encoding_errors_are_located(tmp_path, content, expected):
    p = tmp_path / "f.toml"
    p.write_bytes(content)
    with pytest.raises(InputFileError) as info:
        read_text(p, what="doctrine file")
    assert expected in str(info.value)


# --------------------------------------------------------------------------------------------
# TOML files


@pytest.fixture
def bad_toml_files(tmp_path):
    cases = {}
    p = tmp_path / "utf16.toml"
    p.write_bytes('focal = "KAZ"\npartner = "RUS"\n'.encode("utf-16"))
    cases["utf-16"] = (p, "is UTF-16 (little-endian) text")
    p = tmp_path / "latin1.toml"
    p.write_bytes('focal = "KAZ"\npartner = "RUS" # caf\xe9\n'.encode("latin-1"))
    cases["latin-1"] = (p, "not UTF-8: byte 0xE9 at line 2, column 22 (byte offset 35)")
    p = tmp_path / "binary.toml"
    p.write_bytes(bytes(range(256)))
    cases["binary"] = (p, "binary content, a NUL byte at line 1, column 1 (byte offset 0)")
    p = tmp_path / "folder.toml"
    p.mkdir()
    cases["folder"] = (p, "is a folder; expected a shock file")
    cases["missing"] = (tmp_path / "missing.toml", "no such shock file")
    p = tmp_path / "nested_arrays.toml"
    p.write_text("a = " + "[" * 1000 + "]" * 1000 + "\n", encoding="utf-8")
    cases["nested arrays"] = (p, f"line 1: tables or arrays nested {MAX_DEPTH + 1} deep; "
                                 f"expected at most {MAX_DEPTH} levels")
    p = tmp_path / "nested_inline.toml"
    p.write_text("a = " + "{b = " * 1000 + "1" + "}" * 1000 + "\n", encoding="utf-8")
    cases["nested inline tables"] = (p, "nested 65 deep")
    p = tmp_path / "nested_tables.toml"
    p.write_text("x = 1\n[" + ".".join(["t"] * 1000) + "]\ny = 2\n", encoding="utf-8")
    cases["tables 1000 deep"] = (p, "line 2: tables or arrays nested 1000 deep")
    p = tmp_path / "huge.toml"
    with p.open("wb") as fh:
        fh.truncate(MAX_TOML_BYTES + 1)
    cases["over 16 MiB"] = (p, "larger than the 16.0 MiB allowed for a shock file")
    p = tmp_path / "invalid.toml"
    p.write_text('focal = "KAZ"\npartner = \n', encoding="utf-8")
    cases["invalid toml"] = (p, "not valid TOML: Invalid value (at line 2, column 11)")
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    cases["fifo"] = (fifo, "is a FIFO (named pipe)")
    return cases


@pytest.mark.parametrize("case", ["utf-16", "latin-1", "binary", "folder", "missing",
                                  "nested arrays", "nested inline tables", "tables 1000 deep",
                                  "over 16 MiB", "invalid toml", "fifo"])
def test_bad_toml_request_is_a_clear_error(bad_toml_files, case, capsys, monkeypatch):
    path, expected = bad_toml_files[case]
    code, out, err = cli(["shock", "--request", path], capsys, monkeypatch)
    assert code == 2, (out, err)
    assert expected in err
    assert path.name in err


@pytest.mark.parametrize("what", ["doctrine file", "action file", "request file",
                                  "simulation file", "corridor file"])
def test_read_toml_for_every_kind_of_file(bad_toml_files, what):
    for case in ("utf-16", "latin-1", "binary", "nested arrays", "tables 1000 deep"):
        path, expected = bad_toml_files[case]
        with pytest.raises(InputError) as info:
            read_toml(path, what=what)
        assert expected in str(info.value)
    article = "an" if what[0] in "aeiou" else "a"
    with pytest.raises(InputError, match=f"is a folder; expected {article} {what}"):
        read_toml(bad_toml_files["folder"][0], what=what)


def test_read_toml_uses_the_readers_error_class(bad_toml_files):
    from equipoise.errors import DoctrineError

    with pytest.raises(DoctrineError, match="is UTF-16"):
        read_toml(bad_toml_files["utf-16"][0], what="doctrine file", error=DoctrineError)
    with pytest.raises(DoctrineError, match="nested"):
        read_toml(bad_toml_files["nested arrays"][0], what="doctrine file", error=DoctrineError)


def test_ordinary_nesting_and_brackets_in_strings_are_fine(tmp_path):
    p = tmp_path / "ok.toml"
    p.write_text('a = "[[[[{{{{"\n# [[[[[[[[\n[x.y.z]\nb = [[1, 2], [3, [4]]]\n'
                 + "c = 1.5\n" * 100, encoding="utf-8")
    with pytest.raises(InputError, match="Cannot overwrite"):
        read_toml(p, what="x file")  # c given 100 times: tomllib's own error, not ours
    p.write_text('a = "[[[[{{{{"\n# [[[[[[[[\n[x.y.z]\nb = [[1, 2], [3, [4]]]\n'
                 + "".join(f"c{i} = {i}.5\n" for i in range(100)), encoding="utf-8")
    d = read_toml(p, what="x file")
    assert d["a"] == "[[[[{{{{" and d["x"]["y"]["z"]["b"] == [[1, 2], [3, [4]]]


# --------------------------------------------------------------------------------------------
# error locations and lenient mode


def test_line_numbers_after_blank_lines_and_quoted_newlines(tmp_path):
    p = tmp_path / "flows.csv"
    p.write_text(HEADER + GOOD[0] + "\n\n   \n"
                 + '2022,MNG,RUS,trade,trade.goods.turnover,,2,USD bn,"a note\nover two lines"\n'
                 + "2022,MNG,KAZ,trade,trade.goods.turnover,,eight,USD bn,test\n",
                 encoding="utf-8")
    # physical lines: 1 header, 2 row, 3-4 blank, 5-6 quoted row, 7 the bad row
    with pytest.raises(InputError) as info:
        read_flows(p)
    assert f"{p} line 7, column 'value': bad_value: saw 'eight'" in str(info.value)
    fs = read_flows(p, lenient=True)
    assert fs.data["line"].tolist() == [2, 5]
    assert fs.data["source"].tolist() == ["test", "a note\nover two lines"]
    assert fs.quarantine["line"].tolist() == [7]


def test_line_numbers_with_crlf_and_leading_blank_lines(tmp_path):
    p = tmp_path / "flows.csv"
    body = "\r\n\r\n" + HEADER + GOOD[0] + "\n" + "2022,MNG,XXK,trade,trade.goods.turnover,,1,USD bn,t\n"
    p.write_bytes(body.replace("\n", "\r\n").replace("\r\r\n", "\r\n").encode())
    fs = read_flows(p, lenient=True)
    assert fs.data["line"].tolist() == [4]
    assert fs.quarantine[["line", "reason"]].values.tolist() == [[5, "unknown_code"]]


@pytest.mark.parametrize("quoted", [False, True])
def test_lenient_quarantines_ragged_rows(tmp_path, quoted):
    extra = ',"x"' if quoted else ",x"
    p = write(tmp_path / "flows.csv", [GOOD[0], GOOD[1] + extra, "2022,MNG,KAZ,trade",
                                       GOOD[2]])
    fs = read_flows(p, lenient=True)
    assert fs.counts == {"read": 4, "loaded": 2, "quarantined": 2}
    q = fs.quarantine.set_index("line")
    assert q.loc[3, "reason"] == "bad_field_count"
    assert "saw 10 field(s)" in q.loc[3, "message"]
    assert "expected 9 fields, as many as the header" in q.loc[3, "message"]
    assert q.loc[4, "reason"] == "bad_field_count"
    assert "saw 4 field(s) in '2022,MNG,KAZ,trade'" in q.loc[4, "message"]
    assert fs.data["line"].tolist() == [2, 5]
    with pytest.raises(SchemaError, match=r"(?s)2 problem\(s\).*line 3, column '\(row\)'"):
        read_flows(p)


def test_lenient_quarantines_an_unterminated_quote_and_reads_on(tmp_path):
    p = write(tmp_path / "flows.csv", [GOOD[0], '2022,MNG,RUS,trade,trade.goods.turnover,,2,'
                                                'USD bn,"never closed', GOOD[2],
                                       "2022,MNG,KAZ,trade,trade.goods.turnover,,1,USD bn,t"])
    fs = read_flows(p, lenient=True)
    assert fs.counts == {"read": 4, "loaded": 3, "quarantined": 1}
    assert fs.quarantine[["line", "reason"]].values.tolist() == [[3, "unterminated_quote"]]
    assert fs.data["line"].tolist() == [2, 4, 5]
    with pytest.raises(SchemaError, match="line 3, column '\\(row\\)': unterminated_quote"):
        read_flows(p)


def test_text_after_a_closing_quote_is_quarantined(tmp_path):
    p = write(tmp_path / "flows.csv", [GOOD[0], '2022,MNG,"RUS"x,trade,trade.goods.turnover,,2,'
                                                'USD bn,t', GOOD[2]])
    fs = read_flows(p, lenient=True)
    assert fs.quarantine[["line", "reason"]].values.tolist() == [[3, "bad_quote"]]
    assert fs.counts == {"read": 3, "loaded": 2, "quarantined": 1}


def test_a_row_with_several_problems_names_them_all(tmp_path):
    p = write(tmp_path / "flows.csv", [*GOOD, "2022,MNG,XXK,trade,trade.goods.turnover,,-1,"
                                              "EUR bn,test"])
    fs = read_flows(p, lenient=True)
    assert fs.counts == {"read": 4, "loaded": 3, "quarantined": 1}
    row = fs.quarantine.iloc[0]
    assert row["reason"] == "negative_value;unknown_code;unit_mismatch"
    assert (row["column"], row["value"]) == ("value", "-1")
    for text in ("unknown_code: saw 'XXK'", "negative_value: saw '-1'",
                 "unit_mismatch: saw 'EUR bn'"):
        assert text in row["message"]
    with pytest.raises(InputError) as info:
        read_flows(p)
    assert len(info.value.issues) == 3
    assert "3 problem(s)" in str(info.value)


def test_strict_lists_every_problem_with_a_capped_message(tmp_path):
    bad = [f"2022,MNG,CHN,trade,trade.goods.turnover,P{i},-{i + 1},USD bn,t" for i in range(30)]
    p = write(tmp_path / "flows.csv", bad)
    with pytest.raises(InputError) as info:
        read_flows(p)
    msg = str(info.value)
    assert len(info.value.issues) == 30
    assert "30 problem(s)" in msg and "... and 10 more" in msg
    assert msg.count("negative_value") == 20


def test_a_huge_cell_is_cut_in_messages(tmp_path):
    p = write(tmp_path / "flows.csv", [*GOOD, "2022,MNG,CHN,trade,trade.goods.turnover,,"
                                       + "9" * 5000 + "x,USD bn,test"])
    with pytest.raises(InputError) as info:
        read_flows(p)
    assert "(5,001 characters)" in str(info.value)
    assert len(str(info.value)) < 2000


def test_parquet_rows_are_checked_like_csv(tmp_path):
    df = pd.read_csv(write(tmp_path / "a.csv", GOOD), dtype=str, keep_default_na=False)
    df["value"] = [8.0, -2.0, 12.0]
    df["year"] = [2022, 2022, 2022]
    df.to_parquet(tmp_path / "f.parquet")
    fs = read_flows(tmp_path / "f.parquet", lenient=True)
    assert fs.quarantine[["line", "reason", "value"]].values.tolist() == [
        [2, "negative_value", "-2"]]


def test_loaded_frames_satisfy_the_pandera_contract(tmp_path):
    p = tmp_path / "flows.csv"
    p.write_text(HEADER + "\n".join(GOOD) + "\n\n"
                 + '2022,MNG,KAZ,trade,trade.goods.turnover,P1,1,USD bn,"x,\ny"\n'
                 + "2022,MNG,EU27,trade,trade.goods.turnover,,1,USD bn,t\n"
                 + "2022,MNG,ITA,trade,trade.goods.turnover,,1,USD bn,t\n"
                 + "2022,MNG,ITA,trade,trade.goods.turnover,,1,USD bn,t,extra\n",
                 encoding="utf-8")
    fs = read_flows(p, lenient=True)
    assert fs.counts == {"read": 7, "loaded": 5, "quarantined": 2}
    assert set(fs.quarantine["reason"]) == {"group_overlap", "bad_field_count"}
    flows_contract().validate(fs.data, lazy=True)


# --------------------------------------------------------------------------------------------
# the old validator as oracle: same problems, same loaded rows


def test_vectorised_checks_match_the_previous_row_by_row_validator(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    try:
        from benchmarks.bench_flows import (
            _old_validate,
            add_overlap_partners,
            generate,
            new_validate,
        )
    finally:
        sys.path.pop(0)
    p = tmp_path / "mix.csv"
    generate(p, 6000, seed=11, extras=False)
    add_overlap_partners(p)
    with p.open("a", encoding="utf-8") as fh:  # the rarer kinds, each at least once
        fh.write("2022.0,MNG,CHN,trade,trade.goods.turnover,X1,1,USD bn,t\n"
                 "2022,MNG,CHN,trade,trade.goods.turnover,X1,2,USD bn,t\n"
                 "2022,MNG,EAEU,trade,trade.goods.turnover,X2,1,USD bn,t\n"
                 "2022,MNG,KAZ,trade,trade.goods.turnover,X2,1,USD bn,t\n"
                 "2022,MNG,CA5,trade,trade.goods.turnover,X2,1,USD bn,t\n"
                 "2022,OTH,CHN,trade,trade.goods.turnover,X3,1e400,USD bn,t\n"
                 ",,,,,,,,\n"
                 "2022,MNG,CHN,energy,trade.goods.turnover,X4,nan,,t\n")
    raw = pd.read_csv(p, dtype=str, keep_default_na=False)
    old_problems, old_loaded = _old_validate(raw, str(p), raw.index.to_numpy() + 2)
    parse, new_problems, new_loaded = new_validate(p)
    assert parse == []
    reasons = {x[4] for x in old_problems}
    assert reasons >= {"missing_value", "bad_year", "bad_value", "negative_value",
                       "unknown_code", "bad_reporter", "self_partner", "unknown_domain",
                       "unknown_indicator", "domain_mismatch", "unit_mismatch",
                       "duplicate_key", "group_overlap"}
    assert sorted(new_problems) == sorted(old_problems)
    assert new_loaded == old_loaded


# --------------------------------------------------------------------------------------------
# outputs: formula injection, output paths, no absolute paths


def test_escape_formula():
    assert [escape_formula(v) for v in ["=1+2", "+1", "-3", "@SUM(A1)", "\tx", "\rx", "ok", 5,
                                        None, ""]] == [
        "'=1+2", "'+1", "'-3", "'@SUM(A1)", "'\tx", "'\rx", "ok", 5, None, ""]


def test_quarantine_csv_escapes_formulas(tmp_path, capsys, monkeypatch):
    p = write(tmp_path / "flows.csv", [
        *GOOD,
        '=HYPERLINK("http://evil.example";"CLICK"),MNG,CHN,trade,trade.goods.turnover,,1,'
        "USD bn,t",
        "2022,@SUM(A1),CHN,trade,trade.goods.turnover,,1,USD bn,t",
        "2022,MNG,KAZ,trade,trade.goods.turnover,,-3,USD bn,t",
    ])
    out = tmp_path / "q.csv"
    code, _, _err = cli(["validate", p, "--quarantine", out], capsys, monkeypatch)
    assert code == 1
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["value"] for r in rows) == [
        "'-3", "'=HYPERLINK(\"http://evil.example\";\"CLICK\")", "'@SUM(A1)"]
    for r in rows:
        for v in r.values():
            assert not v.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert list(rows[0]) == list(QUARANTINE_COLUMNS)


@pytest.mark.parametrize(("where", "expected"), [
    ("missing/q.csv", "the folder missing does not exist"),
    (".", "is a folder; expected a path for the quarantine file"),
])
def test_quarantine_to_a_bad_path_is_a_clear_error(tmp_path, where, expected, capsys,
                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = write(tmp_path / "flows.csv", [*GOOD, "2022,MNG,XXK,trade,trade.goods.turnover,,1,"
                                              "USD bn,t"])
    code, _, err = cli(["validate", p, "--quarantine", where], capsys, monkeypatch)
    assert code == 2
    assert expected in err


def test_display_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert display_path(tmp_path / "a" / "b.csv") == os.path.join("a", "b.csv")
    assert display_path("rel/x.csv") == "rel/x.csv"
    assert display_path("/elsewhere/x.csv") == "/elsewhere/x.csv"


def _strings(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)
    elif isinstance(obj, str):
        yield obj


def _no_absolute(text: str, *roots: Path) -> None:
    for s in _strings(json.loads(text)):
        assert not s.startswith("/"), s
        for root in roots:
            assert str(root) not in s, s


@pytest.mark.parametrize("args", [["assess", "--json"],
                                  ["explain", "--domain", "security", "--json"]])
def test_json_of_the_default_carries_no_absolute_path(args, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(args, capsys, monkeypatch)
    assert code == 0, err
    _no_absolute(out, Path(equipoise.__file__).parent, tmp_path)
    assert "kazakhstan/flows.csv" in out


@pytest.mark.parametrize("how", ["relative", "absolute under cwd"])
@pytest.mark.parametrize("command", ["assess", "explain"])
def test_json_of_a_user_file_carries_no_absolute_path(mng_csv, how, command, capsys,
                                                      monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    p = tmp_path / "data" / "mongolia.csv"
    p.write_bytes(mng_csv.read_bytes())
    given = "data/mongolia.csv" if how == "relative" else str(p)
    args = [command, "--focal", "MNG", "--data", given, "--json"]
    if command == "explain":
        args[1:1] = ["--domain", "trade"]
    code, out, err = cli(args, capsys, monkeypatch)
    assert code == 0, err
    _no_absolute(out, tmp_path, Path(equipoise.__file__).parent)
    assert "data/mongolia.csv" in out


def test_error_messages_show_the_path_as_given(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = write(tmp_path / "flows.csv", [*GOOD, "2022,MNG,XXK,trade,trade.goods.turnover,,1,"
                                              "USD bn,t"])
    code, _, err = cli(["assess", "--focal", "MNG", "--data", p], capsys, monkeypatch)
    assert code == 2
    assert "flows.csv line 5, column 'partner'" in err
    assert str(tmp_path) not in err


def test_read_flows_default_provenance_names_the_dataset():
    from equipoise.datasets import load_default

    files = set(load_default("KAZ").data["file"])
    assert files == {"kazakhstan/flows.csv", "kazakhstan/derived.csv"}


def test_quarantine_counts_add_up_on_a_messy_file(tmp_path):
    body = io.StringIO()
    body.write(HEADER)
    body.write("\n".join(GOOD) + "\n\n")
    body.write("2022,MNG,KAZ,trade,trade.goods.turnover,,1,USD bn\n")  # ragged
    body.write("2022,MNG,KGZ,trade,trade.goods.turnover,,x,USD bn,t\n")  # bad value
    body.write("2022,MNG,CHN,trade,trade.goods.turnover,,9,USD bn,t\n")  # duplicate
    body.write('2022,MNG,UZB,trade,trade.goods.turnover,,1,USD bn,"open\n')  # unterminated
    body.write("2022,MNG,TKM,trade,trade.goods.turnover,,1,USD bn,t\n")
    p = tmp_path / "messy.csv"
    p.write_text(body.getvalue(), encoding="utf-8")
    fs = read_flows(p, lenient=True)
    c = fs.counts
    assert c["read"] == c["loaded"] + c["quarantined"] == 8
    assert dict(zip(fs.quarantine["line"], fs.quarantine["reason"], strict=True)) == {
        6: "bad_field_count", 9: "unterminated_quote", 7: "bad_value", 8: "duplicate_key"}
    assert fs.data["line"].tolist() == [2, 3, 4, 10]


# --------------------------------------------------------------------------------------------
# the fast CSV scan agrees with the record-by-record parser


def _csv_texts():
    from hypothesis import strategies as st

    cell = st.sampled_from(["2022", "MNG", "CHN", "", " x ", "a b", '"q,1"', '"two\nlines"',
                            '"say ""hi"""', "1.5", '"x"y', 'a"b', "\t", "caf\u00e9",
                            "\u00a0n", "-3"])
    row = st.lists(cell, min_size=1, max_size=5).map(",".join)
    sep = st.sampled_from(["\n", "\r\n", "\n\n", "\n  \n"])
    return st.tuples(st.lists(row, min_size=1, max_size=8), sep).map(
        lambda t: "a,b,c\n" + t[1].join(t[0]))


def test_fast_scan_matches_the_record_parser():
    from hypothesis import given, settings

    from equipoise.io.flows import _parse_csv_fast, _parse_csv_slow

    @settings(derandomize=True, max_examples=300, deadline=None)
    @given(_csv_texts())
    def check(text):
        body = text.encode().rstrip(b" \t\r\n")
        fast = _parse_csv_fast(body, "f.csv")
        if fast is None:
            return
        slow = _parse_csv_slow(text, "f.csv")
        assert fast[1].tolist() == slow[1].tolist()
        assert [(p.line, p.reason) for p in fast[2]] == [(p.line, p.reason) for p in slow[2]]
        got = fast[0].astype(object)
        want = slow[0].astype(object).apply(lambda c: c.str.strip())
        assert got.values.tolist() == want.values.tolist()

    check()


def test_read_flows_bytes_matches_read_flows(tmp_path):
    from equipoise.io.flows import read_flows_bytes

    p = tmp_path / "up.csv"
    p.write_text(HEADER + GOOD[0] + "\n\n" + GOOD[1] + ",x\n"
                 + "2022,MNG,KAZ,trade,trade.goods.turnover,,-1,USD bn,t\n", encoding="utf-8")
    a = read_flows(p, lenient=True, label=lambda _: "up.csv")
    b = read_flows_bytes(p.read_bytes(), source="up.csv", lenient=True)
    assert a.counts == b.counts == {"read": 3, "loaded": 1, "quarantined": 2}
    pd.testing.assert_frame_equal(a.quarantine, b.quarantine)
    pd.testing.assert_frame_equal(a.data, b.data)
    with pytest.raises(InputFileError, match=r"up\.csv: not UTF-8: byte 0xE9 at line 1"):
        read_flows_bytes(b"caf\xe9", source="up.csv")


@pytest.mark.parametrize("series", [
    pd.Series([1, 2, None], dtype="Int64"), pd.Series([2022, 2023]),
    pd.Series([1.0, 2.5, float("nan"), 1e20, -0.0, float("inf")]),
    pd.Series(["a ", None, " b"], dtype=object), pd.Series([True, False]),
    pd.Series([1, "x", None], dtype=object), pd.Series([" y", "z"], dtype="str"),
])
def test_vectorised_cell_text_equals_the_per_cell_rule(series):
    from equipoise.io.flows import _cell_text, _text_cells

    assert _text_cells(series).tolist() == [_cell_text(v) for v in series.astype(object)]
