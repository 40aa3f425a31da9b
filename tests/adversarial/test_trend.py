"""Regression cases for `equipoise trend` and the peer default: bad input gets a located,
clear error (exit code and text) and never a Python traceback."""

from __future__ import annotations

import pytest

from equipoise._cli.main import run

TRACE = "Traceback (most recent call last)"


def _run(capsys, *args):
    try:
        run([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def no_panel_db(tmp_path):
    """A warehouse file that exists but holds no panel table."""
    import duckdb

    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE flows (x INTEGER)")
    con.close()
    return db


@pytest.mark.parametrize(("args", "code", "text"), [
    (["trend"], 2, "none.duckdb"),  # the default focal state; the missing warehouse is named
    (["trend", "--focal", "K\u202eAZ"], 2, "is not an ISO3 country code"),
    (["trend", "--focal", "KAZ", "--reps", "-1"], 2, "--reps"),
    (["trend", "--focal", "KAZ", "--from", "99999"], 2, "--from"),
    (["trend", "--focal", "KAZ", "--domain", "political"], 2, "trend covers the domains"),
])
def test_trend_bad_options(capsys, tmp_path, args, code, text):
    got, out, err = _run(capsys, *args, "--db", tmp_path / "none.duckdb")
    assert got == code and text in err, (got, out, err)
    assert TRACE not in out + err


def test_trend_on_a_warehouse_without_panel(capsys, no_panel_db):
    got, out, err = _run(capsys, "trend", "--focal", "KAZ", "--db", no_panel_db)
    assert got == 2 and "holds no panel" in err and "equipoise panel build" in err
    assert TRACE not in out + err


def test_trend_csv_into_a_folder_is_refused(capsys, tmp_path, no_panel_db):
    got, out, err = _run(capsys, "trend", "--focal", "KAZ", "--db", no_panel_db, "--csv",
                         tmp_path)
    assert got == 2 and "--csv" in err
    assert TRACE not in out + err


def test_index_with_an_unknown_peer_group_member_is_located(capsys, no_panel_db):
    got, out, err = _run(capsys, "index", "--focal", "KAZ", "--peers", "UZB,Q1Q",
                         "--db", no_panel_db)
    assert got == 2 and "'Q1Q' is not an ISO3" in err
    assert TRACE not in out + err
