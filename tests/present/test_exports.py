"""CSV and Excel exports (issue 15, point 3): the files read back hold the numbers --json prints.

Each CLI case runs the command once with ``--json --csv F --xlsx G`` (so a seeded simulation
and its timings are the same run), reads both files back and compares every cell with the
JSON, walking the JSON by the table's name (``domains``, ``rules``, ``total``, ...), not by
the exporter's code.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from equipoise._cli.main import app
from equipoise.present import exports as X

runner = CliRunner()


# ------------------------------------------------------------------ comparing with the JSON
def _same(cell, want) -> bool:
    """A cell read back from CSV/XLSX equals the JSON value ``want``."""
    empty = cell is None or (isinstance(cell, float) and math.isnan(cell)) or cell == ""
    if want is None:
        return empty
    if empty:
        return want in ([], {}, "")
    if isinstance(want, bool):
        return str(cell) in ("True", "1", "1.0") if want else str(cell) in ("False", "0", "0.0")
    if isinstance(want, (int, float)):
        return math.isclose(float(cell), float(want), rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(want, (list, dict)):
        if isinstance(cell, str) and cell.endswith(" hold the whole text]"):  # Excel's cell cap
            head = cell[:cell.rindex(" [cut: ")]
            whole = json.dumps(want, ensure_ascii=False, default=str)
            return len(cell) == X.XLSX_CELL_MAX and whole.startswith(head)
        return json.loads(cell) == json.loads(json.dumps(want))
    text = str(cell)
    return text == want or (text.startswith("'") and text[1:] == want)


def _node(data, dotted: str):
    node = data
    for part in dotted.split("."):
        node = node[part]
    return node


def _check_table(name: str, df: pd.DataFrame, data: dict, kind: str) -> int:
    """Compare one table read back with the JSON; returns the number of cells compared."""
    n = 0
    if name == "summary":
        assert len(df) == 1
        for col in df.columns:
            assert _same(df[col].iloc[0], _node(data, col)), (name, col)
            n += 1
        return n
    if kind == "assess" and name == "shares":
        for r in df.to_dict("records"):
            want = data["domains"][r["domain"]]["shares"][r["partner"]]
            assert _same(r["share"], want), r
            n += 1
        total = sum(len(d["shares"]) for d in data["domains"].values())
        assert len(df) == total
        return n
    if name == "sources":
        return 0
    node = _node(data, name)
    if isinstance(node, list):
        assert len(df) == len(node), name
        for i, rec in enumerate(node):
            for col in df.columns:
                assert _same(df[col].iloc[i], rec.get(col)), (name, i, col)
                n += 1
        return n
    assert isinstance(node, dict)
    assert len(df) == len(node), name
    key = X.key_column(name)
    for i, k in enumerate(node):
        assert str(df[key].iloc[i]) == str(k), (name, i)
        v = node[k]
        if isinstance(v, dict):
            for col in df.columns:
                if col == key or (kind == "assess" and name == "domains" and col == "shares"):
                    continue
                assert _same(df[col].iloc[i], v.get(col)), (name, k, col)
                n += 1
        else:
            assert _same(df["value"].iloc[i], v), (name, k)
            n += 1
    return n


def _run(args: list[str], tmp_path, kind: str):
    csv, xlsx = tmp_path / f"{kind}.csv", tmp_path / f"{kind}.xlsx"
    res = runner.invoke(app, [*args, "--json", "--csv", str(csv), "--xlsx", str(xlsx)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    if kind == "assess":
        data["doctrine"].pop("check", None)
    from_csv, from_xlsx = X.read_csv(csv), X.read_xlsx(xlsx)
    assert list(from_csv) == list(from_xlsx)
    n_csv = sum(_check_table(t, df, data, kind) for t, df in from_csv.items())
    n_xlsx = sum(_check_table(t, df, data, kind) for t, df in from_xlsx.items())
    # the stacked CSV loses a column that is empty in every row of its table; the sheet keeps it
    assert 0 < n_csv <= n_xlsx
    return data, from_csv, from_xlsx


CASES = [
    (["assess"], "assess"),
    (["check"], "check"),
    (["explain", "--domain", "security"], "explain"),
    (["shock", "--partner", "CHN"], "shock"),
    (["simulate", "--runs", "2000", "--seed", "3"], "simulate"),
    (["corridors", "--system", "oil_export"], "corridors"),
    (["align", "--reps", "20"], "align"),
    (["ledger"], "ledger"),
    (["plan", "--scenarios", "50"], "plan"),
    (["evaluate", "us-c5plus1-deals-2025", "--scenarios", "50"], "evaluate"),
]


@pytest.mark.parametrize(("args", "kind"), CASES, ids=[c[1] for c in CASES])
def test_cli_exports_round_trip_with_json(args, kind, tmp_path):
    _run(args, tmp_path, kind)


def test_assess_export_hand_values(mng_csv, tmp_path):
    """The second country's security shares are 2/3 RUS, 1/3 USA (tests/conftest.py)."""
    _, tables, book = _run(["assess", "--focal", "MNG", "--data", str(mng_csv)], tmp_path,
                              "assess")
    assert list(tables)[:4] == ["summary", "domains", "shares", "rules"]
    sec = tables["shares"][tables["shares"]["domain"] == "security"].set_index("partner")
    assert sec["share"].astype(float).to_dict() == pytest.approx({"RUS": 2 / 3, "USA": 1 / 3})
    dom = book["domains"].set_index("domain")
    assert dom.loc["security", "hhi"] == pytest.approx((2 / 3) ** 2 + (1 / 3) ** 2)
    # readable column names with units in the files themselves
    raw = pd.read_csv(tmp_path / "assess.csv")
    assert {"table", "share (0-1)", "HHI (0-1)", "HHI (0-10,000)"} <= set(raw.columns)
    sheet = pd.read_excel(tmp_path / "assess.xlsx", sheet_name="shares")
    assert list(sheet.columns) == ["domain", "partner", "share (0-1)"]


def test_single_table_csv_has_no_table_column(tmp_path):
    p = X.write_csv({"rules": pd.DataFrame({"name": ["a"], "margin": [0.25]})},
                    tmp_path / "one.csv")
    assert pd.read_csv(p).columns.tolist() == ["name", "margin"]


# ------------------------------------------------------------------ to_tables by hand
def test_to_tables_shapes():
    data = {"focal": "KAZ", "total": 0.5, "levels": [0.95, 0.99],
            "stats": {"mean": 0.1, "var_95": 0.4},
            "rows": [{"domain": "trade", "loss": 0.2}, {"domain": "energy", "loss": 0.3}],
            "domains": {"trade": {"hhi": 0.1, "shares": {"CHN": 1.0}}},
            "losses": {"trade": 0.2, "energy": float("nan")}}
    t = X.to_tables(data)
    assert list(t) == ["summary", "stats", "rows", "domains", "losses"]
    assert t["summary"].to_dict("records") == [{"focal": "KAZ", "total": 0.5,
                                                "levels": "[0.95, 0.99]"}]
    assert t["domains"].to_dict("records") == [{"domain": "trade", "hhi": 0.1,
                                                "shares": '{"CHN": 1.0}'}]
    assert t["losses"]["domain"].tolist() == ["trade", "energy"]
    assert t["losses"]["value"].iloc[0] == 0.2 and pd.isna(t["losses"]["value"].iloc[1])
    assert t["rows"]["loss"].tolist() == [0.2, 0.3]


def test_labels_invert():
    for raw, lab in X.LABELS.items():
        assert X.raw_name(X.label(raw)) == raw
        assert X.label(raw) == lab
    assert X.label("unknown_field") == "unknown_field"


def test_formula_cells_are_escaped_in_csv_and_text_in_xlsx(tmp_path):
    import openpyxl

    evil = "=HYPERLINK(\"http://x\",\"y\")"
    tables = {"rows": pd.DataFrame({"name": [evil, "+1", "ok"], "value": [1.0, -2.0, 3.0]})}
    p = X.write_csv(tables, tmp_path / "e.csv")
    text = p.read_text()
    assert "'=HYPERLINK" in text and "'+1" in text
    assert ",-2.0" in text  # numbers are numbers, not escaped
    assert X.csv_bytes(tables).decode() == text
    X.write_xlsx(tables, tmp_path / "e.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "e.xlsx")["rows"]
    assert ws["A2"].value == evil and ws["A2"].data_type == "s"


def test_sheet_names_cut_and_unique(tmp_path):
    long = "engagement.window.agreements.shares.extra"
    tables = {long: pd.DataFrame({"a": [1]}), long + "2": pd.DataFrame({"a": [2]}),
              "a/b[c]": pd.DataFrame({"a": [3]})}
    X.write_xlsx(tables, tmp_path / "s.xlsx", sources=pd.DataFrame({"source": ["S1"]}))
    back = X.read_xlsx(tmp_path / "s.xlsx")
    assert list(back) == [*tables, "sources"]
    assert [int(df["a"].iloc[0]) for df in list(back.values())[:3]] == [1, 2, 3]
    names = pd.read_excel(tmp_path / "s.xlsx", sheet_name=None)
    assert all(len(n) <= 31 for n in names)


# ------------------------------------------------------------------ CLI options and errors
@pytest.mark.parametrize("option", ["--csv", "--xlsx"])
def test_export_path_that_is_a_folder_is_refused_before_work(tmp_path, capsys, option):
    from equipoise._cli.main import run

    with pytest.raises(SystemExit) as exc:
        run(["check", option, str(tmp_path)])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert f"{option} {tmp_path}: is a folder" in err
    assert "Traceback (most recent call last)" not in err


def test_report_xlsx_has_tables_and_sources(tmp_path):
    res = runner.invoke(app, ["report", "--out", str(tmp_path / "r.html"), "--reps", "10",
                              "--xlsx", str(tmp_path / "r.xlsx")])
    assert res.exit_code == 0, res.output
    back = X.read_xlsx(tmp_path / "r.xlsx")
    assert {"summary", "domains", "shares", "rules", "evidence_rows", "sources"} <= set(back)
    src = back["sources"]
    assert {"source", "producer", "title", "url", "rows"} <= set(src.columns)
    # every source named by a domain row is in the sources sheet
    named = {s for cell in back["domains"]["sources"] for s in json.loads(cell)}
    assert named and named <= set(src["source"])


@pytest.mark.parametrize("cmd", ["assess", "check", "explain", "shock", "simulate", "corridors",
                                 "screen", "align", "ledger", "plan", "evaluate"])
def test_help_documents_csv(cmd):
    res = runner.invoke(app, [cmd, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert res.exit_code == 0
    assert "--csv" in res.output


# ------------------------------------------------------------------ dashboard downloads
def test_dashboard_assess_csv_matches_api(client):
    r = client.get("/api/assess.csv")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="equipoise-assess-KAZ.csv"'
    assert r.headers["x-content-type-options"] == "nosniff"
    import io

    data = client.get("/api/assess").json()
    data["doctrine"].pop("check", None)
    df = pd.read_csv(io.StringIO(r.text))
    tables = {}
    for name in dict.fromkeys(df["table"]):
        part = df[df["table"] == name].drop(columns="table").dropna(axis=1, how="all")
        tables[name] = part.reset_index(drop=True).rename(columns=X.raw_name)
    assert sum(_check_table(t, d, data, "assess") for t, d in tables.items()) > 100


def test_dashboard_assess_xlsx_and_shock(client, tmp_path):
    r = client.get("/api/assess.xlsx")
    assert r.status_code == 200
    (tmp_path / "a.xlsx").write_bytes(r.content)
    back = X.read_xlsx(tmp_path / "a.xlsx")
    assert {"domains", "shares", "rules", "sources"} <= set(back)
    s = client.get("/api/shock.csv", params={"partner": "RUS"})
    assert s.status_code == 200
    assert "filename=\"equipoise-shock-KAZ-RUS.csv\"" in s.headers["content-disposition"]
    assert client.get("/api/assess.exe").status_code == 422
    assert client.post("/api/assess.csv").status_code in (403, 405)


def test_overview_links_to_downloads(client):
    body = client.get("/").text
    assert 'href="/api/assess.csv"' in body and 'href="/api/assess.xlsx"' in body


def test_screen_csv_round_trip(tmp_path):
    from sources.layouts import write_baci

    folder = write_baci(tmp_path / "BACI_HS17_V202401b")
    db = tmp_path / "w.duckdb"
    assert runner.invoke(app, ["ingest", "baci", str(folder), "--db", str(db)]).exit_code == 0
    csv = tmp_path / "screen.csv"
    res = runner.invoke(app, ["screen", "--db", str(db), "--reporter", "KAZ", "--year", "2021",
                              "--json", "--csv", str(csv)])
    assert res.exit_code == 0, res.output
    recs = json.loads(res.stdout)
    back = pd.read_csv(csv, dtype={"product": str})
    assert "table" not in back.columns  # one table: a plain CSV
    assert len(back) == len(recs) == 2
    by = back.set_index("product")
    for r in recs:
        for k, v in r.items():
            assert _same(by.loc[r["product"], X.label(k)] if k != "product" else r["product"], v
                         ), (r["product"], k)
    assert by.loc["850110", "import_hhi"] == pytest.approx(0.66)


def test_assessment_to_dict_twice_is_the_same(kaz_flows):
    """The CSV and the JSON of one run come from one to_dict(); a second call must not differ
    either (it used to truncate the rules' own evidence to the sample, so the second call
    listed fewer evidence_rows)."""
    from equipoise.assessment import assess

    result = assess(kaz_flows, focal="KAZ")
    first, second = result.to_dict(), result.to_dict()
    assert first["evidence_rows"] == second["evidence_rows"]
    assert [r["evidence"] for r in first["rules"]] == [r["evidence"] for r in second["rules"]]


@pytest.mark.parametrize(("url", "api", "params", "kind"), [
    ("/api/explain/trade.csv", "/api/explain/trade", {}, "explain"),
    ("/api/corridors.csv", "/api/corridors", {}, "corridors"),
    ("/api/simulate.csv", "/api/simulate", {"runs": 1000, "seed": 3}, "simulate"),
    ("/api/alignment.csv", "/api/alignment", {"reps": 20}, "align"),
])
def test_dashboard_downloads_match_their_json(client, tmp_path, url, api, params, kind):
    """Every download of the dashboard holds the numbers its JSON endpoint serves (the same
    check as the CLI's --csv against --json)."""
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "table" in r.text.splitlines()[0]
    # The workbook keeps text as text (a stacked CSV reads '2023' back as a number), so the
    # cell-by-cell comparison with the JSON reads the xlsx download.
    x = client.get(url.replace(".csv", ".xlsx"), params=params)
    assert x.status_code == 200 and x.content[:2] == b"PK"  # a zip container (xlsx)
    (tmp_path / "d.xlsx").write_bytes(x.content)
    back = {k: v for k, v in X.read_xlsx(tmp_path / "d.xlsx").items() if k != "sources"}
    data = client.get(api, params=params).json()
    assert back, url
    checked = sum(_check_table(t, d, data, kind) for t, d in back.items())
    assert checked > 0, url


def test_dashboard_sources_download_lists_every_source(client, tmp_path):
    r = client.get("/api/sources.csv")
    assert r.status_code == 200, r.text
    (tmp_path / "s.csv").write_bytes(r.content)
    back = pd.read_csv(tmp_path / "s.csv")
    want = client.get("/api/sources").json()
    assert len(back) == len(want)
    assert set(back.iloc[:, list(back.columns).index(next(c for c in back.columns
                                                       if c.startswith("source")))]) == \
        {w["source"] for w in want}
