"""The product-level critical-dependency screen (CEPII GeoDep / European Commission method).

Runs the engine-neutral Ibis expressions of :mod:`equipoise.measures.ibis_measures` on
DuckDB (a DuckDB file or connection such as the warehouse, or an in-memory table) or PySpark,
and returns a :class:`ScreenResult` with the product records, the margins to every threshold,
a sensitivity table (how many products are flagged at neighbouring thresholds) and a roll-up
of products into domains through the shipped HS -> domain map.

On a DuckDB connection holding the per-year product summaries (the warehouse), the screen runs
SQL that Ibis compiled once from the same expressions (:mod:`._screen_sql`, checked against a
fresh compilation by the tests) and writes Parquet with DuckDB itself: no Ibis, no pandas until
the records are asked for as a frame. The caller opens the warehouse and passes the connection
(``equipoise screen`` does); this module never imports the warehouse.

>>> import pandas as pd
>>> from equipoise.measures.screen import screen
>>> tp = pd.DataFrame({"year": [2021] * 3, "exporter": ["CHN", "RUS", "KAZ"],
...                    "importer": ["KAZ", "KAZ", "CHN"], "product": ["850110"] * 3,
...                    "value": [90.0, 10.0, 1.0], "quantity": [None] * 3})
>>> r = screen(tp, year=2021, persistence=False, sensitivity=False)
>>> kaz = r.records.set_index("reporter").loc["KAZ"]
>>> round(float(kaz["import_hhi"]), 4), kaz["top_supplier"]
(0.82, 'CHN')

References
----------
Lefebvre, K. & Wibaux, P. (2024), CEPII GeoDep; European Commission (2021) SWD(2021) 352.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._results import Result, fmt_number, fmt_sig
from ..errors import NoDataError, OptionError, WarehouseError
from .ibis_measures import Thresholds, sensitivity_variants

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RECORD_FIELDS", "ScreenResult", "Thresholds", "domain_rollup", "screen",
           "sensitivity_table", "supplier_substitutability"]

#: fields of every JSON record (``equipoise screen --json``)
RECORD_FIELDS = ("year", "reporter", "product", "domain", "import_hhi", "world_export_hhi",
                 "import_export_ratio", "conditions_met", "years_met", "years_observed",
                 "persistent", "critical", "top_supplier", "top_share", "imports", "exports",
                 "n_suppliers", "import_hhi_margin", "world_export_hhi_margin", "ratio_margin")


class ScreenResult(Result):
    """Result of :func:`screen` (a :class:`~equipoise._results.Result`: ``summary()``,
    ``_repr_html_()``, ``to_dict()``, ``compare()``).

    Attributes
    ----------
    records : DataFrame
        One row per (reporter, product) imported in ``year``, columns :data:`RECORD_FIELDS`.
        From the DuckDB SQL path it is read from the connection on first use (the connection
        must still be open then).
    sensitivity : DataFrame
        ``parameter, value, n_critical, current``: critical (reporter, product) pairs when one
        threshold moves and the others stay.
    thresholds : Thresholds
    year : int
    persistence : bool
    engine : str
    n_products, n_critical : int
        Rows of ``records`` and critical ones (known without loading the records).
    via : str
        ``"sql"`` (the stored DuckDB SQL) or ``"ibis"`` (the expressions compiled now).
    """

    def __init__(self, records: pd.DataFrame | None = None,
                 sensitivity: pd.DataFrame | list[dict] | None = None, *,
                 thresholds: Thresholds, year: int, persistence: bool, engine: str,
                 reporters: list[str] | None = None, timings: dict | None = None,
                 notes: list[str] | None = None, read_from: str = "rows",
                 counts: tuple[int, int] | None = None,
                 loader: Callable[[], pd.DataFrame] | None = None,
                 top: Callable[[int], list[dict]] | None = None) -> None:
        if records is None and loader is None:
            raise ValueError("ScreenResult: expecting records or a loader")
        self._records, self._loader, self._top = records, loader, top
        self._sens = sensitivity
        self.thresholds, self.year, self.persistence, self.engine = (thresholds, year,
                                                                      persistence, engine)
        self.reporters, self.read_from = reporters, read_from
        self.timings = timings if timings is not None else {}
        self.notes = notes if notes is not None else []
        self._counts = counts
        self.via = "ibis" if loader is None else "sql"

    def __repr__(self) -> str:
        return (f"ScreenResult(year={self.year}, engine={self.engine!r}, "
                f"n_products={self.n_products}, n_critical={self.n_critical}, "
                f"read_from={self.read_from!r})")

    @property
    def records(self) -> pd.DataFrame:
        if self._records is None:
            assert self._loader is not None
            self._records = self._loader()
        return self._records

    @property
    def sensitivity(self) -> pd.DataFrame:
        import pandas as pd

        if self._sens is None:
            self._sens = pd.DataFrame(columns=["parameter", "value", "n_critical", "current"])
        elif isinstance(self._sens, list):
            self._sens = pd.DataFrame(self._sens) if self._sens else pd.DataFrame(
                columns=["parameter", "value", "n_critical", "current"])
        return self._sens

    def _sensitivity_rows(self) -> list[dict]:
        if isinstance(self._sens, list):
            return self._sens
        return [] if self._sens is None else self.sensitivity.to_dict("records")

    @property
    def n_products(self) -> int:
        return self._counts[0] if self._counts is not None else len(self.records)

    @property
    def n_critical(self) -> int:
        return self._counts[1] if self._counts is not None else len(self.critical)

    @property
    def critical(self) -> pd.DataFrame:
        return self.records[self.records["critical"].fillna(False).astype(bool)]

    def top_critical(self, n: int) -> list[dict]:
        """The ``n`` critical records with the largest imports (ties: reporter, product)."""
        if self._records is None and self._top is not None:
            return self._top(n)
        crit = self.critical.sort_values(["imports", "reporter", "product"],
                                         ascending=[False, True, True], kind="stable")
        return crit.head(n).to_dict("records")

    def domains(self, hs_map: pd.DataFrame | None = None) -> pd.DataFrame:
        return domain_rollup(self.records, hs_map=hs_map)

    def to_records(self) -> list[dict]:
        df = self.records[list(RECORD_FIELDS)]
        out = df.astype(object).where(df.notna(), None).to_dict("records")
        return out

    def to_dict(self, *, records: bool = True) -> dict:
        d: dict[str, Any] = {
            "year": self.year, "engine": self.engine, "persistence": self.persistence,
            "thresholds": self.thresholds.to_dict(), "reporters": self.reporters,
            "read_from": self.read_from,
            "n_products": self.n_products, "n_critical": self.n_critical,
            "sensitivity": self._sensitivity_rows(), "notes": self.notes,
        }
        if records:
            d["records"] = self.to_records()
        return d

    def summary(self) -> str:
        th = self.thresholds
        lines = [f"Product screen {self.year} ({self.engine}): {fmt_number(self.n_products)} "
                 f"reporter-product pairs, {fmt_number(self.n_critical)} critical",
                 f"  thresholds: import HHI > {th.import_hhi}, world-export HHI > "
                 f"{th.world_export_hhi}, imports/exports > {th.import_export_ratio}"
                 + (f", in >= {th.min_years} of {th.window} years" if self.persistence else "")]
        groups: dict[str, list[str]] = {}
        for r in self._sensitivity_rows():
            groups.setdefault(r["parameter"], []).append(f"{fmt_sig(r['value'], 6, thousands=False)}: {fmt_number(r['n_critical'])}")
        lines += [f"  sensitivity {p}: {', '.join(cells)}" for p, cells in groups.items()]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def heading(self) -> str:
        return f"Product screen {self.year} ({self.engine})"

    def compare_label(self) -> str:
        return f"{self.year} {self.engine}" + (" persistent" if self.persistence else "")

    def summary_numbers(self) -> dict[str, float]:
        """Pairs screened and critical, the critical share of them (NaN with none screened)
        and the thresholds (``threshold.import_hhi``). Known without loading the records.
        (The sensitivity table is in ``_repr_html_`` and ``summary()``: its values move with
        the thresholds, so they are no quantity two screens share.)"""
        n, k = self.n_products, self.n_critical
        out: dict[str, float] = {"n_products": int(n), "n_critical": int(k),
               "critical_share": k / n if n else math.nan}
        th = self.thresholds
        for name in ("import_hhi", "world_export_hhi", "import_export_ratio"):
            out[f"threshold.{name}"] = float(getattr(th, name))
        if self.persistence:
            out.update({"threshold.window": int(th.window),
                        "threshold.min_years": int(th.min_years)})
        return out

    def html_tables(self) -> list[tuple[str, Any]]:
        sens = [{"parameter": r["parameter"], "value": r["value"],
                 "critical pairs": r["n_critical"], "current": "yes" if r["current"] else ""}
                for r in self._sensitivity_rows()]
        tables: list[tuple[str, Any]] = [("", list(self.summary_numbers().items()))]
        if sens:
            import pandas as pd

            tables.append(("Critical pairs when one threshold moves", pd.DataFrame(sens)))
        if self.notes:
            tables.append(("Notes", [(str(i), n) for i, n in enumerate(self.notes, 1)]))
        return tables


def sensitivity_rows(values: Sequence[Any], th: Thresholds, **kw) -> list[dict]:
    """``parameter, value, n_critical, current`` per variant of :func:`sensitivity_variants`,
    ``values`` being the counts ``n_0, n_1, ...`` of :func:`ibis_measures.sensitivity`."""
    rows = []
    for i, (param, value) in enumerate(sensitivity_variants(th, **kw)):
        base = getattr(th, param)
        current = abs(value - base) <= 1e-08 + 1e-05 * abs(base)  # numpy.isclose's test
        rows.append({"parameter": param, "value": float(value),
                     "n_critical": int(values[i]) if values[i] is not None else 0,
                     "current": bool(current)})
    return rows


def sensitivity_table(row: pd.Series | dict, th: Thresholds, **kw) -> pd.DataFrame:
    """Long table from the one-row output of :func:`ibis_measures.sensitivity`."""
    import pandas as pd

    n = len(sensitivity_variants(th, **kw))
    return pd.DataFrame(sensitivity_rows([row[f"n_{i}"] for i in range(n)], th, **kw))


def _hs_map() -> pd.DataFrame:
    from .. import reference

    m = reference.load("hs_domains")
    col = next(c for c in ("hs_chapter", "chapter", "hs", "code") if c in m.columns)
    return m.rename(columns={col: "hs_chapter"})[["hs_chapter", "domain"]]


def domain_rollup(records: pd.DataFrame, *, hs_map: pd.DataFrame | None = None,
                  cite: int = 5) -> pd.DataFrame:
    """Roll product records up to domains through the HS chapter -> domain map.

    Per (year, reporter, domain): products screened, products critical, the share of the
    domain's imports in critical products, ``critical`` (any product critical) and ``products``
    -- the critical HS6 codes behind the flag, largest imports first (at most ``cite``).
    """
    import numpy as np
    import pandas as pd

    hs = (hs_map if hs_map is not None else _hs_map()).copy()
    hs["hs_chapter"] = hs["hs_chapter"].astype(str).str.zfill(2)
    lookup = dict(zip(hs["hs_chapter"], hs["domain"], strict=True))
    r = records.copy()
    r["domain"] = r["product"].str[:2].map(lookup).fillna("trade")
    r["_crit"] = r["critical"].fillna(False).astype(bool)
    r["_crit_imports"] = np.where(r["_crit"], r["imports"], 0.0)
    out = []
    for (year, rep, dom), g in r.groupby(["year", "reporter", "domain"], sort=True):
        crit = g[g["_crit"]].sort_values("imports", ascending=False)
        out.append({"year": int(year), "reporter": rep, "domain": dom, "n_products": len(g),
                    "n_critical": len(crit),
                    "critical_import_share": float(g["_crit_imports"].sum() / g["imports"].sum())
                    if g["imports"].sum() > 0 else 0.0,
                    "critical": bool(len(crit)),
                    "products": list(crit["product"].head(cite)),
                    "top_suppliers": list(crit["top_supplier"].head(cite))})
    return pd.DataFrame(out, columns=["year", "reporter", "domain", "n_products", "n_critical",
                                      "critical_import_share", "critical", "products",
                                      "top_suppliers"])


def supplier_substitutability(records: pd.DataFrame, partner: str, domain: str = "trade", *,
                              members: Sequence[str] = (), cite: int = 5
                              ) -> tuple[float | None, dict]:
    """A domain's substitutability for ``partner`` from the product screen's records (one row
    per HS6 product of the focal state: ``domain``, ``imports``, ``critical``,
    ``world_export_hhi``, ``top_supplier``; :data:`RECORD_FIELDS`).

    ``sigma = 1 - sum_k m_k [critical_k] / sum_k m_k`` over the products ``k`` of ``domain``
    whose top supplier is the partner (or one of ``members``, for a group), ``m_k`` the focal
    state's imports of ``k``: the share of those imports that are *not* in products the screen
    flags critical (import HHI > 0.4, world-export HHI > 0.4 -- world supply concentrated, hard
    to substitute --, imports > exports, in 2 of 3 years: CEPII GeoDep, Lefebvre & Wibaux 2024;
    European Commission 2021, SWD(2021) 352). Where the partner is the top supplier of no
    product, every product of the domain is used (said so in ``scope``). Products without a
    world-export HHI (no world data) are left out and counted: unknown, not substitutable.

    Returns ``(value, evidence)``; the value is None (with the reason in the evidence) when no
    product of the domain has imports and a world-export HHI.
    """
    import pandas as pd

    who = {partner, *members}
    r = records[records["domain"] == domain] if "domain" in records else records.iloc[:0]
    known = r[r["world_export_hhi"].notna() & (pd.to_numeric(r["imports"]) > 0)]
    ev: dict[str, Any] = {
        "method": "product screen: 1 - import-weighted share of critical products (CEPII "
                  "GeoDep: import HHI, world-export HHI, imports/exports, persistence)",
        "partner": partner, "domain": domain,
        "year": int(r["year"].max()) if len(r) else None,
        "products_without_world_data": int(len(r) - len(known))}
    mine = known[known["top_supplier"].isin(who)]
    scope, use = ((f"products whose top supplier is {partner}", mine) if len(mine)
                  else ("all products of the domain (the partner is the top supplier of none)",
                        known))
    if not len(use) or float(use["imports"].sum()) <= 0:
        return None, {**ev, "note": f"the product screen has no {domain} product with imports "
                      "and a world-export HHI"}
    crit = use[use["critical"].fillna(False).astype(bool)]
    total, flagged = float(use["imports"].sum()), float(crit["imports"].sum())
    value = 1.0 - flagged / total
    top = crit.sort_values(["imports", "product"], ascending=[False, True]).head(cite)
    return value, {**ev, "scope": scope, "n_products": len(use),
                   "n_critical": len(crit), "imports": total, "critical_imports": flagged,
                   "critical_products": list(top["product"]),
                   "formula": "1 - critical imports / imports", "value": value}


def _normalise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A pandas ``trade_products`` frame with typed columns (quantity optional)."""
    import numpy as np
    import pandas as pd

    from ..errors import SchemaError

    need = ("year", "exporter", "importer", "product", "value")
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise SchemaError(f"trade_products frame: missing column(s) {missing}; expecting "
                          f"{list(need)} (+ quantity, source)")
    out = pd.DataFrame({
        "year": pd.to_numeric(df["year"]).astype("int64"),
        "exporter": df["exporter"].astype(str), "importer": df["importer"].astype(str),
        "product": df["product"].astype(str).str.zfill(6),
        "value": pd.to_numeric(df["value"]).astype("float64"),
        "quantity": pd.to_numeric(df["quantity"], errors="coerce").astype("float64")
        if "quantity" in df.columns else np.nan})
    out["source"] = df["source"].astype(str) if "source" in df.columns else "frame"
    return out


def _is_duckdb_connection(obj: Any) -> bool:
    """A plain ``duckdb`` connection (not an Ibis backend), without importing duckdb."""
    return type(obj).__module__.split(".")[0] in ("duckdb", "_duckdb") and hasattr(obj, "sql")


def _is_ibis_backend(obj: Any) -> bool:
    """An Ibis backend (e.g. :func:`equipoise.warehouse.connect` on the warehouse)."""
    return hasattr(obj, "list_tables") and hasattr(obj, "table") and not hasattr(obj, "op")


def _table_from(data: Any, engine: str, con: Any | None,
                tmpdir: list) -> tuple[Any, Any, bool]:
    """An Ibis table of trade_products on the requested engine, its backend, and whether it
    is a DuckDB database read in place (the only input that carries product summaries):
    ``data`` is an Ibis table, a pandas frame, a plain ``duckdb`` connection on such a
    database (the warehouse) or an Ibis DuckDB backend on one."""
    import pandas as pd

    from ..engine import _is_spark, connect, to_table

    if hasattr(data, "op") and hasattr(data, "schema"):  # already an Ibis table
        return data, con, False
    if isinstance(data, pd.DataFrame):
        con = con or connect(engine)
        return to_table(con, _normalise_frame(data), "trade_products"), con, False
    if _is_ibis_backend(data):
        if not _is_spark(engine):
            return _warehouse_table(data), data, True
        data = data.con  # the backend's duckdb connection, exported for Spark below
    if not _is_duckdb_connection(data):
        raise TypeError(f"screen: saw {type(data).__name__}; expecting an Ibis table, a pandas "
                        f"frame or a duckdb connection (equipoise.screen opens a path)")
    if not _is_spark(engine):  # con: the given Ibis DuckDB backend on that file, if any
        import ibis

        con = con or ibis.duckdb.from_connection(data)
        return _warehouse_table(con), con, True
    # Spark cannot read DuckDB files: export the table to Parquet first
    d = tempfile.mkdtemp(prefix="equipoise-screen-")
    tmpdir.append(d)
    data.execute(f"COPY (SELECT year, exporter, importer, product, value, quantity, source "
                 f"FROM trade_products) TO '{d}/tp.parquet' (FORMAT parquet)").fetchall()
    con = con or connect(engine)
    return con.read_parquet(f"{d}/tp.parquet"), con, False


def _warehouse_table(con: Any) -> Any:
    """The ``trade_products`` table of an Ibis DuckDB backend, with a clear error without it."""
    try:
        return con.table("trade_products")
    except Exception as exc:  # ibis raises backend-specific errors for a missing table
        raise WarehouseError("the database has no trade_products table; run `equipoise "
                             "ingest baci FOLDER --db FILE` first") from exc


#: the tables in which a DuckDB warehouse keeps the screen's per-year sufficient statistics
#: (:func:`ibis_measures.product_summary` and :func:`ibis_measures.world_summary` per source and
#: year, built by the ingest), and the (source, year) pairs they hold
SUMMARY_TABLES = ("trade_summary", "trade_world", "trade_summary_years")


def _summaries_usable(raw: Any, years: Sequence[int], source: str | None) -> bool:
    """Whether the database's product summaries can stand in for the raw rows of ``years``:
    they exist, and no year holds two sources (their world-export HHI is not a sum of
    per-source parts) unless ``source`` picks one. ``raw`` is a plain duckdb connection."""
    have = raw.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [SUMMARY_TABLES[2]]).fetchall()[0][0]
    if not have:
        return False
    per_year: dict[int, set[str]] = {}
    for a, b in raw.execute(f"SELECT source, year FROM {SUMMARY_TABLES[2]}").fetchall():
        if (source is None or a == source) and int(b) in set(years):
            per_year.setdefault(int(b), set()).add(str(a))
    return all(len(v) <= 1 for v in per_year.values())


def _summaries_of(con: Any, source: str | None) -> Any:
    """The summaries as :class:`~.ibis_measures.ProductSummaries` on an Ibis DuckDB backend."""
    from .ibis_measures import ProductSummaries

    p, w = con.table(SUMMARY_TABLES[0]), con.table(SUMMARY_TABLES[1])
    if source is not None:
        p, w = p.filter(p.source == source), w.filter(w.source == source)
    return ProductSummaries(products=p, world=w)


def screen(data: Any, *, year: int | None = None, reporters: Sequence[str] | None = None,
           thresholds: Thresholds | None = None, persistence: bool = True,
           sensitivity: bool = True, engine: str = "duckdb", con: Any | None = None,
           source: str | None = None, summaries: bool | None = None,
           parquet: str | Path | None = None) -> ScreenResult:
    """Screen every (reporter, HS6 product) for critical dependency.

    Parameters
    ----------
    data
        ``trade_products`` as an Ibis table, a pandas frame, or a plain ``duckdb`` connection
        or an Ibis DuckDB backend on a DuckDB database such as the warehouse (the caller keeps
        it open while it uses the result's records). Data, not a path: ``equipoise.screen``
        (:func:`equipoise.context.screen`) opens a DuckDB file or a Parquet file/folder.
    year
        The screened year; the latest in the data when None.
    reporters
        ISO3 importers to screen; all when None.
    thresholds
        :class:`Thresholds` (GeoDep defaults: 0.4, 0.4, 1, 2 of 3 years).
    persistence
        Require the conditions in ``min_years`` of ``window`` years (GeoDep); off: year only.
    sensitivity
        Also count critical products at neighbouring thresholds.
    engine
        ``duckdb``, ``spark`` or a Spark master URL.
    source
        Keep only rows of this ``source`` (when the table mixes BACI and Comtrade).
    summaries
        Read a warehouse's per-year product summaries (built at ingest, ~1/10 of the rows;
        same results) instead of the raw rows: None uses them when the warehouse has them
        for every screened year, True requires them, False reads the raw rows.
    parquet
        Also write the records to this Parquet file (by DuckDB on the SQL path).

    Raises
    ------
    NoDataError
        The data hold no rows for the year or the reporters.
    """
    import os

    from ..engine import _is_spark

    if isinstance(data, str | os.PathLike):
        raise TypeError(f"screen takes data, not a path: saw {str(data)!r}; open it with "
                        f"equipoise.screen(path) (equipoise.context.open_trade_products)")
    th = thresholds or Thresholds()
    reps = [r.upper() for r in reporters] if reporters else None
    if not _is_spark(engine) and con is None and _is_duckdb_connection(data):
        fast = _screen_sql(data, year=year, reporters=reps, th=th, persistence=persistence,
                           sensitivity=sensitivity, source=source, summaries=summaries,
                           parquet=parquet)
        if fast is not None:
            return fast
    result = _screen_ibis(data, year=year, reps=reps, th=th, persistence=persistence,
                          sensitivity=sensitivity, engine=engine, con=con, source=source,
                          summaries=summaries)
    if parquet is not None:
        result.records.to_parquet(parquet, index=False)
    return result


def _screen_ibis(data: Any, *, year: int | None, reps: list[str] | None, th: Thresholds,
                 persistence: bool, sensitivity: bool, engine: str, con: Any | None,
                 source: str | None, summaries: bool | None) -> ScreenResult:
    """:func:`screen` through the Ibis expressions (every engine and input)."""
    from ..engine import engine_name
    from .ibis_measures import screen_products
    from .ibis_measures import sensitivity as sensitivity_expr

    tmp: list = []
    t0 = time.perf_counter()
    try:
        t, con, in_warehouse = _table_from(data, engine, con, tmp)
        if source is not None:
            t = t.filter(t.source == source)
        if year is None:
            year = con.execute(t.year.max()) if con is not None else t.year.max().execute()
            if year is None or (isinstance(year, float) and math.isnan(year)):
                raise NoDataError("trade_products is empty: nothing to screen")
        year = int(year)
        window = th.window if persistence else 1
        data_in, read_from = t, "rows"
        if summaries is not False and in_warehouse \
                and _summaries_usable(con.con, range(year - window + 1, year + 1), source):
            data_in, read_from = _summaries_of(con, source), "summaries"
        if summaries and read_from != "summaries":
            raise OptionError(_NO_SUMMARIES)
        expr = _records_expr(screen_products(data_in, year=year, thresholds=th, reporters=reps,
                                             persistence=persistence))
        timings = {}
        records = (con.to_pyarrow(expr) if con is not None else expr.to_pyarrow()).to_pandas()
        timings["screen"] = time.perf_counter() - t0
        if records.empty:
            raise NoDataError(_no_imports(year, reps))
        sens = None
        if sensitivity:
            t1 = time.perf_counter()
            row = (con.execute(sensitivity_expr(data_in, year=year, thresholds=th,
                                                reporters=reps, persistence=persistence))).iloc[0]
            sens = sensitivity_rows([row[f"n_{i}"] for i in range(len(row))], th)
            timings["sensitivity"] = time.perf_counter() - t1
        records = _finish(records)
        return ScreenResult(records, sens, thresholds=th, year=year, persistence=persistence,
                            engine=engine_name(con) if con else engine, reporters=reps,
                            timings=timings, read_from=read_from,
                            notes=_notes(int(records["years_observed"].max()), year, th,
                                         persistence))
    finally:
        import shutil

        for d in tmp:
            shutil.rmtree(d, ignore_errors=True)


_NO_SUMMARIES = ("summaries=True: the data are not a warehouse with product summaries for these "
                 "years (ingest into a warehouse, or pass one source when a year holds two)")


def _no_imports(year: int, reps: list[str] | None) -> str:
    return (f"no imports in {year}" + (f" for {', '.join(reps)}" if reps else "")
            + "; check the year and the reporters (ISO3)")


def _notes(seen: int, year: int, th: Thresholds, persistence: bool) -> list[str]:
    """The persistence note when the data hold too few years of the window."""
    if persistence and seen < th.min_years:
        return [f"the data hold at most {seen} of the {th.window} years {year - th.window + 1}"
                f"-{year}, so no product can meet the {th.min_years}-of-{th.window}-years "
                f"persistence rule; load earlier years or screen without persistence"]
    return []


# ------------------------------------------------------------------ the DuckDB SQL path
#: The SQL of the screen on DuckDB summaries, compiled by Ibis from :func:`_records_expr` /
#: :func:`ibis_measures.sensitivity` over tables named by the placeholders below, with
#: sentinel inputs replaced by ``$name`` placeholders (see :func:`compile_sql`). The records
#: query is wrapped in :data:`_RECORDS_WRAP` (column types as :func:`_finish` gives them) and
#: ordered by :data:`_RECORDS_ORDER` where the order is needed: written to Parquet, or read
#: back as records. The counts and the largest critical products need no order, and the
#: sort is about half the work of the records query (0.3 of 0.65 CPU s at 9M rows).
_PRODUCTS, _WORLD = "__equipoise_products__", "__equipoise_world__"
#: Ibis schemas of the summary tables as the warehouse declares them (a test checks them)
SUMMARY_SCHEMA = {"year": "int32", "reporter": "string", "product": "string",
                  "imports": "float64", "imports_s2": "float64", "imports_max": "float64",
                  "n_suppliers": "int64", "top_supplier": "string", "exports": "float64"}
WORLD_SCHEMA = {"year": "int32", "product": "string", "world_exports": "float64",
                "world_exports_s2": "float64"}
# sentinel inputs: distinct numbers that appear nowhere else in the SQL
_S_YEAR, _S_WINDOW, _S_MIN_YEARS = 7000, 500, 433
_S_TH = {"import_hhi": 0.412345, "world_export_hhi": 0.234567, "import_export_ratio": 3.21}
#: the shapes of the SQL: (kind, persistence, window > 1)
SQL_SHAPES = {"records_window": ("records", True, True), "records_year": ("records", True, False),
              "records_no_persistence": ("records", False, False),
              "sensitivity_window": ("sensitivity", True, True),
              "sensitivity_year": ("sensitivity", False, False)}
_RECORDS_WRAP = (
    'SELECT CAST("year" AS BIGINT) AS "year", "reporter", "product", "domain", "import_hhi", '
    '"world_export_hhi", "import_export_ratio", COALESCE("conditions_met", FALSE) AS '
    '"conditions_met", CAST("years_met" AS BIGINT) AS "years_met", CAST("years_observed" AS '
    'BIGINT) AS "years_observed", "persistent", COALESCE("critical", FALSE) AS "critical", '
    '"top_supplier", "top_share", "imports", "exports", CAST("n_suppliers" AS BIGINT) AS '
    '"n_suppliers", "import_hhi_margin", "world_export_hhi_margin", "ratio_margin", '
    '"world_exports" FROM ({sql})')
#: the records' order (one row per reporter and product, so a total order)
_RECORDS_ORDER = ' ORDER BY "reporter", "product"'
_TEMP = count()


def _sentinel_inputs(shape: str) -> tuple[int, Thresholds, bool]:
    _, persistence, window = SQL_SHAPES[shape]
    th = Thresholds(**_S_TH, window=_S_WINDOW if window else 1,
                    min_years=_S_MIN_YEARS if window else 1)
    return _S_YEAR, th, persistence


def compiled_sql(shape: str, year: int, th: Thresholds, persistence: bool, *,
                 products: str = f'"{_PRODUCTS}"', world: str = f'"{_WORLD}"') -> str:
    """What Ibis compiles (DuckDB dialect, not pretty) for one shape of the screen over the
    placeholder tables: the reference the stored SQL is checked against."""
    import ibis

    from .ibis_measures import ProductSummaries, screen_products
    from .ibis_measures import sensitivity as sensitivity_expr

    summ = ProductSummaries(products=ibis.table(SUMMARY_SCHEMA, name=_PRODUCTS),
                            world=ibis.table(WORLD_SCHEMA, name=_WORLD))
    if SQL_SHAPES[shape][0] == "records":
        expr = _records_expr(screen_products(summ, year=year, thresholds=th,
                                             persistence=persistence), order=False)
    else:
        expr = sensitivity_expr(summ, year=year, thresholds=th, persistence=persistence)
    sql = str(ibis.to_sql(expr, dialect="duckdb", pretty=False))
    return sql.replace(f'"{_PRODUCTS}"', products).replace(f'"{_WORLD}"', world)


def _number(x: float | int) -> str:
    return repr(x) if isinstance(x, float) else str(int(x))


def _sql_values(shape: str, year: int, th: Thresholds) -> dict[str, str]:
    """The placeholder values of one shape's SQL, written as Ibis writes the literals."""
    vals = {"year": str(year)}
    if SQL_SHAPES[shape][2]:  # a window of years (else min_years is 1, written in the SQL)
        vals["min_years"] = str(th.min_years)
        vals["past_years"] = ", ".join(str(y) for y in range(year - th.window + 1, year))
    vals.update({k: _number(getattr(th, k)) for k in _S_TH})
    if SQL_SHAPES[shape][0] == "sensitivity":
        for i, (_, v) in enumerate(sensitivity_variants(th)):
            vals[f"v{i}"] = _number(v)
    return vals


def compile_sql() -> dict[str, str]:
    """Compile every shape with the sentinel inputs and turn them into ``$name`` templates.

    Raises AssertionError when a sentinel does not come back exactly (then the template
    would be wrong): rendering the template with the sentinel values gives Ibis' SQL back.
    """
    from string import Template

    out = {}
    for shape in SQL_SHAPES:
        year, th, persistence = _sentinel_inputs(shape)
        sql = compiled_sql(shape, year, th, persistence, products="$products", world="$world")
        assert "$" not in sql.replace("$products", "").replace("$world", ""), shape
        vals = _sql_values(shape, year, th)
        if "past_years" in vals:
            assert vals["past_years"] in sql, shape
            sql = sql.replace(vals["past_years"], "$past_years")
        # longest texts first, each as a whole number (not inside another one or a string)
        for name, text in sorted(vals.items(), key=lambda kv: -len(kv[1])):
            if name != "past_years":
                sql = re.sub(rf"(?<![\w.']){re.escape(text)}(?![\w.'])", f"${{{name}}}", sql)
        for name, text in vals.items():
            if name != "past_years":
                assert text not in sql, (shape, name)
        back = Template(sql).substitute(vals, products="$products", world="$world")
        assert back == compiled_sql(shape, year, th, persistence, products="$products",
                                    world="$world"), shape
        out[shape] = sql
    return out


def write_sql_module(path: str | Path | None = None) -> Path:
    """Regenerate :mod:`equipoise.measures._screen_sql` (after changing the expressions or
    the HS -> domain map; ``tests/screen/test_sql_path.py`` says when)."""
    target = Path(path) if path else Path(__file__).with_name("_screen_sql.py")
    lines = ['"""The screen\'s SQL on DuckDB summaries, compiled by Ibis. GENERATED by',
             '``equipoise.measures.screen.write_sql_module()``: do not edit; the tests check that',
             'it equals a fresh compilation of the Ibis expressions."""', "", "SQL = {"]
    for shape, sql in compile_sql().items():
        lines.append(f"    {shape!r}: (")
        lines += [f"        {sql[i:i + 84]!r}" for i in range(0, len(sql), 84)]
        lines.append("    ),")
    lines.append("}")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_applies(th: Thresholds, sensitivity: bool, reporters: list[str] | None,
                 source: str | None) -> bool:
    """Whether the stored SQL has the shape Ibis would compile for these inputs."""
    values = [th.import_hhi, th.world_export_hhi, th.import_export_ratio]
    if not all(math.isfinite(v) for v in values) or th.import_export_ratio <= 0:
        return False  # ratio 0: Ibis writes a NULL margin (another shape)
    if sensitivity and (len(sensitivity_variants(th)) != 15
                        or any(round(v, 6) != v for v in values)):
        return False  # clipped variants collapse; a base beyond 6 decimals is not its variant
    texts = [*(reporters or []), *([source] if source is not None else [])]
    return all(t.isprintable() for t in texts)


def render_sql(shape: str, year: int, th: Thresholds, *, products: str = f'"{_PRODUCTS}"',
               world: str = f'"{_WORLD}"') -> str:
    """The stored SQL of ``shape`` for these inputs (equal to :func:`compiled_sql`)."""
    from string import Template

    from ._screen_sql import SQL

    return Template(SQL[shape]).substitute(_sql_values(shape, year, th), products=products,
                                           world=world)


def _screen_sql(raw: Any, *, year: int | None, reporters: list[str] | None, th: Thresholds,
                persistence: bool, sensitivity: bool, source: str | None,
                summaries: bool | None, parquet: str | Path | None) -> ScreenResult | None:
    """The screen on a plain duckdb connection with the stored SQL; None when it does not
    apply (no usable summaries, or inputs of another SQL shape): Ibis then does it."""
    if summaries is False or not _sql_applies(th, sensitivity, reporters, source):
        return None
    t0 = time.perf_counter()
    where = f" WHERE source = {_literal(source)}" if source is not None else ""
    if year is None:
        year = raw.execute(f"SELECT max(year) FROM trade_products{where}").fetchall()[0][0]
        if year is None:
            raise NoDataError("trade_products is empty: nothing to screen")
    year = int(year)
    window = th.window if persistence else 1
    if not _summaries_usable(raw, range(year - window + 1, year + 1), source):
        if summaries:
            raise OptionError(_NO_SUMMARIES)
        return None
    bar = raw.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0]
    raw.execute("SET enable_progress_bar = false").fetchall()  # DuckDB's bar on stdout
    try:
        return _run_sql(raw, year=year, window=window, reporters=reporters, th=th,
                        persistence=persistence, sensitivity=sensitivity, source=source,
                        parquet=parquet, t0=t0)
    finally:
        raw.execute(f"SET enable_progress_bar = {'true' if bar else 'false'}").fetchall()


def _run_sql(raw: Any, *, year: int, window: int, reporters: list[str] | None,
             th: Thresholds, persistence: bool, sensitivity: bool, source: str | None,
             parquet: str | Path | None, t0: float) -> ScreenResult:
    """The records (into the Parquet file, or a temporary table), the counts and the
    sensitivity."""
    products, world = f'"{SUMMARY_TABLES[0]}"', f'"{SUMMARY_TABLES[1]}"'
    if source is not None or reporters:
        conds = ([f'"source" = {_literal(source)}'] if source is not None else []) + (
            [f'"reporter" IN ({", ".join(map(_literal, reporters))})'] if reporters else [])
        products = f'(SELECT * FROM {products} WHERE {" AND ".join(conds)})'
        if source is not None:
            world = f'(SELECT * FROM {world} WHERE "source" = {_literal(source)})'
    suffix = "window" if persistence and window > 1 else ("year" if persistence
                                                          else "no_persistence")
    sql = render_sql(f"records_{suffix}", year, th, products=products, world=world)
    src, drop, tmp = _materialise(raw, _RECORDS_WRAP.format(sql=sql), parquet)
    n, n_crit, seen = raw.execute(f'SELECT count(*), count_if("critical"), '
                                  f'max("years_observed") FROM {src}').fetchall()[0]
    if not n:
        drop()
        raise NoDataError(_no_imports(year, reporters))
    if tmp is not None:  # complete and not empty: in place of any earlier file
        os.replace(tmp, parquet)
        src = f"read_parquet({_literal(str(parquet))})"
    timings = {"screen": time.perf_counter() - t0}
    sens = None
    if sensitivity:
        t1 = time.perf_counter()
        shape = "sensitivity_window" if window > 1 else "sensitivity_year"
        row = raw.execute(render_sql(shape, year, th, products=products,
                                     world=world)).fetchall()[0]
        sens = sensitivity_rows(row, th)
        timings["sensitivity"] = time.perf_counter() - t1

    def load() -> pd.DataFrame:  # a Parquet file holds them in order; a temporary table not
        order = "" if parquet is not None else _RECORDS_ORDER
        return _finish(raw.sql(f"SELECT * FROM {src}{order}").to_arrow_table().to_pandas())

    def top(k: int) -> list[dict]:
        cur = raw.execute(f'SELECT * FROM {src} WHERE "critical" ORDER BY "imports" DESC, '
                          f'"reporter", "product" LIMIT {int(k)}')
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    return ScreenResult(None, sens, thresholds=th, year=year, persistence=persistence,
                        engine="duckdb", reporters=reporters, timings=timings,
                        notes=_notes(int(seen), year, th, persistence),
                        read_from="summaries", counts=(int(n), int(n_crit)), loader=load,
                        top=top)


def _materialise(raw: Any, sql: str,
                 parquet: str | Path | None) -> tuple[str, Callable, Path | None]:
    """Run the records query once: into a temporary Parquet file beside ``parquet`` (DuckDB's
    writer, rows ordered by reporter and product; renamed into place by the caller once the
    records are known not to be empty), or into a temporary table (unordered: ordered when
    read back as records). Returns the SQL to read them, a function that removes them and the
    temporary file."""
    if parquet is not None:
        tmp = Path(parquet).with_name(f".{Path(parquet).name}.{os.getpid()}.tmp")
        try:
            raw.execute(f"COPY ({sql}{_RECORDS_ORDER}) TO {_literal(str(tmp))} "
                        "(FORMAT parquet)").fetchall()
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return (f"read_parquet({_literal(str(tmp))})", lambda: tmp.unlink(missing_ok=True),
                tmp)
    name = f"equipoise_screen_{next(_TEMP)}"
    raw.execute(f'CREATE TEMP TABLE "{name}" AS {sql}').fetchall()
    return f'"{name}"', lambda: raw.execute(f'DROP TABLE "{name}"').fetchall(), None


def _records_expr(expr: Any, *, order: bool = True) -> Any:
    """The records on the engine: the HS chapter -> domain map as a CASE over the product's
    first two digits, integer and boolean types, rows ordered by reporter and product, the
    :data:`RECORD_FIELDS` first. (Doing this on the engine rather than in pandas keeps the
    screen of all reporters -- a million rows -- fast.)"""
    import ibis

    hs = _hs_map()
    chapters = hs.assign(hs_chapter=hs["hs_chapter"].astype(str).str.zfill(2))
    chap = expr["product"].substr(0, 2)
    cases = [(chap.isin(sorted(g["hs_chapter"])), dom)
             for dom, g in chapters.groupby("domain", sort=True) if dom != "trade"]
    domain = ibis.cases(*cases, else_="trade") if cases else ibis.literal("trade")
    r = expr.mutate(domain=domain,
                    **{c: expr[c].cast("boolean") for c in ("conditions_met", "critical")},
                    **{c: expr[c].cast("int64")
                       for c in ("years_met", "years_observed", "n_suppliers", "year")})
    rest = [c for c in r.columns if c not in RECORD_FIELDS]
    r = r.select(*RECORD_FIELDS, *rest)
    return r.order_by(["reporter", "product"]) if order else r


def _finish(records: pd.DataFrame) -> pd.DataFrame:
    """Pandas types of the records (bool and int64 columns; no NULL ints survive)."""
    r = records.reset_index(drop=True)
    for c in ("conditions_met", "critical"):
        if r[c].dtype != bool:
            r[c] = r[c].astype(bool)
    for c in ("years_met", "years_observed", "n_suppliers", "year"):
        if r[c].dtype != "int64":
            r[c] = r[c].astype("int64")
    return r


def parse_thresholds(text: str | None, base: Thresholds | None = None) -> Thresholds:
    """``"import_hhi=0.5,world_export_hhi=0.3,ratio=2,window=3,min_years=2"`` -> Thresholds."""
    from dataclasses import replace

    th = base or Thresholds()
    if not text:
        return th
    alias = {"ratio": "import_export_ratio", "import_export": "import_export_ratio",
             "world": "world_export_hhi", "world_hhi": "world_export_hhi", "hhi": "import_hhi"}
    kw: dict[str, Any] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise OptionError(f"thresholds: expecting name=value pairs separated by commas "
                              f"(import_hhi, world_export_hhi, ratio, window, min_years). "
                              f"Got {part!r}.")
        k, v = (x.strip() for x in part.split("=", 1))
        k = alias.get(k, k)
        if k not in ("import_hhi", "world_export_hhi", "import_export_ratio", "window",
                     "min_years"):
            raise OptionError(f"thresholds: expecting one of ('import_hhi', 'world_export_hhi', "
                              f"'ratio', 'window', 'min_years'). Got {k!r}.")
        try:
            kw[k] = int(v) if k in ("window", "min_years") else float(v)
        except ValueError as exc:
            raise OptionError(f"thresholds.{k}: expecting a number. Got {v!r}.") from exc
        lo, hi = _THRESHOLD_RANGES[k]
        if not (math.isfinite(kw[k]) and lo <= kw[k] <= hi):
            raise OptionError(f"thresholds.{k}: expecting a number in {fmt_sig(lo, 6, thousands=False)}..{fmt_sig(hi, 6, thousands=False)}. "
                              f"Got {v!r}.")
    return replace(th, **kw)


# Bounds of the screen's thresholds as an input: HHIs are shares of 1, a window longer than
# the BACI/Comtrade series (1995-) is meaningless, and a ratio beyond 10^6 flags nothing.
_THRESHOLD_RANGES = {"import_hhi": (0.0, 1.0), "world_export_hhi": (0.0, 1.0),
                     "import_export_ratio": (0.0, 1e6), "window": (1, 30), "min_years": (1, 30)}
