"""The per-(source, year) summaries of ``trade_products`` the warehouse keeps for the product
screen, as Ibis expressions (nothing here executes a query or imports a backend).

They are the screen's sufficient statistics: :mod:`equipoise.warehouse` builds them at ingest
(tables ``trade_summary`` and ``trade_world``, declared in :mod:`equipoise.schema`) and
:mod:`equipoise.measures.ibis_measures` computes its metrics from them or from the raw rows
with the same definitions (:func:`imports`, :func:`exports`, :func:`world`). This module sits
below both, so the warehouse never imports the measures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .schema import columns

#: columns of the warehouse's per-year product summary (one row per imported reporter-product)
SUMMARY_COLUMNS = columns("trade_summary", source=False)
#: columns of the warehouse's per-year world-export summary
WORLD_COLUMNS = columns("trade_world", source=False)


def imports(src: Any, *, detail: bool) -> Any:
    """Per (year, importer, product) of the rows in ``src`` (value > 0): ``imports``, the sum of
    squares ``imports_s2``, the largest row ``imports_max``, ``n_suppliers`` and ``top_supplier``
    (``detail``; NULL otherwise). The top supplier is the largest exporter; ties go to the
    smallest code, so every engine gives the same answer."""
    import ibis

    if detail:
        # argmin over (-value, exporter): the largest value, then the smallest code
        order_key = ibis.struct({"nv": -src.value, "e": src.exporter})
        agg = src.group_by(["year", "importer", "product"]).aggregate(
            imports=src.value.sum(), imports_s2=(src.value * src.value).sum(),
            imports_max=src.value.max(), n_suppliers=src.count(),
            top_supplier=src.exporter.argmin(order_key))
    else:
        agg = src.group_by(["year", "importer", "product"]).aggregate(
            imports=src.value.sum(), imports_s2=(src.value * src.value).sum())
        agg = agg.mutate(imports_max=ibis.null("float64"), n_suppliers=ibis.null("int64"),
                         top_supplier=ibis.null("string"))
    return agg.rename(reporter="importer")


def exports(tp: Any, years: Sequence[int] | None) -> Any:
    """Per (year, exporter, product): ``exports`` (rows with value > 0)."""
    ex = tp.select("year", "exporter", "product", "value")
    ex = ex.filter(ex.value > 0) if years is None else ex.filter(ex.year.isin(list(years)),
                                                                  ex.value > 0)
    return ex.group_by(["year", "exporter", "product"]).aggregate(exports=ex.value.sum())


def world(exp: Any) -> Any:
    """Per (year, product): ``world_exports`` and the sum of squared exporter totals."""
    return exp.group_by(["year", "product"]).aggregate(
        world_exports=exp.exports.sum(), world_exports_s2=(exp.exports * exp.exports).sum())


def product_summary(tp: Any, *, years: Sequence[int] | None = None) -> Any:
    """The per-year sufficient statistics of the screen, one row per imported (reporter, product).

    ``year, reporter, product, imports, imports_s2, imports_max, n_suppliers, top_supplier,
    exports``: every import-side quantity of
    :func:`~equipoise.measures.ibis_measures.product_metrics` before the ratios, and the
    reporter's exports of the product (0 when none). The warehouse keeps this table per
    (source, year) at ingest so that screens read ~1/10 of the rows;
    :func:`~equipoise.measures.ibis_measures.summary_metrics` turns it into exactly what
    ``product_metrics`` computes from the raw rows.
    """
    src = tp.select("year", "exporter", "importer", "product", "value")
    src = src.filter(src.value > 0) if years is None else src.filter(
        src.year.isin(list(years)), src.value > 0)
    imp = imports(src, detail=True)
    exp = exports(tp, years)
    j = imp.left_join(exp, [imp.year == exp.year, imp.reporter == exp.exporter,
                            imp["product"] == exp["product"]])
    return j.select(*[imp[c] for c in SUMMARY_COLUMNS[:-1]], exports=exp.exports.fill_null(0.0))


def world_summary(tp: Any, *, years: Sequence[int] | None = None) -> Any:
    """Per (year, product): ``world_exports`` and ``world_exports_s2`` over every exporter."""
    return world(exports(tp, years))


#: what the warehouse builds at ingest: (table, expression over trade_products, its columns)
SUMMARIES = (("trade_summary", product_summary, SUMMARY_COLUMNS),
             ("trade_world", world_summary, WORLD_COLUMNS))


@dataclass(frozen=True)
class ProductSummaries:
    """The warehouse's per-year summaries of ``trade_products`` (built at ingest).

    ``products`` has :data:`SUMMARY_COLUMNS`, ``world`` has :data:`WORLD_COLUMNS`, both for
    one source per year (see :func:`equipoise.warehouse.summaries`).
    """

    products: Any
    world: Any
