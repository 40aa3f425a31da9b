"""The engagement ledger: diplomatic events, their validation, and the engagement balance.

``events`` table (DESIGN.md): date, actor, counterpart, kind, domains, value_usd, source.

==============  ==============================================================================
column          meaning
==============  ==============================================================================
date            ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (the year is what measures use)
actor           ISO3 of the state that acts (visits, signs); the focal state or its partner
counterpart     ISO3, a partner group (``EU27``) or an organisation code (``SCO``, ``C5P1``)
kind            one of :data:`EVENT_KINDS`; "state visit" is read as ``state_visit``,
                "official visit" / "working visit" as ``visit``
domains         ';'-separated functional domains from the domains table (may be empty)
value_usd       agreements' value in USD, empty when not reported
source          where the row comes from (URL or a kz-facts id); required
==============  ==============================================================================

The rows are checked by the one events validator, :func:`equipoise.io.events.check_events`
(also the embedded ledger's, with stricter options); reason codes of rejected rows:
``missing_value``, ``bad_date``, ``unknown_code``, ``unknown_kind``, ``unknown_domain``,
``bad_value``, ``self_counterpart``.

Engagement balance (equipoise's own): for the focal state, per period and pole, the number of
visits (``visit`` + ``state_visit``, either direction), of agreements (``agreement`` rows), the
value of agreements (``value_usd`` summed over all rows, since agreements signed during visits are
recorded on the visit), each as a share of the poles' total, and the spread of those shares
(max - min; 0 = equal engagement). A pole that is a group (``EU27``) collects its member states'
events in the year. Events with organisations (summits) are multilateral and counted apart.
Per domain: events and value per pole and domain; the value of a multi-domain event is split
equally across its domains so that totals add up.

Secondary signal: ICEWS dyad-year event counts (Boschee et al., Harvard Dataverse
doi:10.7910/DVN/28075, as packaged by the R package netify), cooperation (verbal + material)
and conflict, both directions, as a share of the focal state's total with all partners: raw
counts follow media volume, so only shares are comparable across years (shared/METHODS.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._options import as_list
from .._results import Result
from ..errors import InputError, NoDataError, SchemaError
from ..io.events import EVENTS_MAX_BYTES, EventSet, check_events, read_events  # noqa: F401
from ..schema import EVENT_COLUMNS, EVENT_KINDS, SET_QUARANTINE_COLUMNS

# read_events (and EVENTS_MAX_BYTES) live in io: the measure takes data; the names stay
# importable from here

VISIT_KINDS = ("visit", "state_visit")
QUARANTINE_COLUMNS = SET_QUARANTINE_COLUMNS

__all__ = [
    "EVENT_COLUMNS",
    "EVENT_KINDS",
    "EngagementBalance",
    "EventSet",
    "engagement_balance",
    "engagement_summary",
    "icews_engagement",
    "organisation_codes",
    "read_events",
    "validate_events",
]


def organisation_codes() -> frozenset[str]:
    """Organisation codes an event's counterpart may be
    (:func:`equipoise.reference.organisation_codes`: the organisations table and the
    extractor's gazetteer)."""
    from .. import reference

    return reference.organisation_codes()


def validate_events(df: pd.DataFrame, *, source: str = "<frame>", lenient: bool = False,
                    first_line: int = 2) -> EventSet:
    """Check every row of an events frame; collect every problem
    (:func:`equipoise.io.events.check_events`, the one events validator, with a user's
    ledger's options: a date may give the year only, domains may be empty, any source).

    Strict mode raises :class:`~equipoise.errors.InputError` naming the file, line, column, the
    value seen and what was expected (all problems in ``issues``); lenient mode quarantines.
    """
    return check_events(df, source=source, lenient=lenient, first_line=first_line)


# --------------------------------------------------------------------------------- balance


@dataclass
class EngagementBalance(Result):
    """Engagement of ``focal`` with each pole; a :class:`~equipoise._results.Result`
    (``summary()``, ``_repr_html_()``, ``to_dict()``, ``compare()``).

    Attributes
    ----------
    by_pole : DataFrame
        period, pole, visits, agreements, value_usd, events and the shares ``visits_share``,
        ``agreements_share``, ``value_share`` (of the poles' total in the period).
    spread : DataFrame
        period, metric (visits/agreements/value_usd), value (max - min of the shares across
        poles), top (the pole with the largest share).
    by_domain : DataFrame
        pole, domain, events, value_usd (value split equally over an event's domains).
    multilateral : DataFrame
        The focal state's events with organisations: period, counterpart, kind, domains.
    """

    focal: str
    poles: list[str]
    by: str
    by_pole: pd.DataFrame
    spread: pd.DataFrame
    by_domain: pd.DataFrame
    multilateral: pd.DataFrame
    sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"focal": self.focal, "poles": self.poles, "by": self.by,
                "by_pole": self.by_pole.to_dict("records"),
                "spread": self.spread.to_dict("records"),
                "by_domain": self.by_domain.to_dict("records"),
                "multilateral": self.multilateral.to_dict("records"),
                "sources": self.sources}

    def summary(self) -> str:
        w = self.by_pole.pivot_table(index="period", columns="pole",
                                     values=["visits", "agreements", "value_usd"],
                                     aggfunc="sum", fill_value=0)
        lines = [f"Engagement of {self.focal} with {', '.join(self.poles)} (by {self.by})",
                 w.to_string()]
        if len(self.by_domain):
            d = self.by_domain.pivot_table(index="pole", columns="domain", values="events",
                                           aggfunc="sum", fill_value=0)
            lines += ["events per pole and domain", d.to_string()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def heading(self) -> str:
        return f"Engagement of {self.focal} with {', '.join(self.poles)} (by {self.by})"

    def compare_label(self) -> str:
        return f"{self.focal} by {self.by}"

    def summary_numbers(self) -> dict[str, float]:
        """Each pole's visits, agreements, agreement value and events summed over the
        periods (``visits.CHN``, ``value_usd.CHN``), and the spread of the shares across the
        poles in the latest period (``spread.visits``; its number as ``period``; a metric
        no pole has in that period is left out)."""
        tot = self.by_pole.groupby("pole")[["visits", "agreements", "value_usd", "events"]].sum()
        out: dict[str, float] = {f"{m}.{p}": _count(m, tot.loc[p, m]) for m in tot.columns
                                 for p in self.poles if p in tot.index}
        if len(self.spread):
            last = max(self.spread["period"])
            if isinstance(last, (int, float, np.integer, np.floating)):
                out["period"] = _whole(last)
            s = self.spread[self.spread["period"] == last]
            out.update({f"spread.{m}": float(v) for m, v in zip(s["metric"], s["value"],
                                                                 strict=True)})
        return out

    def html_tables(self) -> list:
        tables: list = [("", list(self.summary_numbers().items())),
                        ("Per period and pole", self.by_pole),
                        ("Spread of the shares across the poles", self.spread)]
        if len(self.by_domain):
            tables.append(("Events per pole and domain", self.by_domain))
        return tables


#: the engagement metrics that are counts (summary numbers as ints); value_usd is money
COUNTS = ("visits", "agreements", "events")


def _count(metric: str, v) -> float:
    """A summed metric as a summary number: an int for a count, else a float."""
    return int(v) if metric in COUNTS else float(v)


def _whole(v) -> float:
    """A period (a year, or a number) as a summary number: an int when it is whole."""
    return int(v) if float(v).is_integer() else float(v)


def _poles(poles: Sequence[str] | str) -> list[str]:
    """``poles`` as a list; none is an error (the caller resolves the default poles)."""
    got = as_list(poles)
    if not got:
        raise InputError(f"poles: saw {poles!r}; expected ISO3 codes or groups (the caller "
                         f"gives the default: equipoise.context.resolve_poles)")
    return got


def _pole_of(partner: str, year: int, poles: Sequence[str]) -> str | None:
    from .. import reference

    for p in poles:
        if partner == p or (reference.is_group(p) and partner in reference.expand_group(p, year)):
            return p
    return None


def engagement_balance(events, *, focal: str, poles: Sequence[str] | str, by: str = "year",
                       start: int | None = None, end: int | None = None) -> EngagementBalance:
    """Visits, agreements and agreement value of ``focal`` per pole and domain over time.

    Parameters
    ----------
    events : EventSet, DataFrame or reader
        The ledger, or a function returning it (the embedded one:
        :func:`equipoise.context.events_source`). A measure takes data, never a path: read
        a file with :func:`equipoise.io.events.read_events`, or call the front door
        :func:`equipoise.engagement_balance` (:func:`equipoise.context.engagement_balance`),
        which does.
    poles : list or comma-separated str
        ISO3 codes or groups (:func:`equipoise.context.resolve_poles` gives the default).
    by : {"year", "all"}
    """
    from .._options import check_option

    check_option("by", by, ("year", "all"))
    poles = _poles(poles)
    return _balance(_focal_events(events, focal, poles, start, end), focal, poles, by)


def _focal_events(events, focal: str, poles: list[str], start: int | None,
                  end: int | None) -> pd.DataFrame:
    """The ledger's events of ``focal`` (in ``start .. end``) with their ``partner`` and the
    ``pole`` it belongs to (None for none): the table both views of
    :func:`engagement_summary` share."""
    if callable(events):  # a reader (equipoise.context.events_source), called when needed
        events = events()
    if events is None:
        raise NoDataError("no events ledger given; pass an events CSV (date, actor, "
                          "counterpart, kind, domains, value_usd, source)")
    if isinstance(events, EventSet):
        ev = events
    elif isinstance(events, pd.DataFrame):
        ev = validate_events(events[list(EVENT_COLUMNS)])
    elif isinstance(events, str | os.PathLike):
        raise TypeError(f"engagement_balance takes data, not a path: saw {str(events)!r}; read "
                        "it with equipoise.engagement_balance(path, ...) (equipoise.context) or "
                        "equipoise.io.events.read_events(path)")
    else:
        raise TypeError(f"engagement_balance: saw {type(events).__name__}; expecting an "
                        "EventSet, an events DataFrame or a function returning one")
    d = ev.data
    d = d[(d["actor"] == focal) | (d["counterpart"] == focal)].copy()
    if start is not None:
        d = d[d["year"] >= int(start)]
    if end is not None:
        d = d[d["year"] <= int(end)]
    if d.empty:
        raise NoDataError(f"no events of {focal} in the ledger for the years asked")
    d["partner"] = np.where(d["actor"] == focal, d["counterpart"], d["actor"])
    d["pole"] = [_pole_of(p, y, poles) for p, y in zip(d["partner"], d["year"], strict=True)]
    return d


def _balance(d: pd.DataFrame, focal: str, poles: list[str], by: str, *,
             detail: bool = True) -> EngagementBalance:
    """:func:`engagement_balance` of the focal table ``d`` (:func:`_focal_events`); without
    ``detail``, ``by_domain`` and ``multilateral`` are left empty (a view that does not show
    them)."""
    d = d.copy()
    d["period"] = d["year"] if by == "year" else f"{d['year'].min()}-{d['year'].max()}"
    multi = pd.DataFrame(columns=["period", "date", "counterpart", "kind", "domains", "source"])
    if detail:
        multi = d[d["partner"].isin(list(organisation_codes()))][
            ["period", "date", "partner", "kind", "domains", "source"]].rename(
            columns={"partner": "counterpart"})
    pd_ = d[d["pole"].notna()].copy()
    pd_["is_visit"] = pd_["kind"].isin(VISIT_KINDS).astype(int)
    pd_["is_agreement"] = (pd_["kind"] == "agreement").astype(int)
    periods = sorted(d["period"].unique())
    grid = pd.MultiIndex.from_product([periods, poles], names=["period", "pole"])
    agg = pd_.groupby(["period", "pole"]).agg(
        visits=("is_visit", "sum"), agreements=("is_agreement", "sum"),
        value_usd=("value_usd", "sum"), events=("kind", "size")).reindex(grid, fill_value=0)
    agg = agg.reset_index()
    spread_rows = []
    for metric in ("visits", "agreements", "value_usd"):
        tot = agg.groupby("period")[metric].transform("sum")
        share = agg[metric] / tot.replace(0, np.nan)
        agg[f"{'value' if metric == 'value_usd' else metric}_share"] = share
        for period, g in agg.assign(_s=share).groupby("period"):
            if g["_s"].notna().any():
                spread_rows.append({"period": period, "metric": metric,
                                    "value": float(g["_s"].max() - g["_s"].min()),
                                    "top": g.loc[g["_s"].idxmax(), "pole"]})
    rows = []
    for r in pd_.itertuples() if detail else ():
        doms = [x for x in str(r.domains).split(";") if x]
        for dom in doms:
            v = r.value_usd / len(doms) if not pd.isna(r.value_usd) else 0.0
            rows.append({"pole": r.pole, "domain": dom, "events": 1, "value_usd": v})
    by_domain = (pd.DataFrame(rows).groupby(["pole", "domain"], as_index=False).sum()
                 if rows else pd.DataFrame(columns=["pole", "domain", "events", "value_usd"]))
    return EngagementBalance(focal=focal, poles=poles, by=by, by_pole=agg,
                             spread=pd.DataFrame(spread_rows,
                                                 columns=["period", "metric", "value", "top"]),
                             by_domain=by_domain, multilateral=multi.reset_index(drop=True),
                             sources=sorted(d["source"].dropna().unique().tolist()))


def engagement_summary(focal: str, poles: Sequence[str] | str, *, events) -> dict:
    """What the assessment needs: engagement shares per pole over the ledger's whole window
    and in its latest year, with the spread of each (0 = equal engagement).

    Keys: ``window``, ``latest`` -> {metric: {"shares": {pole: share}, "spread", "top"}} for
    metrics visits, agreements, value_usd; ``by_domain`` {pole: {domain: events}};
    ``multilateral`` (events with organisations); ``sources``.
    """
    out: dict = {}
    poles = _poles(poles)
    d = _focal_events(events, focal, poles, None, None)  # read, validated and joined once
    for label, by in (("window", "all"), ("latest", "year")):
        b = _balance(d, focal, poles, by, detail=by == "all")  # only the window's detail shown
        last = b.by_pole["period"].max()
        cur = b.by_pole[b.by_pole["period"] == last]
        block: dict = {"period": last}
        poles_now = cur["pole"].tolist()
        spread = b.spread[b.spread["period"] == last]
        for metric, col in (("visits", "visits_share"), ("agreements", "agreements_share"),
                            ("value_usd", "value_share")):
            shares = {p: (None if pd.isna(v) else float(v))
                      for p, v in zip(poles_now, cur[col], strict=True)}
            sp = spread[spread["metric"] == metric]
            block[metric] = {"shares": shares,
                             "totals": {p: float(v)  # floats, as assess --json has them
                                        for p, v in zip(poles_now, cur[metric], strict=True)},
                             "spread": float(sp["value"].iat[0]) if len(sp) else None,
                             "top": sp["top"].iat[0] if len(sp) else None}
        out[label] = block
        if by == "all":
            out["by_domain"] = {p: dict(zip(g["domain"], g["events"].astype(int), strict=True))
                                for p, g in b.by_domain.groupby("pole")}
            out["multilateral"] = b.multilateral.to_dict("records")
            out["sources"] = b.sources
    return out


# --------------------------------------------------------------------------------- ICEWS


def _source_table(name: str, path, table: str) -> pd.DataFrame:
    """Read ``path`` through the source reader ``name`` (quarantine applied) -> one table."""
    from ..sources import reader

    r = reader(name)
    parts = [c.data for sf in r.files(path) for c in r.read(sf) if c.table == table]
    if not parts:
        raise NoDataError(f"{path}: the {name} reader gave no {table!r} rows")
    return pd.concat(parts, ignore_index=True)


def icews_engagement(data=None, *, focal: str, poles: Sequence[str] | str,
                     start: int | None = None, end: int | None = None) -> pd.DataFrame:
    """ICEWS dyad-year cooperation and conflict of ``focal`` with each pole, both directions.

    Parameters
    ----------
    data : DataFrame, path or None
        The canonical ``event_counts`` table (year, actor, counterpart, verbal_coop,
        material_coop, verbal_conflict, material_conflict), e.g. from the warehouse; or a path
        to the netify ICEWS file, read through :mod:`equipoise.sources.icews`
        (:func:`equipoise.context.icews_source` finds the shared data copy).

    Returns
    -------
    DataFrame
        year, pole, coop, conflict, coop_share, conflict_share (shares of the focal state's
        totals with all partners in the year, both directions), net = coop - conflict, source.

    Source: Boschee et al., ICEWS Coded Event Data, Harvard Dataverse doi:10.7910/DVN/28075;
    R package netify (Minhas, Dorff et al.).
    """
    from .. import reference
    poles = _poles(poles)
    if not isinstance(data, pd.DataFrame):
        if data is None:
            raise NoDataError("no ICEWS dyad-year file found; pass its path")
        data = _source_table("icews", data, "event_counts")
    need = {"year", "actor", "counterpart", "verbal_coop", "material_coop", "verbal_conflict",
            "material_conflict"}
    if not need <= set(data.columns):
        raise SchemaError(f"ICEWS event counts: missing column(s) {sorted(need - set(data))}")
    df = data[(data["actor"] == focal) | (data["counterpart"] == focal)]
    if start is not None:
        df = df[df["year"] >= int(start)]
    if end is not None:
        df = df[df["year"] <= int(end)]
    if df.empty:
        raise NoDataError(f"no ICEWS events of {focal}")
    df = df.assign(partner=np.where(df["actor"] == focal, df["counterpart"], df["actor"]),
                   coop=df["verbal_coop"] + df["material_coop"],
                   conflict=df["verbal_conflict"] + df["material_conflict"])
    tot = df.groupby("year")[["coop", "conflict"]].sum()
    rows = []
    for pole in poles:
        for year, g in df.groupby("year"):
            mem = set(reference.expand_group(pole, int(year)))
            s = g[g["partner"].isin(mem)][["coop", "conflict"]].sum()
            tc, tf = tot.loc[year, "coop"], tot.loc[year, "conflict"]
            rows.append({"year": int(year), "pole": pole, "coop": int(s["coop"]),
                         "conflict": int(s["conflict"]),
                         "coop_share": s["coop"] / tc if tc else np.nan,
                         "conflict_share": s["conflict"] / tf if tf else np.nan,
                         "net": int(s["coop"] - s["conflict"]),
                         "source": "ICEWS (Boschee et al., doi:10.7910/DVN/28075) via netify"})
    return pd.DataFrame(rows)
