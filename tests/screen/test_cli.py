"""The data commands: ingest, warehouse list, screen (JSON and Parquet outputs)."""

from __future__ import annotations

import json

import pandas as pd
from sources.layouts import write_baci
from typer.testing import CliRunner

from equipoise._cli.main import app

runner = CliRunner()


def _ok(args):
    r = runner.invoke(app, args)
    assert r.exit_code == 0, (r.output, r.exception)
    return r


def test_ingest_list_screen(tmp_path):
    folder = write_baci(tmp_path / "BACI_HS17_V202401b")
    db = tmp_path / "w.duckdb"
    out = json.loads(_ok(["ingest", "baci", str(folder), "--db", str(db), "--json"]).stdout)
    assert out["totals"]["rows_read"] == 13 and out["totals"]["rows_quarantined"] == 2
    again = json.loads(_ok(["ingest", "baci", str(folder), "--db", str(db), "--json"]).stdout)
    assert {f["status"] for f in again["files"]} == {"unchanged"}
    text = _ok(["ingest", "baci", str(folder), "--db", str(db)]).stdout
    assert "unchanged" in text and "rows read 0" in text
    lst = json.loads(_ok(["warehouse", "list", "--db", str(db), "--json"]).stdout)
    assert [x["source"] for x in lst["loads"]] == ["baci", "baci"]
    tables = {x["table"]: x["rows"] for x in lst["tables"]}
    assert tables["trade_products"] == 11
    assert "baci" in _ok(["warehouse", "list", "--db", str(db)]).stdout

    recs = json.loads(_ok(["screen", "--db", str(db), "--reporter", "KAZ", "--year", "2021",
                           "--json"]).stdout)
    by = {r["product"]: r for r in recs}
    assert set(by) == {"850110", "880240"}  # 847130 came from 490 (quarantined)
    m = by["850110"]
    for key in ("reporter", "product", "import_hhi", "world_export_hhi", "import_export_ratio",
                "persistent", "critical", "top_supplier", "top_share"):
        assert key in m
    assert m["import_hhi"] == 0.66 or abs(m["import_hhi"] - 0.66) < 1e-12
    assert m["top_supplier"] == "CHN" and m["years_observed"] == 2
    # 850110: conditions hold in 2020 (HHI 0.58) and 2021 -> 2 of 3 years
    assert m["years_met"] == 2 and m["persistent"] is True and m["critical"] is True


def test_screen_thresholds_parquet_and_domains(tmp_path):
    folder = write_baci(tmp_path / "b")
    db = tmp_path / "w.duckdb"
    _ok(["ingest", "baci", str(folder), "--db", str(db)])
    pq = tmp_path / "flags.parquet"
    r = _ok(["screen", "--db", str(db), "--thresholds", "import_hhi=0.7", "--no-persistence",
             "--parquet", str(pq), "--domains"])
    assert "sensitivity import_hhi" in r.stdout and "domains" in r.stdout
    df = pd.read_parquet(pq)
    k = df.set_index(["reporter", "product"]).loc[("KAZ", "850110")]
    assert not k["critical"] and abs(k["import_hhi_margin"] - (0.66 - 0.7)) < 1e-9
    full = json.loads(_ok(["screen", "--db", str(db), "--json", "--domains"]).stdout)
    assert {"records", "sensitivity", "domains", "thresholds"} <= set(full)
    assert full["read_from"] == "summaries"
    rows = json.loads(_ok(["screen", "--db", str(db), "--json", "--domains",
                           "--from-rows"]).stdout)
    assert rows["read_from"] == "rows"
    assert rows["records"] == full["records"] and rows["sensitivity"] == full["sensitivity"]


def test_screen_errors_are_clear(tmp_path):
    r = runner.invoke(app, ["screen", "--db", str(tmp_path / "none.duckdb")])
    assert r.exit_code != 0
    assert "does not exist" in str(r.exception)
    r = runner.invoke(app, ["screen", "--db", str(tmp_path / "x"), "--thresholds", "foo=1"])
    assert r.exit_code != 0 and "expecting one of" in str(r.exception)


def test_screen_same_records_on_each_engine(tmp_path, engine, con):
    """`equipoise screen --engine` gives the same records (warehouse file and Parquet input)."""
    folder = write_baci(tmp_path / "b")
    db = tmp_path / "w.duckdb"
    _ok(["ingest", "baci", str(folder), "--db", str(db)])
    base = json.loads(_ok(["screen", "--db", str(db), "--json"]).stdout)
    got = json.loads(_ok(["screen", "--db", str(db), "--engine", engine, "--json"]).stdout)
    key = lambda r: (r["reporter"], r["product"])  # noqa: E731
    assert sorted(map(key, got)) == sorted(map(key, base))
    by = {key(r): r for r in base}
    for r in got:
        b = by[key(r)]
        assert r["critical"] == b["critical"] and r["top_supplier"] == b["top_supplier"]
        assert abs(r["import_hhi"] - b["import_hhi"]) < 1e-12
    pq = tmp_path / "tp.parquet"
    import duckdb

    c = duckdb.connect(str(db), read_only=True)
    c.execute(f"COPY (SELECT * EXCLUDE (load_id) FROM trade_products) TO '{pq}' "
              f"(FORMAT parquet)").fetchall()
    c.close()
    frompq = json.loads(_ok(["screen", "--data", str(pq), "--engine", engine, "--json"]).stdout)
    assert sorted(map(key, frompq)) == sorted(map(key, base))
