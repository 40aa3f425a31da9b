"""The one schema module (columns, DDL, pandera contract, quarantine columns, reason codes), the
one counted set and the one code-mapping helper the readers share."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from equipoise import schema, warehouse
from equipoise.io.flows import FlowSet
from equipoise.measures.engagement import EventSet
from equipoise.schema import (
    QUARANTINE_COLUMNS,
    SET_QUARANTINE_COLUMNS,
    CountedSet,
    Reason,
    columns,
    ddl,
)
from equipoise.sources import TABLES
from equipoise.sources._common import CodeMapper, map_codes, map_column
from equipoise.sources.unvotes import VOTE_COLUMNS, VoteSet
from sources.layouts import write_baci

SRC = Path(__file__).resolve().parents[2] / "src" / "equipoise"


# ------------------------------------------------------------------------------------- schema


def test_ddl_is_derived_from_the_columns():
    assert ddl("alliances") == ('"year" INTEGER, "state1" VARCHAR, "state2" VARCHAR, '
                                '"kind" VARCHAR, "value" DOUBLE, "source" VARCHAR')
    assert warehouse.DDL["alliances"] == ddl("alliances")
    # the warehouse stores every canonical table but the file-only events, in schema order
    assert list(warehouse.DDL) == [n for n, t in schema.TABLES.items() if n != "events"]
    assert list(warehouse.SUMMARY_DDL) == ["trade_summary", "trade_world", "trade_summary_years"]


def test_one_declaration_of_the_columns():
    assert TABLES["flows"] == columns("flows") == (
        "year", "reporter", "partner", "domain", "indicator", "product", "value", "unit",
        "source")
    assert VOTE_COLUMNS == ("rcid", "year", "session", "country", "vote")
    assert QUARANTINE_COLUMNS == ("source", "file", "line", "column", "value", "reason",
                                  "message")
    assert SET_QUARANTINE_COLUMNS == ("source", "line", "column", "value", "reason", "message")
    with pytest.raises(KeyError, match="no canonical table 'flow'"):
        columns("flow")


def test_created_tables_have_the_declared_types(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    warehouse._ensure_schema(con)
    got = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE "
                      "table_name = 'event_counts' ORDER BY ordinal_position").fetchall()
    con.close()
    assert got == [("year", "INTEGER"), ("actor", "VARCHAR"), ("counterpart", "VARCHAR"),
                   ("verbal_coop", "BIGINT"), ("material_coop", "BIGINT"),
                   ("verbal_conflict", "BIGINT"), ("material_conflict", "BIGINT"),
                   ("source", "VARCHAR"), ("load_id", "INTEGER")]


def test_flows_contract_from_the_columns():
    pytest.importorskip("pandera")
    c = schema.flows_contract()
    assert list(c.columns) == list(columns("flows"))
    assert c.columns["product"].nullable and not c.columns["value"].nullable
    assert str(c.columns["year"].dtype) == "int64"
    assert c.unique == ["year", "reporter", "partner", "indicator", "product"]


def test_reason_values_are_the_strings_written_out():
    assert Reason.UNMAPPED_CODE == "unmapped_code" and str(Reason.DUPLICATE_KEY) == "duplicate_key"
    assert f"{Reason.OUTSIDE_SCOPE}: saw" == "outside_scope: saw"
    # every reason string a module writes is a Reason (no stray literal left behind)
    values = {r.value for r in Reason}
    for path in [*SRC.glob("sources/*.py"), SRC / "io" / "flows.py",
                 SRC / "measures" / "engagement.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "reason" and \
                    isinstance(node.value, ast.Constant):
                pytest.fail(f"{path.name}:{node.value.lineno}: reason={node.value.value!r} "
                            f"is a literal; use Reason")
    assert "unknown_code" in values and "bad_date" in values and "bad_vote" in values


def test_event_date_one_pattern():
    assert schema.event_date_ok("2024") and schema.event_date_ok("2024-05-01")
    assert not schema.event_date_ok("2024", month=True)
    assert schema.event_date_ok("2024-05", month=True)
    assert not schema.event_date_ok("24-05-2024")


# -------------------------------------------------------------------------------- counted set


def test_counted_set_checks_the_counts_in_one_place():
    data = pd.DataFrame({"x": [1, 2]})
    q = pd.DataFrame([{"source": "f", "line": 3, "column": "x", "value": "a",
                       "reason": "bad_value", "message": "m"}])
    s = CountedSet(data, q)
    assert s.counts == {"read": 3, "loaded": 2, "quarantined": 1} and len(s) == 2
    wrong = {"read": 5, "loaded": 2, "quarantined": 1}
    for make, what in ((lambda: FlowSet(data, q, dict(wrong)), "flow"),
                       (lambda: EventSet(data, q, dict(wrong)), "event"),
                       (lambda: VoteSet(data, None, q, dict(wrong)), "vote")):
        with pytest.raises(AssertionError, match=f"{what} counts do not add up"):
            make()
    assert all(issubclass(c, CountedSet) for c in (FlowSet, EventSet, VoteSet))


def test_voteset_keeps_its_names():
    votes = pd.DataFrame({"rcid": [1], "year": [2000], "session": [55], "country": ["KAZ"],
                          "vote": ["yes"]})
    vs = VoteSet(votes, source="x.csv")
    assert vs.votes is vs.data and len(vs) == 1 and vs.source == "x.csv"
    assert list(vs.issues.columns) == ["rcid", "issue"]
    assert list(vs.quarantine.columns) == list(SET_QUARANTINE_COLUMNS)
    assert vs.counts == {"read": 1, "loaded": 1, "quarantined": 0}
    assert vs.subset(countries=["RUS"]).counts["read"] == 0


# ------------------------------------------------------------------------------- code mapping


def test_map_column_looks_each_code_up_once_and_quarantines_the_rest():
    mapper = CodeMapper("baci")
    codes = np.array([842, 490, 842, 251, 490])
    qs: list = []
    ok = np.array([True, True, True, True, False])
    iso, ok2 = map_column(codes, mapper, column="i", ok=ok, qs=qs, source="baci", file="f.csv",
                          lines=np.arange(5) + 2)
    assert iso.tolist() == ["USA", "", "USA", "FRA", ""]
    assert ok2.tolist() == [True, False, True, True, False]
    q = qs[0]
    assert q[["line", "column", "value", "reason"]].values.tolist() == [
        [3, "i", "490", "unmapped_code"]]
    assert q["message"].iat[0].startswith("unmapped_code: saw '490', expected a code the "
                                          "crosswalk or the countries table maps to ISO3 (")
    assert set(mapper.lut()) == {842, 251}  # 490 has no ISO3


def test_map_codes_quarantines_a_row_once_at_its_first_bad_column():
    df = pd.DataFrame({"a": ["KAZ", "XXX", "XXX"], "b": ["YYY", "YYY", "CHN"]})
    qs: list = []
    iso, ok = map_codes(df, ["a", "b"], CodeMapper("iso3"), ok=np.ones(3, dtype=bool), qs=qs,
                        source="s", file="f", lines=np.array([2, 3, 4]))
    assert ok.tolist() == [False, False, False]
    q = pd.concat(qs)
    assert q[["line", "column", "value"]].values.tolist() == [[3, "a", "XXX"], [4, "a", "XXX"],
                                                             [2, "b", "YYY"]]
    assert iso["a"].tolist() == ["KAZ", "", ""]


def test_map_column_prefers_known_codes():
    qs: list = []
    iso, ok = map_column(np.array(["Kazakhstan", "Atlantis", "Atlantis"]), CodeMapper("icews"),
                         column="i", ok=np.ones(3, dtype=bool), qs=qs, source="s", file="f",
                         lines=np.array([2, 3, 4]), reason=Reason.UNKNOWN_NAME,
                         prefer=np.array(["", "", "CHN"], dtype=object))
    assert iso.tolist() == ["KAZ", "", "CHN"] and ok.tolist() == [True, False, True]
    assert qs[0]["reason"].tolist() == ["unknown_name"]


# --------------------------------------------------------------------- warehouse and measures


def test_warehouse_imports_no_measures():
    for node in ast.walk(ast.parse((SRC / "warehouse.py").read_text())):
        if isinstance(node, ast.ImportFrom):
            assert "measures" not in (node.module or ""), node.lineno


def test_ingest_builds_the_summaries_without_the_measures(tmp_path):
    folder = write_baci(tmp_path / "b")
    db = tmp_path / "w.duckdb"
    code = ("import sys; from equipoise import warehouse; warehouse.ingest('baci', sys.argv[1], "
            "db=sys.argv[2]); print(sorted(m for m in sys.modules if m.startswith("
            "'equipoise.measures')))")
    out = subprocess.run([sys.executable, "-c", code, str(folder), str(db)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
    con = duckdb.connect(str(db), read_only=True)
    years = con.execute("SELECT year, rows FROM trade_summary_years ORDER BY year").fetchall()
    n = con.execute("SELECT count(*) FROM trade_summary").fetchall()[0][0]
    con.close()
    assert [y for y, _ in years] == [2020, 2021] and n > 0
