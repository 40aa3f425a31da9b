"""The product-level critical-dependency screen (CEPII GeoDep / European Commission method).

Runs the engine-neutral Ibis expressions of :mod:`equipoise.measures.ibis_measures` on
DuckDB (default: the warehouse file, or an in-memory table) or PySpark, and returns a
:class:`ScreenResult` with the product records, the margins to every threshold, a
sensitivity table (how many products are flagged at neighbouring thresholds) and a roll-up
of products into domains through the shipped HS -> domain map.

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
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import NoDataError, OptionError, WarehouseError
from .ibis_measures import Thresholds, sensitivity_variants

__all__ = ["RECORD_FIELDS", "ScreenResult", "Thresholds", "domain_rollup", "screen",
           "sensitivity_table"]

#: fields of every JSON record (``equipoise screen --json``)
RECORD_FIELDS = ("year", "reporter", "product", "domain", "import_hhi", "world_export_hhi",
                 "import_export_ratio", "conditions_met", "years_met", "years_observed",
                 "persistent", "critical", "top_supplier", "top_share", "imports", "exports",
                 "n_suppliers", "import_hhi_margin", "world_export_hhi_margin", "ratio_margin")


@dataclass
class ScreenResult:
    """Result of :func:`screen`.

    Attributes
    ----------
    records : DataFrame
        One row per (reporter, product) imported in ``year``, columns :data:`RECORD_FIELDS`.
    sensitivity : DataFrame
        ``parameter, value, n_critical, current``: critical (reporter, product) pairs when one
        threshold moves and the others stay.
    thresholds : Thresholds
    year : int
    persistence : bool
    engine : str
    """

    records: pd.DataFrame
    sensitivity: pd.DataFrame
    thresholds: Thresholds
    year: int
    persistence: bool
    engine: str
    reporters: list[str] | None = None
    timings: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    read_from: str = "rows"

    @property
    def critical(self) -> pd.DataFrame:
        return self.records[self.records["critical"].fillna(False).astype(bool)]

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
            "n_products": len(self.records), "n_critical": len(self.critical),
            "sensitivity": self.sensitivity.to_dict("records"), "notes": self.notes,
        }
        if records:
            d["records"] = self.to_records()
        return d

    def summary(self) -> str:
        th = self.thresholds
        lines = [f"Product screen {self.year} ({self.engine}): {len(self.records):,} "
                 f"reporter-product pairs, {len(self.critical):,} critical",
                 f"  thresholds: import HHI > {th.import_hhi}, world-export HHI > "
                 f"{th.world_export_hhi}, imports/exports > {th.import_export_ratio}"
                 + (f", in >= {th.min_years} of {th.window} years" if self.persistence else "")]
        for p, g in self.sensitivity.groupby("parameter", sort=False):
            cells = ", ".join(f"{v:g}: {n:,}" for v, n in zip(g["value"], g["n_critical"],
                                                              strict=True))
            lines.append(f"  sensitivity {p}: {cells}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def sensitivity_table(row: pd.Series | dict, th: Thresholds, **kw) -> pd.DataFrame:
    """Long table from the one-row output of :func:`ibis_measures.sensitivity`."""
    variants = sensitivity_variants(th, **kw)
    rows = []
    for i, ((param, value), _) in enumerate(variants.items()):
        current = np.isclose(value, getattr(th, param))
        rows.append({"parameter": param, "value": float(value),
                     "n_critical": int(row[f"n_{i}"]) if row[f"n_{i}"] is not None else 0,
                     "current": bool(current)})
    return pd.DataFrame(rows)


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


def _normalise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A pandas ``trade_products`` frame with typed columns (quantity optional)."""
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


def _table_from(data: Any, engine: str, con: Any | None,
                tmpdir: list) -> tuple[Any, Any, bool]:
    """An Ibis table of trade_products on the requested engine, its backend, and whether it
    is a DuckDB warehouse read in place (the only input that carries product summaries)."""
    from ..engine import _is_spark, connect, to_table

    if hasattr(data, "op") and hasattr(data, "schema"):  # already an Ibis table
        return data, con, False
    if isinstance(data, pd.DataFrame):
        con = con or connect(engine)
        return to_table(con, _normalise_frame(data), "trade_products"), con, False
    p = Path(data)
    if p.suffix in (".parquet", ".pq") or p.is_dir():
        con = con or connect(engine)
        return con.read_parquet(str(p if p.suffix else p / "*.parquet")), con, False
    # a warehouse file
    from .. import warehouse

    if not _is_spark(engine):
        con = con or warehouse.connect(p)
        try:
            return con.table("trade_products"), con, True
        except Exception as exc:  # ibis raises backend-specific errors for a missing table
            raise WarehouseError(f"warehouse {p} has no trade_products table; run "
                                 f"`equipoise ingest baci FOLDER --db {p}` first") from exc
    # Spark cannot read DuckDB files: export the table to Parquet first
    import duckdb

    d = tempfile.mkdtemp(prefix="equipoise-screen-")
    tmpdir.append(d)
    raw = duckdb.connect(str(p), read_only=True)
    try:
        raw.execute(f"COPY (SELECT year, exporter, importer, product, value, quantity, source "
                    f"FROM trade_products) TO '{d}/tp.parquet' (FORMAT parquet)").fetchall()
    finally:
        raw.close()
    con = con or connect(engine)
    return con.read_parquet(f"{d}/tp.parquet"), con, False


def screen(data: Any, *, year: int | None = None, reporters: Sequence[str] | None = None,
           thresholds: Thresholds | None = None, persistence: bool = True,
           sensitivity: bool = True, engine: str = "duckdb", con: Any | None = None,
           source: str | None = None, summaries: bool | None = None) -> ScreenResult:
    """Screen every (reporter, HS6 product) for critical dependency.

    Parameters
    ----------
    data
        ``trade_products`` as an Ibis table, a pandas frame, a Parquet file/folder, or a
        warehouse file (DuckDB).
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

    Raises
    ------
    NoDataError
        The data hold no rows for the year or the reporters.
    """
    import time

    from ..engine import engine_name
    from .ibis_measures import screen_products
    from .ibis_measures import sensitivity as sensitivity_expr

    th = thresholds or Thresholds()
    tmp: list = []
    t0 = time.perf_counter()
    try:
        t, con, in_warehouse = _table_from(data, engine, con, tmp)
        if source is not None:
            t = t.filter(t.source == source)
        if year is None:
            year = con.execute(t.year.max()) if con is not None else t.year.max().execute()
            if year is None or (isinstance(year, float) and np.isnan(year)):
                raise NoDataError("trade_products is empty: nothing to screen")
        year = int(year)
        reps = [r.upper() for r in reporters] if reporters else None
        window = th.window if persistence else 1
        data_in, read_from = t, "rows"
        if summaries is not False and in_warehouse:
            from .. import warehouse

            summ = warehouse.summaries(con, years=list(range(year - window + 1, year + 1)),
                                       source=source)
            if summ is not None:
                data_in, read_from = summ, "summaries"
        if summaries and read_from != "summaries":
            raise OptionError("summaries=True: the data are not a warehouse with product "
                              "summaries for these years (ingest into a warehouse, or pass "
                              "one source when a year holds two)")
        expr = screen_products(data_in, year=year, thresholds=th, reporters=reps,
                               persistence=persistence)
        timings = {}
        expr = _records_expr(expr)
        records = (con.to_pyarrow(expr) if con is not None else expr.to_pyarrow()).to_pandas()
        timings["screen"] = time.perf_counter() - t0
        if records.empty:
            raise NoDataError(f"no imports in {year}"
                              + (f" for {', '.join(reps)}" if reps else "")
                              + "; check the year and the reporters (ISO3)")
        sens = pd.DataFrame(columns=["parameter", "value", "n_critical", "current"])
        if sensitivity:
            t1 = time.perf_counter()
            row = (con.execute(sensitivity_expr(data_in, year=year, thresholds=th,
                                                reporters=reps, persistence=persistence))).iloc[0]
            sens = sensitivity_table(row, th)
            timings["sensitivity"] = time.perf_counter() - t1
        records = _finish(records)
        notes = []
        seen = int(records["years_observed"].max())
        if persistence and seen < th.min_years:
            notes.append(f"the data hold at most {seen} of the {th.window} years {year - th.window + 1}"
                         f"-{year}, so no product can meet the {th.min_years}-of-{th.window}-years "
                         f"persistence rule; load earlier years or screen without persistence")
        return ScreenResult(records=records, sensitivity=sens, thresholds=th, year=year,
                            persistence=persistence, engine=engine_name(con) if con else engine,
                            reporters=reps, timings=timings, notes=notes, read_from=read_from)
    finally:
        import shutil

        for d in tmp:
            shutil.rmtree(d, ignore_errors=True)


def _records_expr(expr: Any) -> Any:
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
    return r.select(*RECORD_FIELDS, *rest).order_by(["reporter", "product"])


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
            raise OptionError(f"thresholds.{k}: expecting a number in {lo:g}..{hi:g}. "
                              f"Got {v!r}.")
    return replace(th, **kw)


# Bounds of the screen's thresholds as an input: HHIs are shares of 1, a window longer than
# the BACI/Comtrade series (1995-) is meaningless, and a ratio beyond 10^6 flags nothing.
_THRESHOLD_RANGES = {"import_hhi": (0.0, 1.0), "world_export_hhi": (0.0, 1.0),
                     "import_export_ratio": (0.0, 1e6), "window": (1, 30), "min_years": (1, 30)}
