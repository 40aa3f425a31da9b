"""Engine fixtures: every test body here runs on DuckDB, and on PySpark when marked ``spark``.

``engine`` is parametrised over ``duckdb`` (always) and ``spark`` (marked ``spark``: CI runs it
as a smoke subset; it needs Java 17). One Spark session serves the whole run.
"""

from __future__ import annotations

import pytest

ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


@pytest.fixture(scope="session")
def _spark_con():
    from equipoise.engine import connect

    return connect("spark")


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param


@pytest.fixture
def con(engine, request):
    """An Ibis backend of the engine under test."""
    from equipoise.engine import connect

    if engine == "spark":
        return request.getfixturevalue("_spark_con")
    return connect("duckdb")


@pytest.fixture
def table(con):
    """Register a pandas frame as an Ibis table on the engine under test."""
    from equipoise.engine import to_table

    counter = {"n": 0}

    def make(df, name="tp"):
        counter["n"] += 1
        return to_table(con, df, f"{name}_{counter['n']}")

    return make
