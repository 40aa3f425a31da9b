"""Engines: one Ibis backend per run, DuckDB by default, PySpark for panels that outgrow a machine.

The measures in :mod:`equipoise.measures.ibis_measures` are Ibis expressions written against a
``Table`` argument, so the same definition runs on either backend::

    con = connect()                      # in-memory DuckDB
    con = connect("duckdb", db="w.duckdb")
    con = connect("spark")               # local[2], UI off, small shuffle partitions
    con = connect("spark://host:7077")   # a Spark master URL

Heavy imports (ibis, pyspark) happen inside the functions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from .errors import OptionError

Engine = Literal["duckdb", "spark"]

__all__ = ["Engine", "connect", "engine_name", "spark_session", "to_table"]

_SPARK_PREFIXES = ("spark://", "local", "yarn", "k8s://", "mesos://")


def _is_spark(engine: str) -> bool:
    return engine == "spark" or engine.startswith(_SPARK_PREFIXES)


def spark_session(master: str = "local[2]", *, shuffle_partitions: int = 4,
                  driver_memory: str | None = None):
    """A SparkSession for equipoise: ``master`` (default ``local[2]``), UI disabled.

    Small shuffle partitions keep local runs quick; the session is reused if one is active.
    """
    os.environ.setdefault("PYSPARK_PYTHON", os.environ.get("PYSPARK_PYTHON", "python3"))
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = (SparkSession.builder.master(master).appName("equipoise")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
               .config("spark.default.parallelism", str(shuffle_partitions))
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.host", "127.0.0.1"))
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def connect(engine: str = "duckdb", *, db: str | Path | None = None, read_only: bool = False,
            threads: int | None = None, memory_limit: str | None = None) -> Any:
    """Return an Ibis backend.

    Parameters
    ----------
    engine
        ``"duckdb"`` (default), ``"spark"`` (local[2]) or a Spark master URL
        (``spark://host:7077``, ``local[4]``, ``yarn``, ...). The Spark driver's memory is
        taken from ``$EQUIPOISE_SPARK_DRIVER_MEMORY`` when set (e.g. ``3g``).
    db
        DuckDB database file (DuckDB only); in-memory when None.
    read_only
        Open the DuckDB file read-only (several readers may share it).
    threads, memory_limit
        DuckDB settings (``threads``, ``memory_limit``, e.g. ``"2GB"``).

    Raises
    ------
    OptionError
        ``engine`` is neither ``duckdb``, ``spark`` nor a Spark master URL.
    """
    import ibis

    if engine == "duckdb":
        kwargs: dict[str, Any] = {}
        if threads:
            kwargs["threads"] = threads
        if memory_limit:
            kwargs["memory_limit"] = memory_limit
        if db is None:
            return ibis.duckdb.connect(**kwargs)
        return ibis.duckdb.connect(str(db), read_only=read_only, **kwargs)
    if _is_spark(engine):
        master = "local[2]" if engine == "spark" else engine
        from ._defaults import SPARK_DRIVER_MEMORY, get

        memory = get(SPARK_DRIVER_MEMORY)  # e.g. "3g" for big panels
        return ibis.pyspark.connect(spark_session(master, driver_memory=memory))
    raise OptionError(f"engine: expecting one of ('duckdb', 'spark') or a Spark master URL "
                      f"(spark://host:port, local[n]). Got {engine!r}.")


def engine_name(con: Any) -> str:
    """``"duckdb"`` or ``"pyspark"`` for an Ibis backend."""
    return str(getattr(con, "name", type(con).__module__))


def to_table(con: Any, df: Any, name: str, *, overwrite: bool = True):
    """Register a pandas or Arrow frame as table ``name`` in ``con`` and return the Ibis table.

    DuckDB gets a temporary in-memory table; Spark a temporary view.
    """
    if engine_name(con) == "pyspark":
        import pandas as pd

        session = con._session
        pdf = df.to_pandas() if hasattr(df, "to_pandas") and not isinstance(df, pd.DataFrame) else df
        sdf = session.createDataFrame(pdf)
        sdf.createOrReplaceTempView(name)
        return con.table(name)
    return con.create_table(name, df, temp=True, overwrite=overwrite)
