"""Engine-neutral measures over large tables, as Ibis expressions.

Every function takes an Ibis ``Table`` (bound to DuckDB, PySpark or any Ibis backend) and returns
an Ibis expression; nothing here executes a query or imports a backend. The same definition
therefore runs unchanged on DuckDB (the default warehouse) and on PySpark.

The product table has the canonical layout of ``trade_products``::

    year (int), exporter (ISO3), importer (ISO3), product (HS6 text), value (float), quantity

with one row per (year, exporter, importer, product) -- the warehouse guarantees it for BACI and
Comtrade loads (duplicates are summed at ingest).

Definitions (see ``shared/METHODS.md``):

* partner share ``s_p = x_p / sum_q x_q``; the denominator is the sum of the rows present
  in the group (not a separately reported world total);
* Herfindahl-Hirschman index ``HHI = sum_p s_p^2``, computed as ``sum x_p^2 / (sum x_p)^2``;
* world-export HHI of a product: the HHI of exporters' shares in world exports of the product,
  world exports being the sum over all exporters in the panel (Lefebvre & Wibaux 2024, CEPII
  GeoDep);
* import/export ratio ``M / X`` of the reporter for the product, ``9999`` when exports are 0
  (CEPII GeoDep convention).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# the warehouse's summaries share these definitions; they sit below both (no import cycle)
from .._trade_summaries import (
    SUMMARY_COLUMNS,
    WORLD_COLUMNS,
    ProductSummaries,
    product_summary,
    world_summary,
)
from .._trade_summaries import exports as _exports
from .._trade_summaries import imports as _imports
from .._trade_summaries import world as _world

__all__ = [
    "NO_EXPORTS_RATIO",
    "SUMMARY_COLUMNS",
    "WORLD_COLUMNS",
    "ProductSummaries",
    "Thresholds",
    "hhi",
    "product_metrics",
    "product_summary",
    "screen_products",
    "sensitivity",
    "sensitivity_variants",
    "shares",
    "summary_metrics",
    "world_export_hhi",
    "world_summary",
]

#: Import/export ratio used when the reporter exports none of the product (CEPII GeoDep).
NO_EXPORTS_RATIO = 9999.0


@dataclass(frozen=True)
class Thresholds:
    """Thresholds of the product-level dependency screen (CEPII GeoDep defaults).

    Attributes
    ----------
    import_hhi : float
        Import-source HHI above which imports are concentrated (0.4).
    world_export_hhi : float
        World-export HHI above which the product is hard to substitute (0.4).
    import_export_ratio : float
        Imports / exports above which the reporter is a net importer (1).
    window : int
        Years in the persistence window ending in the screened year (3).
    min_years : int
        Years of the window in which all three conditions must hold (2).

    References
    ----------
    Lefebvre, K. & Wibaux, P. (2024). "Global dependencies: a new measure of strategic
    dependencies" (GeoDep), CEPII; European Commission (2021), SWD(2021) 352.
    """

    import_hhi: float = 0.4
    world_export_hhi: float = 0.4
    import_export_ratio: float = 1.0
    window: int = 3
    min_years: int = 2

    def __post_init__(self) -> None:
        from ..errors import OptionError

        for name in ("import_hhi", "world_export_hhi"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise OptionError(f"thresholds.{name}: expecting a number in [0, 1]. Got {v!r}.")
        if self.import_export_ratio < 0:
            raise OptionError(f"thresholds.import_export_ratio: expecting a number >= 0. "
                              f"Got {self.import_export_ratio!r}.")
        if self.window < 1 or not 1 <= self.min_years <= self.window:
            raise OptionError(f"thresholds: expecting 1 <= min_years <= window. Got "
                              f"min_years={self.min_years!r}, window={self.window!r}.")

    def to_dict(self) -> dict[str, float]:
        return {"import_hhi": self.import_hhi, "world_export_hhi": self.world_export_hhi,
                "import_export_ratio": self.import_export_ratio, "window": self.window,
                "min_years": self.min_years}


def shares(t: Any, *, by: Sequence[str], value: str = "value", name: str = "share") -> Any:
    """Add column ``name``: each row's share of ``value`` within its ``by`` group.

    ``s_p = x_p / sum_q x_q`` with the sum over the rows present in the group (Gartzke & Li
    2003 on the choice of denominator).
    """
    total = t[value].sum().over(group_by=[t[c] for c in by])
    return t.mutate(**{name: t[value] / total})


def hhi(t: Any, *, by: Sequence[str], partner: str = "partner", value: str = "value") -> Any:
    """Herfindahl-Hirschman index of partner shares per ``by`` group.

    ``HHI = sum_p s_p^2 = sum_p x_p^2 / (sum_p x_p)^2`` in [1/n, 1] (Herfindahl 1950,
    Hirschman 1945). Rows are first summed per (by, partner), so repeated partner rows count
    once. Returns columns ``by + [total, n_partners, hhi, top_share]``.
    """
    per = t.group_by([*by, partner]).aggregate(_x=t[value].sum())
    per = per.filter(per._x > 0)
    agg = per.group_by(list(by)).aggregate(
        total=per._x.sum(), _s2=(per._x * per._x).sum(), _max=per._x.max(),
        n_partners=per[partner].nunique())
    return agg.mutate(hhi=agg._s2 / (agg.total * agg.total),
                      top_share=agg._max / agg.total).drop("_s2", "_max")


def world_export_hhi(tp: Any) -> Any:
    """World-export concentration per (year, product): HHI of exporters' shares.

    Returns ``year, product, world_exports, world_export_hhi``. CEPII GeoDep's second
    criterion (a product is hard to substitute when this HHI exceeds 0.4).
    """
    x = tp.group_by(["year", "exporter", "product"]).aggregate(_x=tp.value.sum())
    w = x.group_by(["year", "product"]).aggregate(world_exports=x._x.sum(),
                                                   _s2=(x._x * x._x).sum())
    return w.mutate(world_export_hhi=w._s2 / (w.world_exports * w.world_exports)).drop("_s2")


def _metrics(j: Any) -> Any:
    """Ratios from the joined sufficient statistics (the one definition both paths share)."""
    import ibis

    m = j.select(year=j.year, reporter=j.reporter, product=j["product"], imports=j.imports,
                 n_suppliers=j.n_suppliers,
                 import_hhi=j.imports_s2 / (j.imports * j.imports),
                 top_supplier=j.top_supplier, top_share=j.imports_max / j.imports,
                 exports=j.exports.fill_null(0.0), world_exports=j.world_exports,
                 world_export_hhi=j.world_exports_s2 / (j.world_exports * j.world_exports))
    return m.mutate(import_export_ratio=ibis.cases(
        (m.exports > 0, m.imports / m.exports), else_=ibis.literal(NO_EXPORTS_RATIO)))


def product_metrics(tp: Any, *, years: Sequence[int], reporters: Sequence[str] | None = None,
                    detail_years: Sequence[int] | None = None) -> Any:
    """Per (year, reporter, product): imports, import HHI, top supplier, exports, ratio, world HHI.

    Parameters
    ----------
    tp
        Ibis table in the ``trade_products`` layout, one row per (year, exporter, importer,
        product); or :class:`ProductSummaries` (the warehouse's per-year summaries), which give
        the same result from ~1/10 of the rows.
    years
        Years to compute (the persistence window).
    reporters
        Importers to screen (ISO3); all when None. World-export HHI always uses every exporter.
    detail_years
        Years for which the top supplier, its share and the number of suppliers are computed
        (all ``years`` when None); other years get NULL there, which saves work on large
        panels (persistence needs only the three tests). Summaries always carry them.

    Returns
    -------
    Ibis table with ``year, reporter, product, imports, n_suppliers, import_hhi, top_supplier,
    top_share, exports, import_export_ratio, world_exports, world_export_hhi``. The top
    supplier is the largest exporter of the product to the reporter; ties go to the smallest
    code, so every engine gives the same answer.
    """
    years = [int(y) for y in years]
    if isinstance(tp, ProductSummaries):
        return summary_metrics(tp, years=years, reporters=reporters)
    detail = [int(y) for y in (detail_years if detail_years is not None else years)]
    light = [y for y in years if y not in detail]

    def imports_src(ys: list[int]) -> Any:
        # project before filtering: each branch is its own scan (no shared materialisation)
        src = tp.select("year", "exporter", "importer", "product", "value")
        src = src.filter(src.year.isin(ys), src.value > 0)
        return src if reporters is None else src.filter(src.importer.isin(list(reporters)))

    parts = ([_imports(imports_src(detail), detail=True)] if detail else []) + \
        ([_imports(imports_src(light), detail=False)] if light else [])
    if not parts:
        raise ValueError("product_metrics: expecting at least one year")
    imp = parts[0] if len(parts) == 1 else parts[0].union(parts[1].select(*parts[0].columns))

    exp = _exports(tp, years)
    world = _world(exp)
    if reporters is not None:
        exp = exp.filter(exp.exporter.isin(list(reporters)))
    j = imp.left_join(exp, [imp.year == exp.year, imp.reporter == exp.exporter,
                            imp["product"] == exp["product"]])
    j = j.left_join(world, [imp.year == world.year, imp["product"] == world["product"]])
    j = j.select(*[imp[c] for c in SUMMARY_COLUMNS[:-1]], exports=exp.exports,
                 world_exports=world.world_exports, world_exports_s2=world.world_exports_s2)
    return _metrics(j)


def summary_metrics(s: ProductSummaries, *, years: Sequence[int],
                    reporters: Sequence[str] | None = None) -> Any:
    """:func:`product_metrics` from the per-year summaries instead of the raw rows."""
    years = [int(y) for y in years]
    p = s.products.filter(s.products.year.isin(years))
    if reporters is not None:
        p = p.filter(p.reporter.isin(list(reporters)))
    w = s.world.filter(s.world.year.isin(years))
    j = p.left_join(w, [p.year == w.year, p["product"] == w["product"]])
    j = j.select(*[p[c] for c in SUMMARY_COLUMNS], world_exports=w.world_exports,
                 world_exports_s2=w.world_exports_s2)
    return _metrics(j)


def _conditions(m: Any, th: Thresholds) -> Any:
    return ((m.import_hhi > th.import_hhi) & (m.world_export_hhi > th.world_export_hhi)
            & (m.import_export_ratio > th.import_export_ratio))


def screen_products(tp: Any, *, year: int, thresholds: Thresholds | None = None,
                    reporters: Sequence[str] | None = None, persistence: bool = True) -> Any:
    """The product-level critical-dependency screen (CEPII GeoDep) as one Ibis expression.

    For each reporter and HS6 product imported in ``year``:

    * ``import_hhi > t1`` (import-source concentration),
    * ``world_export_hhi > t2`` (concentrated world supply, hard to substitute),
    * ``import_export_ratio > t3`` (net importer; ratio 9999 when exports are 0),
    * persistence: the three hold in at least ``min_years`` of the ``window`` years ending in
      ``year`` (2 of 3 in GeoDep).

    ``conditions_met`` is the year's test; ``years_met`` counts the window years in which all
    three held (``years_observed``: window years in which the reporter imported the product);
    ``persistent`` is ``years_met >= min_years``; ``critical`` is ``persistent`` when
    persistence is on, otherwise ``conditions_met``. Margins are value minus threshold
    (positive = beyond the threshold); the ratio margin is ``log10(ratio / t3)``.

    The screened year is computed in full; the earlier years of the window contribute only
    their three tests, counted per (reporter, product) and joined on.

    References
    ----------
    Lefebvre, K. & Wibaux, P. (2024), CEPII GeoDep; European Commission (2021), SWD(2021) 352,
    "Strategic dependencies and capacities".
    """
    import ibis

    th = thresholds or Thresholds()
    year = int(year)
    window = th.window if persistence else 1
    years = list(range(year - window + 1, year + 1))
    m = product_metrics(tp, years=[year], reporters=reporters, detail_years=[year])
    m = m.mutate(_met_now=_conditions(m, th).cast("int64"))
    if window > 1:
        # the earlier years of the window: only the three tests, counted per pair, then joined
        # to the screened year (cheaper than one conditional aggregate over all columns)
        p = product_metrics(tp, years=years[:-1], reporters=reporters, detail_years=[])
        p = p.mutate(_met=_conditions(p, th).cast("int64"))
        h = p.group_by(["reporter", "product"]).aggregate(_past_met=p._met.sum(),
                                                          _past_seen=p.count())
        j = m.left_join(h, [m.reporter == h.reporter, m["product"] == h["product"]])
        cur = j.select(*[m[c] for c in m.columns],
                       years_met=m._met_now + h._past_met.fill_null(0),
                       years_observed=1 + h._past_seen.fill_null(0))
    else:
        cur = m.mutate(years_met=m._met_now, years_observed=ibis.literal(1, "int64"))
    out = cur.mutate(
        year=ibis.literal(year, "int64"),
        conditions_met=cur._met_now == 1,
        persistent=(cur.years_met >= th.min_years) if persistence
        else ibis.literal(None, "boolean"),
        import_hhi_margin=cur.import_hhi - th.import_hhi,
        world_export_hhi_margin=cur.world_export_hhi - th.world_export_hhi,
        ratio_margin=(cur.import_export_ratio / th.import_export_ratio).log10()
        if th.import_export_ratio > 0 else ibis.literal(None, "float64"),
    )
    out = out.mutate(critical=out.persistent if persistence else out.conditions_met)
    return out.select(
        "year", "reporter", "product", "import_hhi", "world_export_hhi", "import_export_ratio",
        "conditions_met", "years_met", "years_observed", "persistent", "critical",
        "top_supplier", "top_share", "imports", "exports", "n_suppliers", "world_exports",
        "import_hhi_margin", "world_export_hhi_margin", "ratio_margin")


def sensitivity(tp: Any, *, year: int, thresholds: Thresholds | None = None,
                reporters: Sequence[str] | None = None, persistence: bool = True,
                steps: Sequence[float] = (-0.1, -0.05, 0.0, 0.05, 0.1),
                ratio_factors: Sequence[float] = (0.5, 0.75, 1.0, 1.5, 2.0)) -> Any:
    """How many (reporter, product) pairs are critical at neighbouring thresholds.

    One threshold moves at a time while the others stay at their values: the two HHI
    thresholds by ``steps`` (clipped to [0, 1]), the ratio threshold multiplied by
    ``ratio_factors``. Returns one row with one count column per variant, all variants
    counted in one pass over the per-year metrics. Column ``n_i`` belongs to the i-th entry
    of :func:`sensitivity_variants`; :func:`equipoise.measures.screen.sensitivity_table`
    turns the row into a long table.
    """
    th = thresholds or Thresholds()
    year = int(year)
    window = th.window if persistence else 1
    years = list(range(year - window + 1, year + 1))
    variants = sensitivity_variants(th, steps=steps, ratio_factors=ratio_factors)
    m = product_metrics(tp, years=[year], reporters=reporters, detail_years=[])
    per = m.select("reporter", "product", **{f"_y_{i}": _conditions(m, v).cast("int64")
                                             for i, v in enumerate(variants.values())})
    if window > 1:  # as in screen_products: earlier years counted per pair, then joined
        p = product_metrics(tp, years=years[:-1], reporters=reporters, detail_years=[])
        h = p.group_by(["reporter", "product"]).aggregate(
            **{f"_p_{i}": _conditions(p, v).cast("int64").sum()
               for i, v in enumerate(variants.values())})
        j = per.left_join(h, [per.reporter == h.reporter, per["product"] == h["product"]])
        per = j.select(**{f"_y_{i}": per[f"_y_{i}"] + h[f"_p_{i}"].fill_null(0)
                          for i in range(len(variants))})
    need = th.min_years if persistence else 1
    return per.aggregate(**{f"n_{i}": (per[f"_y_{i}"] >= need).cast("int64").sum()
                            for i in range(len(variants))})


def sensitivity_variants(th: Thresholds, *, steps: Sequence[float] = (-0.1, -0.05, 0.0, 0.05, 0.1),
                         ratio_factors: Sequence[float] = (0.5, 0.75, 1.0, 1.5, 2.0)
                         ) -> dict[tuple[str, float], Thresholds]:
    """The threshold sets of :func:`sensitivity`, keyed by (parameter, value)."""
    from dataclasses import replace

    out: dict[tuple[str, float], Thresholds] = {}
    for name in ("import_hhi", "world_export_hhi"):
        base = getattr(th, name)
        for s in steps:
            v = round(min(1.0, max(0.0, base + s)), 6)
            out[(name, v)] = replace(th, **{name: v})
    for f in ratio_factors:
        v = round(th.import_export_ratio * f, 6)
        out[("import_export_ratio", v)] = replace(th, import_export_ratio=v)
    return out
