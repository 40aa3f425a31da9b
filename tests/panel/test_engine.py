"""``panel build --engine``: the trade and security shares as Ibis expressions give the same
rows as the DuckDB SQL, on DuckDB and on Spark (one small synthetic dataset)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from equipoise import panel
from equipoise.errors import OptionError

from .layouts import write_all


def _panel(db) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * FROM panel ORDER BY focal, year, indicator, partner").df()
    finally:
        con.close()


def assert_same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """The same rows: every text column identical, the numbers to 1e-12 (Spark's sums are
    not ordered, so their last bits may differ)."""
    assert len(a) == len(b)
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    for c in a.columns:
        if a[c].dtype.kind == "f":
            pd.testing.assert_series_equal(a[c], b[c], check_exact=False, rtol=1e-12, atol=0)
        else:
            pd.testing.assert_series_equal(a[c], b[c], check_dtype=False)


@pytest.fixture(scope="module")
def sql_rows(tmp_path_factory):
    root = write_all(tmp_path_factory.mktemp("eng") / "data")
    db = root.parent / "sql.duckdb"
    panel.build(root, db, only=["trade", "security"], poles=["CHN", "USA", "RUS", "EU27"])
    return root, _panel(db)


@pytest.mark.parametrize("engine", ["ibis", pytest.param("spark", marks=pytest.mark.spark)])
def test_ibis_rows_equal_the_sql_rows(sql_rows, engine, tmp_path):
    root, want = sql_rows
    db = tmp_path / f"{engine}.duckdb"
    panel.build(root, db, only=["trade", "security"], engine=engine, poles=["CHN", "USA", "RUS", "EU27"])
    got = _panel(db)
    assert len(want) > 10 and {"partial", "ok", "insufficient"} <= set(want.status)
    assert_same_rows(want, got)


def test_unknown_engine_is_an_option_error(tmp_path):
    with pytest.raises(OptionError, match="engine: expecting one of"):
        panel.build(write_all(tmp_path / "d"), tmp_path / "w.duckdb", engine="flink", poles=["CHN", "USA", "RUS", "EU27"])
