"""Two-way dependence: the focal state's weight in each pole beside the pole's weight in it.

Every other measure reads the focal state's own flows (reporter = the focal state): how much of
*its* trade, energy, transit ... goes to each partner. Dependence runs both ways, and what
matters for leverage is the asymmetry (Hirschman 1945, *National Power and the Structure of
Foreign Trade*; Keohane & Nye 1977, *Power and Interdependence*, sensitivity and vulnerability).
This measure pairs the two sides of one flow:

* ``pole_share_in_focal``: the pole's share of the focal state's total in a focal-side
  indicator (rows ``reporter = focal``, e.g. ``energy.crude.export_destination``: the EU's
  share of Kazakhstan's crude exports), against the focal state's WLD row;
* ``focal_share_in_pole``: the focal state's share of the pole's total in a pole-side
  indicator (rows ``reporter = pole, partner = focal``, indicators ``asymmetry.*``, e.g.
  ``asymmetry.transit.china_europe``: Kazakhstan's share of China's overland freight to
  Europe), against the pole's WLD row;
* ``ratio`` = pole_share_in_focal / focal_share_in_pole: above 1 the focal state depends on the
  pole more than the pole on it, below 1 the focal state holds the leverage.

Where a side's total (its WLD row) or the partner's row is absent, that share is **unknown**
(None, with the reason), never 0, and the ratio is unknown. The world market is not a state and
cannot report a flow: the focal state's share of a world market is read from a focal row with
partner WLD (``asymmetry.<x>.world_*``, a share or %), shown beside the poles as ``WLD``.

Pairs of a pole-side and a focal-side indicator are declared in :data:`PAIRS`; an
``asymmetry.*`` indicator not in it is shown with its pole side only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .._results import fmt_share, fmt_sig

__all__ = ["COLUMNS", "DEFINITION", "FOCAL_SIDE", "PAIRS", "Pair", "asymmetry", "focal_side",
           "side_share", "table", "table_frame"]

DEFINITION = (
    "pole_share_in_focal = the pole's share of the focal state's total in a flow; "
    "focal_share_in_pole = the focal state's share of the pole's total in the same flow (from "
    "rows the pole reports); ratio = pole_share_in_focal / focal_share_in_pole (> 1: the focal "
    "state depends more on the pole than the pole on it), both sides of one year (the latest "
    "year with both; none across years). A share whose total is not in the "
    "data is unknown, never 0 (Hirschman 1945; Keohane & Nye 1977)")


@dataclass(frozen=True)
class Pair:
    """One flow seen from both sides: its domain and label, the pole-side indicator
    (``asymmetry.*``, reporter = pole) and the focal-side indicator (reporter = focal, or None
    where no focal-side figure exists). ``focal_fallback`` lists further focal-side indicators
    (e.g. the same flow from another source in other years): for each partner the latest year
    among all of them is used, the first indicator winning a tie."""

    domain: str
    flow: str
    pole_indicator: str
    focal_indicator: str | None
    world_indicator: str | None = None
    focal_fallback: tuple[str, ...] = ()

    @property
    def focal_indicators(self) -> tuple[str, ...]:
        return tuple(i for i in (self.focal_indicator, *self.focal_fallback) if i is not None)


PAIRS: dict[str, Pair] = {p.pole_indicator: p for p in (
    Pair("energy", "natural uranium (focal exports / pole imports)", "asymmetry.uranium.import",
         "energy.uranium.export_value", "asymmetry.uranium.world_export_share"),
    Pair("energy", "crude oil (focal exports / pole imports)", "asymmetry.crude.import",
         "energy.crude.export_destination"),
    Pair("corridors", "overland China-Europe transit", "asymmetry.transit.china_europe", None),
    Pair("trade", "goods (focal imports / pole exports)", "asymmetry.goods.export",
         "trade.goods.import", focal_fallback=("asymmetry.goods.focal_import",)),
    Pair("trade", "goods (focal exports / pole imports)", "asymmetry.goods.import",
         "trade.goods.export_share", focal_fallback=("trade.goods.export",
                                                     "asymmetry.goods.focal_export")),
)}
"""Focal-side indicators named in :data:`PAIRS` (never shown as a flow of their own)."""
FOCAL_SIDE = frozenset(i for p in PAIRS.values() for i in p.focal_indicators)


_COLS = ("year", "reporter", "partner", "domain", "indicator", "product", "value", "unit",
         "source")


class _Index(dict):
    """The rows of some indicators as evidence records (:data:`_COLS`), keyed by (reporter,
    indicator): built once per call, so that the per-side lookups are plain Python (the
    measure makes ~70 of them; on small frames pandas' per-operation overhead dominated)."""

    @classmethod
    def of(cls, flows, indicators=None) -> _Index:
        if isinstance(flows, _Index):
            return flows
        df = flows.data if hasattr(flows, "data") else flows
        if indicators is not None:
            df = df[df["indicator"].isin([i for i in indicators if i is not None])]
        out = cls()
        for r in _records(df):
            out.setdefault((r["reporter"], r["indicator"]), []).append(r)
        return out

    def rows(self, reporter: str, indicator: str, year: int | None) -> list[dict]:
        got = self.get((reporter, indicator), [])
        return got if year is None else [r for r in got if r["year"] <= year]


def side_share(flows, reporter: str, partner: str, indicator: str | None, *,
               year: int | None = None) -> dict:
    """``partner``'s share of ``reporter``'s total in ``indicator``: the latest year (at most
    ``year``) with a row for ``partner``, divided by the reporter's WLD row of that year.
    ``flows``: a flows table (or the measure's own index of it).

    Returns ``share`` (None when unknown), ``year``, ``value``, ``total``, ``unit``,
    ``reason`` (why unknown) and ``rows`` (the evidence: the canonical rows used)."""
    out = {"share": None, "year": None, "value": None, "total": None, "unit": None,
           "reason": None, "rows": []}
    if indicator is None:
        out["reason"] = "no indicator in the data for this side of the flow"
        return out
    df = _Index.of(flows, [indicator]).rows(reporter, indicator, year)
    mine = [r for r in df if r["partner"] == partner]
    if not mine:
        out["reason"] = f"no {indicator} row of {reporter} with {partner}" + (
            f" up to {year}" if year is not None else "")
        return out
    y = max(r["year"] for r in mine)
    row = [r for r in mine if r["year"] == y]
    value = sum(r["value"] for r in row)
    tot = [r for r in df if r["year"] == y and r["partner"] == "WLD"]
    out.update(year=y, value=value, unit=str(row[0]["unit"]), rows=[dict(r) for r in row])
    if not tot:
        out["reason"] = f"{reporter}'s total (WLD row) of {indicator} in {y} is not in the data"
        return out
    total = sum(r["value"] for r in tot)
    out["rows"] += [dict(r) for r in tot]
    out["total"] = total
    if total <= 0:
        out["reason"] = f"{reporter}'s total of {indicator} in {y} is {fmt_sig(total, 6, thousands=False)}"
        return out
    out["share"] = value / total
    return out


def _records(df: pd.DataFrame) -> list[dict]:
    cols = [c for c in _COLS if c in df.columns]
    recs = df[cols].to_dict("records")
    for r in recs:
        r["year"] = int(r["year"])
        r["value"] = float(r["value"])
        if "product" in r and (r["product"] is None or pd.isna(r["product"])):
            r["product"] = ""
    return recs


def _years(flows: _Index, reporter: str, partner: str, indicators,
           year: int | None) -> set[int]:
    """Years (at most ``year``) in which ``partner``'s share of ``reporter``'s total is known
    in any of ``indicators``: a partner row and a positive WLD row of the same indicator."""
    out: set[int] = set()
    for ind in indicators:
        rows = flows.rows(reporter, ind, year)
        have = {r["year"] for r in rows if r["partner"] == partner}
        out |= {r["year"] for r in rows if r["partner"] == "WLD" and r["value"] > 0} & have
    return out


def focal_side(flows, focal: str, pole: str, pair: Pair, *,
               year: int | None = None) -> dict:
    """:func:`side_share` over the pair's focal-side indicators: the known share with the
    latest year (the first indicator winning a tie), else the first indicator's answer (its
    reason). ``indicator`` names the indicator used."""
    best = None
    flows = _Index.of(flows, pair.focal_indicators)
    for ind in pair.focal_indicators or (None,):
        got = {**side_share(flows, focal, pole, ind, year=year), "indicator": ind}
        if best is None or (got["share"] is not None
                            and (best["share"] is None or got["year"] > best["year"])):
            best = got
    return best


def _sides(pair: Pair, pole: str, focal: str, flows: _Index,
           year: int | None) -> tuple[dict, dict, str | None]:
    """Both sides of one (pole, flow); when their latest years differ, both are taken in the
    latest year they share (the ratio is never a quotient of two years), else the ratio is
    unknown with the reason. Returns (focal side, pole side, note)."""
    mine = focal_side(flows, focal, pole, pair, year=year)
    theirs = side_share(flows, pole, focal, pair.pole_indicator, year=year)
    if mine["share"] is None or theirs["share"] is None or mine["year"] == theirs["year"]:
        return mine, theirs, None
    latest = (f"latest figures: {pole} in {focal}'s total {fmt_share(mine['share'])} "
              f"({mine['year']}), {focal} in {pole}'s total {fmt_share(theirs['share'], 2)} "
              f"({theirs['year']})")
    common = (_years(flows, focal, pole, pair.focal_indicators, year)
              & _years(flows, pole, focal, (pair.pole_indicator,), year))
    if not common:
        return mine, theirs, f"the two sides have no year in common; {latest}"
    y = max(common)
    return (focal_side(flows, focal, pole, pair, year=y),
            side_share(flows, pole, focal, pair.pole_indicator, year=y),
            f"both sides in {y}, the latest year with both; {latest}")


def _row(pair: Pair, pole: str, focal: str, flows: _Index, year: int | None) -> dict:
    note = None
    if pole == "WLD":
        mine = {"share": None, "year": None, "reason": None, "rows": [], "indicator": None}
        theirs = _world(flows, focal, pair.world_indicator, year)
        note = ("the world market: the focal state's share of world supply; the pole side "
                "does not apply")
    else:
        mine, theirs, note = _sides(pair, pole, focal, flows, year)
    p, f = mine["share"], theirs["share"]
    same_year = pole == "WLD" or mine["year"] == theirs["year"]
    ratio = p / f if p is not None and f is not None and f > 0 and same_year else None
    unknown = [r for r in (mine["reason"] if p is None else None,
                           theirs["reason"] if f is None else None) if r]
    if p is not None and f is not None and not same_year:
        unknown.append(f"no year with both sides (focal side {mine['year']}, pole side "
                       f"{theirs['year']}): no ratio across years")
    rows = [*mine["rows"], *theirs["rows"]]
    return {"pole": pole, "domain": pair.domain, "flow": pair.flow,
            "pole_share_in_focal": p, "pole_share_year": mine["year"],
            "focal_indicator": mine.get("indicator") or pair.focal_indicator,
            "focal_share_in_pole": f, "focal_share_year": theirs["year"],
            "pole_indicator": pair.world_indicator if pole == "WLD" else pair.pole_indicator,
            "ratio": ratio, "ratio_year": mine["year"] if ratio is not None else None,
            "unknown": unknown, "note": note,
            "sources": sorted({str(r.get("source")) for r in rows if r.get("source")}),
            "evidence": rows}


def _world(flows: _Index, focal: str, indicator: str | None, year: int | None) -> dict:
    """The focal state's share of a world market, from its row with partner WLD in % (the
    world as the 'pole' of :func:`asymmetry`)."""
    out = {"share": None, "year": None, "reason": "no world-market indicator", "rows": []}
    if indicator is None:
        return out
    df = [r for r in flows.rows(focal, indicator, year) if r["partner"] == "WLD"]
    if not df:
        out["reason"] = f"no {indicator} row of {focal}"
        return out
    y = max(r["year"] for r in df)
    row = [dict(r) for r in df if r["year"] == y]
    unit = str(row[0]["unit"])
    scale = {"%": 0.01, "share": 1.0}.get(unit)
    if scale is None:
        out.update(year=y, reason=f"{indicator} is in {unit}, not a share or %", rows=row)
        return out
    return {"share": sum(r["value"] for r in row) * scale, "year": y, "reason": None,
            "rows": row}


def asymmetry(flows: pd.DataFrame, focal: str, poles, *, year: int | None = None) -> dict:
    """Two-way dependence of ``focal`` with each pole (and the world market where a
    world-share row exists), per flow of :data:`PAIRS` and any other ``asymmetry.*``
    indicator in ``flows``: a list of rows with ``pole_share_in_focal``,
    ``focal_share_in_pole``, ``ratio`` (None: unknown, with the reasons in ``unknown``), the
    years of each side, the sources and the evidence rows. A (pole, flow) appears when either
    side has a row; ``year`` bounds the years used (None: the latest of each side)."""
    df = flows.data if hasattr(flows, "data") else flows
    inds = df["indicator"].astype(str)
    pairs = dict(PAIRS)
    for ind in sorted(set(inds[inds.str.startswith("asymmetry.")])):
        if ind not in pairs and ind not in FOCAL_SIDE and not any(
                p.world_indicator == ind for p in pairs.values()):
            dom = str(df.loc[inds == ind, "domain"].iat[0])
            pairs[ind] = Pair(dom, ind.removeprefix("asymmetry."), ind, None)
    poles = list(poles)
    index = _Index.of(df, {i for p in pairs.values() for i in (
        p.pole_indicator, p.world_indicator, *p.focal_indicators)})
    rows: list[dict] = []
    for pair in pairs.values():
        cand = list(poles)
        pole_side = {rep for (rep, ind), got in index.items() if ind == pair.pole_indicator
                     and any(r["partner"] == focal for r in got)}
        cand += sorted(pole_side - set(cand))
        if pair.world_indicator is not None:
            cand.append("WLD")
        for pole in cand:
            r = _row(pair, pole, focal, index, year)
            if r["evidence"]:
                rows.append(r)
    known = [r for r in rows if r["ratio"] is not None]
    return {"focal": focal, "year": year, "definition": DEFINITION, "rows": rows,
            "counts": {"rows": len(rows), "ratio_known": len(known),
                       "focal_share_unknown": sum(r["focal_share_in_pole"] is None
                                                  for r in rows)}}


#: Columns of :func:`table` (the dashboard's table and its CSV download).
COLUMNS = ("pole", "domain", "flow", "pole_share_in_focal", "pole_share_year", "focal_indicator",
           "focal_share_in_pole", "focal_share_year", "pole_indicator", "ratio", "ratio_year",
           "sources", "note", "unknown")


def table(rows) -> list[dict]:
    """The rows of :func:`asymmetry` (or of ``assess --json``'s ``asymmetry``) as flat
    records of :data:`COLUMNS`: sources and the reasons a side is unknown joined by "; ",
    the evidence rows left out (they are in ``assess --json``). Unknown stays None."""
    out = []
    for r in rows:
        rec = {c: r.get(c) for c in COLUMNS}
        rec["sources"] = "; ".join(r.get("sources") or [])
        rec["unknown"] = "; ".join(r.get("unknown") or [])
        rec["note"] = r.get("note") or ""
        out.append(rec)
    return out


def table_frame(rows) -> pd.DataFrame:
    """:func:`table` as a DataFrame with the years as integers (empty where unknown)."""
    df = pd.DataFrame.from_records(table(rows), columns=list(COLUMNS))
    for c in ("pole_share_year", "focal_share_year", "ratio_year"):
        df[c] = df[c].astype("Int64")
    return df
