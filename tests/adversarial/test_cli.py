"""Adversarial inputs to the CLI (issue 14): each case makes its input with a fixture, runs the
console-script entry point :func:`equipoise._cli.main.run` in-process (a few through a real
subprocess), and checks the exit code, the error text and that no traceback is printed.

Exit codes (see ``equipoise._cli.main``): 0 done, 1 validate found bad rows, 2 bad
input/option/file, 70 internal error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import equipoise
from equipoise._cli.main import describe_error, run

TRACEBACK = "Traceback (most recent call last)"
ARTICLE = Path(__file__).parents[1] / "extract" / "articles" / "03_c5_washington.txt"
SRC = Path(equipoise.__file__).resolve().parents[1]


def invoke(capsys, args: list[str]) -> tuple[int, str, str]:
    """Run the console script in-process: (exit code, stdout, stderr). Any exception other
    than SystemExit escaping ``run`` fails the test (that would be a traceback)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        run([str(a) for a in args])
    out, err = capsys.readouterr()
    err = " ".join(err.replace("\u2502", " ").split())  # Click's error box, unwrapped
    code = info.value.code
    code = 0 if code is None else code if isinstance(code, int) else 1
    assert TRACEBACK not in out + err
    return code, out, err


# ------------------------------------------------------------------------------ input files
FLOWS_HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Every adversarial input file, written fresh for each test."""
    f: dict[str, Path] = {}

    def put(name: str, data: bytes | str) -> None:
        p = tmp_path / name
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        f[name] = p

    put("binary.bin", bytes(range(256)) * 4)
    put("empty.csv", b"")
    put("doctrine_utf16.toml", "[doctrine]\nname = 'x'\n".encode("utf-16"))
    put("nested.toml", "x = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n")
    put("latin1.txt", ("Line one.\n" * 4 + "Caf\xe9 talks in Astana.\n").encode("latin-1"))
    put("big_article.txt", "Kazakhstan and China signed an agreement. " * 30_000)
    put("shares_bad.csv", "domain,partner,share\nspace,RUS,0.5\ntrade,XXX,0.2\ntrade,CHN,7\n")
    put("screen_bad.csv", "foo,bar\n1,2\n")
    put("screen_bad_values.csv", "domain,world_hhi,value\ntrade,2.5,10\nenergy,0.3,-1\n")
    put("events_bad.csv", "date,actor,counterpart,kind,domains,value_usd,source\n"
                          "2024-05-01,KAZ,ZZZ,visit,trade,,x\n")
    put("sim_no_focal.toml", "[simulate]\nruns = 2000\nseed = 1\n")
    put("sim_huge_runs.toml", "[simulate]\nruns = 1e12\n")
    put("markup.csv", FLOWS_HEADER
        + "2023,KAZ,[/bold],trade,trade.goods.turnover,,1,USD bn,x\n"
        + "2023,KAZ,[link=http://evil.example]CLICK[/link],trade,trade.goods.turnover,,1,"
          "USD bn,x\n"
        + "2023,KAZ,\x1b[31mRED,trade,trade.goods.turnover,,1,USD bn,x\n"
        + '2023,KAZ,"=HYPERLINK(""http://evil.example"")",trade,trade.goods.turnover,,1,'
          'USD bn,x\n')
    (tmp_path / "a_folder").mkdir()
    f["a_folder"] = tmp_path / "a_folder"
    f["missing_parent_q"] = tmp_path / "no" / "such" / "q.csv"
    f["tmp"] = tmp_path
    return f


# (id, args with {file} placeholders, expected exit code, expected texts in stderr)
CASES = [
    # numeric options: bounded, with the option named
    # (simulate's runs and seed are checked by risk.montecarlo, with its message)
    ("simulate-runs-huge", ["simulate", "--runs", "10000000000"], 2,
     ["runs: expecting a whole number in 1..10,000,000"]),
    ("simulate-runs-zero", ["simulate", "--runs", "0"], 2, ["runs: expecting"]),
    ("simulate-seed-negative", ["simulate", "--seed", "-1"], 2,
     ["seed: expecting a whole number in 0..2**128-1"]),
    ("simulate-rho-one", ["simulate", "--rho-bloc", "1.5"], 2, ["--rho-bloc"]),
    ("align-reps-huge", ["align", "--reps", "100000000"], 2, ["--reps", "100000"]),
    ("align-min-rollcalls-negative", ["align", "--min-rollcalls", "-1"], 2,
     ["--min-rollcalls"]),
    ("align-level", ["align", "--level", "1.5"], 2, ["--level"]),
    ("align-from-year", ["align", "--from", "99999"], 2, ["--from", "2100"]),
    ("plan-scenarios-huge", ["plan", "--scenarios", "1000000000"], 2, ["--scenarios"]),
    ("plan-horizon", ["plan", "--horizon", "0"], 2, ["--horizon"]),
    ("plan-alpha", ["plan", "--alpha", "1"], 2, ["--alpha"]),
    ("evaluate-seed", ["evaluate", "us-c5plus1-deals-2025", "--seed", "-1"], 2, ["--seed"]),
    ("extract-year", ["extract", ARTICLE, "--year", "99999"], 2, ["--year", "2100"]),
    ("blocs-year", ["blocs", "--year", "99999"], 2, ["--year", "2100"]),
    ("assess-year", ["assess", "--year", "1000"], 2, ["--year", "1900"]),
    ("screen-year", ["screen", "--year", "0"], 2, ["--year"]),
    ("shock-intensity", ["shock", "--partner", "RUS", "--intensity", "2"], 2, ["--intensity"]),
    ("corridors-contingencies", ["corridors", "--contingencies", "3"], 2, ["--contingencies"]),
    ("report-reps", ["report", "--reps", "1"], 2, ["--reps"]),
    ("ingest-wait", ["ingest", "baci", "{binary.bin}", "--wait", "-5"], 2, ["--wait"]),
    # unknown codes and vocabularies
    ("blocs-poles", ["blocs", "--poles", "XXX"], 2, ["--poles", "'XXX'", "ISO3"]),
    ("blocs-focal", ["blocs", "--focal", "QQQ"], 2, ["--focal", "'QQQ'"]),
    ("extract-focal", ["extract", ARTICLE, "--focal", "XXX"], 2, ["--focal", "'XXX'"]),
    ("ledger-poles", ["ledger", "--poles", "CHN,XYZ"], 2, ["--poles", "'XYZ'"]),
    ("sources-domain", ["sources", "--domain", "space"], 2,
     ["expecting one of (", "Got 'space'"]),
    ("shock-partner", ["shock", "--partner", "XXX"], 2, ["--partner", "'XXX'"]),
    ("shock-shares", ["shock", "--partner", "RUS", "--shares", "{shares_bad.csv}"], 2,
     ["shares_bad.csv: shares table", "row 2, column 'domain'", "Got 'space'", "'XXX'",
      "row 4, column 'share'"]),
    ("shock-screen-garbage", ["shock", "--partner", "RUS", "--screen", "{screen_bad.csv}"], 2,
     ["screen_bad.csv: product screen: missing column(s)", "found ['bar', 'foo']"]),
    ("shock-screen-values", ["shock", "--partner", "RUS", "--screen",
                             "{screen_bad_values.csv}"], 2,
     ["screen_bad_values.csv: product screen", "row 2, column 'world_hhi': 2.5",
      "row 3, column 'value': -1"]),
    ("assess-events", ["assess", "--events", "{events_bad.csv}"], 2,
     ["events_bad.csv line 2, column 'counterpart'", "'ZZZ'"]),
    ("ledger-events", ["ledger", "{events_bad.csv}"], 2,
     ["events_bad.csv line 2, column 'counterpart'", "'ZZZ'"]),
    # files that are not what they claim
    ("doctrine-utf16", ["check", "--doctrine", "{doctrine_utf16.toml}"], 2,
     ["doctrine_utf16.toml: the doctrine file is UTF-16", "expected UTF-8"]),
    ("doctrine-folder", ["assess", "--doctrine", "{a_folder}"], 2, ["a_folder", "folder"]),
    ("doctrine-binary", ["plan", "--doctrine", "{binary.bin}"], 2, ["binary.bin", "UTF-8"]),
    ("doctrine-nested", ["check", "--doctrine", "{nested.toml}"], 2,
     ["nested.toml", "nested 65 deep; expected at most 64 levels"]),
    ("action-binary", ["evaluate", "{binary.bin}"], 2, ["binary.bin"]),
    ("shock-request-folder", ["shock", "--request", "{a_folder}"], 2, ["a_folder", "folder"]),
    ("simulate-config-nested", ["simulate", "--config", "{nested.toml}"], 2,
     ["nested.toml line 1: tables or arrays nested 65 deep"]),
    ("simulate-config-huge-runs", ["simulate", "--config", "{sim_huge_runs.toml}"], 2,
     ["sim_huge_runs.toml", "key 'runs' (line 2)", "1..10,000,000"]),
    ("corridors-binary", ["corridors", "--nodes", "{binary.bin}", "--edges", "{binary.bin}",
                          "--from", "A", "--to", "B"], 2, ["binary.bin", "UTF-8"]),
    ("extract-latin1", ["extract", "{latin1.txt}"], 2,
     ["latin1.txt", "byte 0xE9 at line 5, column 4"]),
    ("extract-folder", ["extract", "{a_folder}"], 2, ["a_folder", "folder"]),
    ("extract-missing", ["extract", "{tmp}/nope.txt"], 2, ["nope.txt", "no such article file"]),
    ("extract-too-big", ["extract", "{big_article.txt}"], 2,
     ["big_article.txt", "1,260,000 bytes", "larger than the 1.0 MiB allowed"]),
    ("ledger-binary", ["ledger", "{binary.bin}"], 2, ["binary.bin", "binary content", "line 1, column 1"]),
    ("ledger-empty", ["ledger", "{empty.csv}"], 2, ["empty.csv", "empty"]),
    ("ledger-folder", ["ledger", "{a_folder}"], 2, ["a_folder", "folder"]),
    ("idealpoints-binary", ["align", "--measure", "ipd", "--idealpoints", "{binary.bin}"], 2,
     ["binary.bin", "UTF-8"]),
    # output paths
    ("validate-quarantine-folder", ["validate", "{markup.csv}", "--quarantine", "{a_folder}"],
     2, ["--quarantine", "a_folder", "is a folder"]),
    ("report-out-folder", ["report", "--out", "{a_folder}"], 2, ["--out", "is a folder"]),
    ("run-out-file", ["run", "--out", "{markup.csv}"], 2, ["--out", "is a file"]),
    ("screen-parquet-folder", ["screen", "--parquet", "{a_folder}"], 2, ["--parquet"]),
    # the screen's thresholds are numbers too
    ("screen-thresholds-hhi", ["screen", "--thresholds", "import_hhi=5"], 2,
     ["thresholds.import_hhi", "0..1", "Got '5'"]),
    ("screen-thresholds-nan", ["screen", "--thresholds", "world=nan"], 2,
     ["thresholds.world_export_hhi", "Got 'nan'"]),
    ("screen-thresholds-window", ["screen", "--thresholds", "window=100000"], 2,
     ["thresholds.window", "1..30"]),
    ("screen-thresholds-min-years", ["screen", "--thresholds", "window=2,min_years=3"], 2,
     ["min_years <= window", "Got min_years=3"]),
]


def _fill(args, files):
    out = []
    for a in args:
        a = str(a)
        for name, p in files.items():
            a = a.replace("{" + name + "}", str(p))
        out.append(a)
    return out


@pytest.mark.parametrize(("args", "code", "texts"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_adversarial_case(capsys, files, args, code, texts):
    got, out, err = invoke(capsys, _fill(args, files))
    assert got == code, (out, err)
    for t in texts:
        assert t in err, (t, err)
    assert "internal error" not in err


def test_validate_escapes_markup_and_terminal_codes(capsys, files, tmp_path):
    q = tmp_path / "q.csv"
    code, out, err = invoke(capsys, ["validate", files["markup.csv"], "--quarantine", q])
    assert code == 1
    assert "[/bold]" in out  # printed as written, not read as markup (which crashed)
    assert "[link=http://evil.example]CLICK" in out  # shown, not turned into a link
    assert "\x1b" not in out + err and "\\x1b[31mRED" in out
    text = q.read_text()
    assert "'=HYPERLINK(" in text  # CSV formula injection defused
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_quarantine_in_missing_folder_is_refused_before_work(capsys, files):
    """--quarantine: the folder must exist (as io.files.write_csv says); --out of report and
    run create theirs."""
    code, _out, err = invoke(capsys, ["validate", files["markup.csv"], "--quarantine",
                                      files["missing_parent_q"]])
    assert code == 2
    assert "--quarantine" in err and "does not exist; create it first" in err
    assert not files["missing_parent_q"].parent.exists()


def test_simulate_config_without_focal_uses_kaz(capsys, files):
    code, out, err = invoke(capsys, ["simulate", "--config", files["sim_no_focal.toml"],
                                     "--json"])
    assert code == 0, err
    d = json.loads(out)
    assert d["focal"] == "KAZ" and d["runs"] == 2000


def test_internal_error_is_one_line_exit_70(capsys, monkeypatch):
    import equipoise.measures.blocs as blocs

    def boom(*a, **k):
        raise RuntimeError("something\nunexpected")

    monkeypatch.setattr(blocs, "bloc_report", boom)
    code, _out, err = invoke(capsys, ["blocs"])
    assert code == 70
    assert err.strip() == ("internal error: RuntimeError: something unexpected; run with "
                           "--debug for the traceback")


@pytest.mark.parametrize("where", ["before", "after", "env"])
def test_debug_shows_the_traceback(capsys, monkeypatch, where):
    from equipoise.errors import UnknownCountryError

    args = {"before": ["--debug", "blocs", "--poles", "XXX"],
            "after": ["blocs", "--poles", "XXX", "--debug"],
            "env": ["blocs", "--poles", "XXX"]}[where]
    if where == "env":
        monkeypatch.setenv("EQUIPOISE_DEBUG", "1")
    with pytest.raises(UnknownCountryError):
        run(args)


@pytest.mark.parametrize(("exc", "code", "text"), [
    (FileNotFoundError(2, "No such file or directory", "/x/y.csv"), 2,
     "error: cannot open /x/y.csv: no such file or folder"),
    (IsADirectoryError(21, "Is a directory", "/x"), 2, "error: /x: is a folder"),
    (PermissionError(13, "Permission denied", "/x/q.csv"), 2,
     "error: cannot read/write /x/q.csv: permission denied"),
    (NotADirectoryError(20, "Not a directory", "/f/q.csv"), 2, "a part of the path is a file"),
    (UnicodeDecodeError("utf-8", b"ab\ncd\xffe", 5, 6, "invalid start byte"), 2,
     "byte 0xff at line 2, column 3 (byte 5)"),
    (MemoryError(), 70, "internal error: out of memory"),
    (RecursionError("maximum recursion depth exceeded"), 70,
     "internal error: RecursionError"),
    (ValueError("bad \x1b[2J"), 70, "internal error: ValueError: bad \\x1b[2J; run with --debug"),
])
def test_describe_error(exc, code, text):
    msg, got = describe_error(exc)
    assert got == code
    assert text in msg
    assert "\x1b" not in msg


def test_safe_text_and_esc():
    from equipoise._cli._common import esc, safe_text

    assert safe_text("a\x1b[31mb\x07\n\tc") == "a\\x1b[31mb\\x07\n\tc"
    assert safe_text("\u202eevil") == "\\u202eevil"  # right-to-left override shown
    assert esc("[link=http://e]x[/link]") == "\\[link=http://e]x\\[/link]"


def test_console_script_subprocess(files):
    """The real console entry point: a bad option and a binary file, no traceback."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(SRC)}
    env.pop("EQUIPOISE_DEBUG", None)
    for args, code, text in (
            (["align", "--seed", "-1"], 2, "--seed"),
            (["extract", str(files["latin1.txt"])], 2, "line 5, column 4"),
            (["check", "--doctrine", str(files["nested.toml"])], 2, "expected at most 64 levels")):
        proc = subprocess.run([sys.executable, "-c", "from equipoise._cli.main import run; run()",
                               *args], capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == code, proc.stderr
        assert text in proc.stderr
        assert TRACEBACK not in proc.stdout + proc.stderr


# --------------------------------------------------------------- random bytes, every file arg
FILE_COMMANDS = {
    "validate": ["validate", "{f}"],
    "assess-data": ["assess", "--data", "{f}"],
    "assess-events": ["assess", "--events", "{f}"],
    "check-doctrine": ["check", "--doctrine", "{f}"],
    "evaluate": ["evaluate", "{f}"],
    "plan-doctrine": ["plan", "--doctrine", "{f}"],
    "shock-shares": ["shock", "--partner", "RUS", "--shares", "{f}"],
    "shock-screen": ["shock", "--partner", "RUS", "--screen", "{f}"],
    "shock-request": ["shock", "--request", "{f}"],
    "simulate-config": ["simulate", "--config", "{f}"],
    "corridors-nodes": ["corridors", "--nodes", "{f}", "--edges", "{f}", "--from", "A",
                        "--to", "B"],
    "ledger": ["ledger", "{f}"],
    "extract": ["extract", "{f}"],
    "align-idealpoints": ["align", "--measure", "ipd", "--idealpoints", "{f}"],
    "align-votes": ["align", "--votes", "{f}"],
}

# random bytes with at least one byte that is never valid UTF-8, at a random place
_RANDOM = st.tuples(st.binary(max_size=300), st.sampled_from([b"\xff", b"\xc0", b"\xfe"]),
                    st.binary(max_size=300)).map(lambda t: t[0] + t[1] + t[2])


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
@settings(max_examples=4, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_RANDOM)
def test_random_bytes_as_a_file_argument(capsys, tmp_path, command, data):
    suffix = ".toml" if command in ("evaluate",) else ".csv"
    p = tmp_path / f"random{suffix}"
    p.write_bytes(data)
    args = [a.replace("{f}", str(p)) for a in FILE_COMMANDS[command]]
    code, _out, err = invoke(capsys, args)
    assert code == 2, (command, err)
    assert p.name in err, (command, err)  # located: the file is named
    assert "internal error" not in err


def test_explain_escapes_source_cells(capsys, tmp_path):
    p = tmp_path / "mng.csv"
    p.write_text(FLOWS_HEADER
                 + "2023,MNG,CHN,trade,trade.goods.turnover,,8,USD bn,[/bold]x\x1b[31m\n"
                 + "2023,MNG,RUS,trade,trade.goods.turnover,,2,USD bn,[link=http://e.x]CLICK"
                   "[/link]\n"
                 + "2023,MNG,WLD,trade,trade.goods.turnover,,12,USD bn,t\n")
    code, out, err = invoke(capsys, ["explain", "--focal", "MNG", "--data", p, "--domain",
                                     "trade"])
    assert code == 0, err
    assert "[/bold]x\\x1b[31m" in out and "\x1b" not in out
    assert "[link=http://e.x]CLICK[/link]" in out


def test_evidence_rows_listed_once_by_hand():
    """Two rules citing the same two rows and one more: three rows in evidence_rows, the ids
    point at them, the inline sample keeps the old shape; a shipped file is named by its path
    in the package by display_path."""
    import equipoise.assessment as A

    shipped = str(Path(A.__file__).resolve().parent / "datasets" / "x.csv")
    r1 = {"file": shipped, "line": 2, "partner": "CHN"}
    r2 = {"file": shipped, "line": 3, "partner": "RUS"}
    r3 = {"file": "rel.csv", "line": 9, "partner": "USA"}
    out = {"doctrine": {"check": {"rules": [
        {"name": "a", "evidence": {"source_rows": [r1, r2]}},
        {"name": "b", "evidence": {"source_rows": [r2, r1, r3]}},
        {"name": "c", "evidence": {"value": 1}}]}}}
    d = A.reference_evidence(out)
    assert d["evidence_rows"] == [{"file": shipped, "line": 2, "partner": "CHN"},
                                  {"file": shipped, "line": 3, "partner": "RUS"},
                                  {"file": "rel.csv", "line": 9, "partner": "USA"}]
    assert A.display_path(shipped) == "equipoise:datasets/x.csv"
    rules = d["doctrine"]["check"]["rules"]
    assert rules[0]["evidence"]["source_row_ids"] == [0, 1]
    assert rules[1]["evidence"]["source_row_ids"] == [1, 0, 2]
    assert rules[1]["evidence"]["source_rows_count"] == 3
    assert rules[1]["evidence"]["source_rows"][2] == {"file": "rel.csv", "line": 9,
                                                      "partner": "USA"}
    assert "source_row_ids" not in rules[2]["evidence"]


def test_assess_json_evidence_grows_once_with_the_input(capsys, tmp_path):
    """The same focal rows cited by several rules appear once in evidence_rows: the JSON of
    assess holds each input row at most once in the table (was: once per rule citing it)."""
    rows = [FLOWS_HEADER]
    partners = ["CHN", "RUS", "USA", "DEU", "FRA", "ITA", "TUR", "KOR", "JPN", "IND"]
    for prod in range(150):
        for p in partners:
            rows.append(f"2023,MNG,{p},trade,trade.goods.import,{prod + 10000:06d},1,USD bn,t\n")
    rows += [f"2023,MNG,{p},energy,energy.crude.export_route,,1,mt,t\n" for p in partners[:3]]
    f = tmp_path / "many.csv"
    f.write_text("".join(rows))
    code, out, err = invoke(capsys, ["assess", "--focal", "MNG", "--data", f, "--json"])
    assert code == 0, err
    d = json.loads(out)
    ev = d["evidence_rows"]
    assert len(ev) <= len(rows) - 1
    cited = [r["evidence"] for r in d["doctrine"]["check"]["rules"]
             if "source_row_ids" in r["evidence"]]
    assert sum(e["source_rows_count"] for e in cited) > len(ev)  # shared, not copied
    assert all(len(e["source_rows"]) <= 20 for e in cited)
    assert all(0 <= i < len(ev) for e in cited for i in e["source_row_ids"])


def test_cli_json_names_shipped_files_by_package_path(capsys):
    code, out, err = invoke(capsys, ["assess", "--json"])
    assert code == 0, err
    assert str(SRC) not in out
    d = json.loads(out)
    assert any(r["file"] == "kazakhstan/flows.csv" for r in d["evidence_rows"])
