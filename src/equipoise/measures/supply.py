"""Each exporter's share of world supply of the goods a focal state imports, from product-level
trade (``trade_products``: BACI or Comtrade as the warehouse holds them).

For the focal state ``F`` in year ``t``, with ``M_k`` its imports of product ``k``, ``X_{p,k}``
exporter ``p``'s exports of ``k`` to every importer and ``W_k = sum_p X_{p,k}`` the world's:

    c_p = sum_k (M_k / sum_j M_j) * X_{p,k} / W_k

the import-weighted mean of ``p``'s share of world exports over ``F``'s import basket (its
share of world supply of what ``F`` buys; the ``c_p`` of all exporters add up to one). The
value beside it is ``sum_k X_{p,k}``, ``p``'s world exports of those products (thousand USD, as
the warehouse stores them). ``F``'s own exports count in ``W_k``; ``F`` is not a partner.

Only a world table measures this: a year counts when at least ``min_importers`` importers
appear with an exporter other than ``F`` (a Comtrade extract of ``F``'s own declarations has
one: ``F``; its mirror of ``F``'s exports does not count). Where a year holds rows of two
sources, the one with more such importers is used (ties: the first by name).

The plan uses ``c_p`` as the trade capacity (:mod:`equipoise.doctrine.plan.capacity`);
:func:`equipoise.context.plan_supply_source` opens the warehouse and hands the connection here.

References
----------
Gaulier, G. & Zignago, S. (2010). BACI: International Trade Database at the Product-Level.
CEPII Working Paper 2010-23.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["MIN_IMPORTERS", "BasketSupply", "basket_supply", "import_years"]

#: fewest importers (besides the focal state's own export destinations) for a world table
MIN_IMPORTERS = 20

_SQL = """
WITH tp AS (
    SELECT source, year, exporter, importer, product, value FROM {table}
    WHERE value > 0 AND year IS NOT NULL {where}),
basket AS (
    SELECT source, year, product, sum(value) AS m FROM tp WHERE importer = $focal
    GROUP BY source, year, product),
tot AS (
    SELECT source, year, sum(m) AS mt, count(*) AS products FROM basket GROUP BY source, year),
cover AS (
    SELECT source, year, count(DISTINCT importer) AS importers FROM tp
    WHERE exporter <> $focal GROUP BY source, year),
ex AS (
    SELECT tp.source, tp.year, tp.exporter, tp.product, sum(tp.value) AS x
    FROM tp JOIN basket b ON tp.source = b.source AND tp.year = b.year
        AND tp.product = b.product
    GROUP BY tp.source, tp.year, tp.exporter, tp.product),
w AS (
    SELECT source, year, product, sum(x) AS wx FROM ex GROUP BY source, year, product)
SELECT ex.source, ex.year, ex.exporter AS partner, sum(ex.x) AS value,
       sum(b.m / t.mt * ex.x / w.wx) AS share, any_value(t.products) AS products,
       any_value(c.importers) AS importers, any_value(t.mt) AS imports
FROM ex
JOIN basket b ON ex.source = b.source AND ex.year = b.year AND ex.product = b.product
JOIN w ON ex.source = w.source AND ex.year = w.year AND ex.product = w.product
JOIN tot t ON ex.source = t.source AND ex.year = t.year
JOIN cover c ON ex.source = c.source AND ex.year = c.year
GROUP BY ex.source, ex.year, ex.exporter
ORDER BY ex.source, ex.year, ex.exporter
"""


@dataclass(frozen=True)
class BasketSupply:
    """Result of :func:`basket_supply`.

    ``frame``: ``year, partner, value, share`` (one source per year, the focal state left
    out); ``years``: per year used, ``source, products, importers, imports`` (the focal
    state's imports in thousand USD); ``notes``: the years left out and why."""

    focal: str
    frame: pd.DataFrame = field(repr=False)
    years: dict[int, dict[str, Any]]
    notes: tuple[str, ...] = ()


def basket_supply(data: Any, focal: str, *, source: str | None = None,
                  years: list[int] | None = None,
                  min_importers: int = MIN_IMPORTERS) -> BasketSupply:
    """The product-weighted world-supply share of every exporter of ``focal``'s import basket,
    per year (see the module docstring).

    ``data``: a DuckDB connection holding ``trade_products`` (the warehouse) or a DataFrame
    with its columns (``source`` optional). ``source``: only rows of this source; ``years``:
    only these years (a full BACI year is ~11 million rows: ask for the years you need).
    """
    import duckdb

    con, table = data, "trade_products"
    if isinstance(data, pd.DataFrame):
        df = data if "source" in data.columns else data.assign(source="rows")
        con, table = duckdb.connect(), "_basket_rows"
        con.register(table, df)
    where = "AND source = $source" if source else ""
    params: dict[str, Any] = {"focal": focal, **({"source": source} if source else {})}
    if years is not None:
        where += " AND year IN (SELECT unnest($years))"
        params["years"] = [int(y) for y in years]
    raw = con.execute(_SQL.format(table=table, where=where), params).df()
    if isinstance(data, pd.DataFrame):
        con.close()
    return _choose(raw, focal, min_importers)


def import_years(con: Any, focal: str, *, up_to: int | None = None) -> list[int]:
    """The years in which ``focal`` imports something in ``trade_products`` on DuckDB
    connection ``con`` (at most ``up_to``), newest first."""
    rows = con.execute("SELECT DISTINCT year FROM trade_products WHERE importer = $focal AND "
                       "value > 0 AND year IS NOT NULL AND ($up_to IS NULL OR year <= $up_to) "
                       "ORDER BY year DESC", {"focal": focal, "up_to": up_to}).fetchall()
    return [int(r[0]) for r in rows]


def _choose(raw: pd.DataFrame, focal: str, min_importers: int) -> BasketSupply:
    """One source per year (the most importers, then the first by name), years with fewer
    than ``min_importers`` importers left out with a note."""
    notes: list[str] = []
    years: dict[int, dict[str, Any]] = {}
    keep = []
    meta = raw.drop_duplicates(["source", "year"]).sort_values(
        ["year", "importers", "source"], ascending=[True, False, True])
    for y, g in meta.groupby("year", sort=True):
        best = g.iloc[0]
        if int(best["importers"]) < min_importers:
            notes.append(f"{int(y)}: {int(best['importers'])} importer(s) besides {focal}'s "
                         f"export destinations in source {best['source']}, fewer than "
                         f"{min_importers}: not a world table")
            continue
        years[int(y)] = {"source": str(best["source"]), "products": int(best["products"]),
                         "importers": int(best["importers"]), "imports": float(best["imports"])}
        keep.append((best["source"], y))
    sel = raw.set_index(["source", "year"]).index.isin(keep)
    frame = raw[sel & (raw["partner"] != focal)][["year", "partner", "value", "share"]]
    return BasketSupply(focal, frame.reset_index(drop=True), years, tuple(notes))
