"""The panel commands end to end (in process, through the one error boundary)."""

from __future__ import annotations

import csv
import json

import pytest

from equipoise._cli.main import run

from .layouts import write_all

TRACE = "Traceback (most recent call last)"


def _run(capsys, *args):
    with pytest.raises(SystemExit) as ei:
        run(list(args))
    out = capsys.readouterr()
    return ei.value.code, out.out, out.err


def _ok(capsys, *args):
    try:
        run(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    data = write_all(root / "data")
    db = root / "w.duckdb"
    run_ = [str(x) for x in ("panel", "build", "--data-dir", data, "--db", db, "--json",
                             "--no-embedded")]
    try:
        run(run_)
    except SystemExit as exc:
        assert not exc.code
    return data, db


def test_build_json_and_warehouse_list(built, capsys):
    data, db = built
    out = json.loads(_ok(capsys, "panel", "build", "--data-dir", str(data), "--db", str(db),
                         "--json", "--no-embedded"))
    assert out["rows_by_domain"]["political"] > 0 and out["year_from"] == 2004
    listing = json.loads(_ok(capsys, "warehouse", "list", "--db", str(db), "--json"))
    tables = {t["table"]: t["rows"] for t in listing["tables"]}
    assert tables["panel"] == out["rows"] and tables["panel_builds"] == 1


def test_show_json_and_csv(built, capsys, tmp_path):
    _, db = built
    target = tmp_path / "out" / "kaz.csv"
    out = json.loads(_ok(capsys, "panel", "show", "--focal", "kaz", "--domain", "trade",
                         "--indicator", "trade.goods.import", "--year", "2010", "--db",
                         str(db), "--json", "--csv", str(target)))
    rows = {r["partner"]: r for r in out["records"]}
    assert rows["RUS"]["share"] == pytest.approx(0.4)
    assert list(out["records"][0]) == ["focal", "year", "domain", "indicator", "partner",
                                       "value", "share", "basis", "coverage", "status",
                                       "source", "note"]
    with target.open() as fh:
        got = list(csv.DictReader(fh))
    assert {r["partner"] for r in got} == {"CHN", "DEU", "RUS", "USA", "WLD"}


def test_show_table(built, capsys):
    _, db = built
    out = _ok(capsys, "panel", "show", "--focal", "KAZ", "--from", "2010", "--to", "2010",
              "--domain", "security", "--db", str(db))
    assert "RUS" in out and "0.6" in out


def test_index_json_and_csv(built, capsys, tmp_path):
    _, db = built
    target = tmp_path / "idx.csv"
    out = json.loads(_ok(capsys, "index", "--focal", "KAZ", "--peers", "USA", "--from",
                         "2010", "--to", "2010", "--reps", "50", "--db", str(db), "--json",
                         "--csv", str(target)))
    recs = {r["state"]: r for r in out["records"]}
    assert recs["KAZ"]["rank"] == 1 and recs["USA"]["rank"] is None
    assert set(recs["KAZ"]["components"]) == {"dependency", "distinctness", "equal_distance",
                                              "predictability"}
    with target.open() as fh:
        got = list(csv.DictReader(fh))
    assert "component_dependency" in got[0]
    table = _ok(capsys, "index", "--all", "--reps", "0", "--db", str(db))
    assert "KAZ" in table


def test_index_table_is_readable_at_80_columns(built, monkeypatch, capsys):
    """Piped or in an 80-column terminal the index table keeps every line within 80 characters
    and cuts no cell ("…"): the index and its interval share one cell, components to two
    decimals; from 120 columns on, every column as before."""
    _, db = built
    args = ("index", "--focal", "KAZ", "--peers", "USA", "--reps", "20", "--db", str(db))
    monkeypatch.setenv("COLUMNS", "80")
    narrow = _ok(capsys, *args)
    assert "index [90 %]" in narrow and "KAZ" in narrow and "…" not in narrow
    assert max(len(line) for line in narrow.splitlines()) <= 80
    monkeypatch.setenv("COLUMNS", "160")
    wide = _ok(capsys, *args)
    assert "percentile" in wide and "predictability" in wide and "…" not in wide


@pytest.mark.parametrize(("args", "text"), [
    (["panel", "show", "--focal", "XYZ"], "'XYZ' is not an ISO3 country code"),
    (["panel", "show", "--focal", "KAZ", "--year", "1999"], "no rows for KAZ"),
    (["panel", "build", "--from", "2011", "--to", "2010"], "--from 2011 is after --to 2010"),
    (["panel", "build", "--only", "weather"], "not panel domains"),
    (["index", "--db"], None),
    (["index", "--all", "--focal", "KAZ"], "--all cannot be combined"),
    (["index", "--focal", "KAZ", "--peers", "UZB,QQQ"], "'QQQ' is not an ISO3"),
])
def test_bad_input_is_one_line(built, capsys, args, text):
    data, db = built
    extra = ["--db", str(db)] if args != ["index", "--db"] else [str(db), "--bogus"]
    if args[:2] == ["panel", "build"]:
        extra += ["--data-dir", str(data)]
    code, _, err = _run(capsys, *args, *extra)
    assert code == 2
    assert TRACE not in err
    if text:
        assert text in err


def test_missing_dataset_folder(tmp_path, capsys):
    data = write_all(tmp_path / "data")
    import shutil

    shutil.rmtree(data / "unvotes")
    code, _, err = _run(capsys, "panel", "build", "--data-dir", str(data), "--db",
                        str(tmp_path / "w.duckdb"))
    assert code == 2 and TRACE not in err
    assert "political dataset" in err and "docs/sources.md" in err and "unvotes" in err
    assert not (tmp_path / "w.duckdb").exists()  # located before the warehouse is opened


def test_build_says_what_it_reads(built, capsys, tmp_path):
    data, _ = built
    _ok(capsys, "panel", "build", "--data-dir", str(data), "--db", str(tmp_path / "x.duckdb"),
        "--only", "security")
    # _ok consumed the output; run again to look at stderr
    try:
        run(["panel", "build", "--data-dir", str(data), "--db", str(tmp_path / "x.duckdb"),
             "--only", "security"])
    except SystemExit as exc:
        assert not exc.code
    err = capsys.readouterr().err
    assert "reading security: SIPRI Arms Transfers Database" in err
    assert "writing the panel into" in err


def test_index_years_without_rows(built, capsys):
    _, db = built
    code, _, err = _run(capsys, "index", "--focal", "KAZ", "--from", "2030", "--db", str(db))
    assert code == 2 and "no rows in the years 2030-..." in err


def test_index_sensitivity_json_csv_and_table(built, capsys, tmp_path):
    _, db = built
    target = tmp_path / "sens.csv"
    out = json.loads(_ok(capsys, "index", "--focal", "KAZ", "--from", "2010", "--to", "2010",
                         "--reps", "0", "--db", str(db), "--sensitivity", "--json",
                         "--csv", str(target)))
    assert [w["name"] for w in out["weightings"]] == [
        "doctrine", "equal", "without_dependency", "without_distinctness",
        "without_equal_distance", "without_predictability", "double_dependency",
        "double_distinctness", "double_equal_distance", "double_predictability",
        *[f"{k}_domain_{d}" for d in ("trade", "security", "finance", "energy",
                                      "institutions", "events")
          for k in ("without", "double")]]
    assert out["weightings"][-1]["domain_weights"]["events"] == pytest.approx(1 / 5.5)
    (rec,) = out["sensitivity"]
    assert rec["state"] == "KAZ" and rec["year"] == 2010 and rec["ranked"] == 1
    assert rec["rank_without_dependency"] == 1 and rec["max_change"] == 0
    with target.open() as fh:
        got = list(csv.DictReader(fh))
    assert got[0]["rank_double_predictability"] == "1" and got[0]["max_change"] == "0"
    plain = json.loads(_ok(capsys, "index", "--focal", "KAZ", "--from", "2010", "--to",
                           "2010", "--reps", "0", "--db", str(db), "--json"))
    assert "sensitivity" not in plain
    table = _ok(capsys, "index", "--focal", "KAZ", "--from", "2010", "--to", "2010",
                "--reps", "0", "--db", str(db), "--sensitivity")
    assert "max change" in table and "without_dependency" in table


def test_index_xlsx_has_the_tables(built, capsys, tmp_path):
    from equipoise.present.exports import read_xlsx

    _, db = built
    book = tmp_path / "sub" / "index.xlsx"
    _ok(capsys, "index", "--focal", "KAZ", "--peers", "USA", "--from", "2010", "--to", "2010",
        "--reps", "20", "--db", str(db), "--xlsx", str(book))
    t = read_xlsx(book)
    assert list(t) == ["index", "components", "sensitivity", "weightings", "about"]
    assert set(t["index"]["state"]) == {"KAZ", "USA"}
    kaz = t["components"][t["components"]["state"] == "KAZ"].set_index("component")
    assert kaz.loc["distinctness", "value"] == 1.0
    assert t["sensitivity"].set_index("state").loc["KAZ", "rank_doctrine"] == 1
    assert len(t["weightings"]) == 22  # 10 of the components, 2 per domain
