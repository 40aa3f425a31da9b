"""Measured capacity: how much of a domain each partner can take over the plan's horizon.

A partner's share of a domain may grow only where the data show it can supply that domain
(issue 13 point 6): the plan takes, per domain, a table of each supplier's yearly supply to the
world (:class:`Supply`) and turns it into the supplier's share of world supply ``c_{d,p}``:

* security: arms exports, SIPRI TIV summed over the five years up to the domain's year (or the
  latest year the register has), as a share of all suppliers' TIV in the same years;
* trade: with a warehouse holding product-level trade (BACI or Comtrade as ingested), the
  partner's product-weighted share of world exports of the goods the focal state imports
  (:func:`equipoise.measures.supply.basket_supply`; the table carries the share itself);
  else goods exports in the latest year up to the domain's year, as a share of world exports
  (COW National Trade, which ends in 2014: the year is shown);
* energy: net oil and gas exports (or, where the focal state's energy flows are its exports,
  net imports: the buyers' side) from the bp Statistical Review, as a share of all countries'
  net exports (imports) of oil and gas, three years up to the latest year (2018-20);
* finance: the outward direct investment position (IMF DIP, position against the World), as a
  share of the reporters' sum (the file has five reporters, four of them with a position
  against the World: the basis names them).

A group pole (EU27) supplies what its member states supply. The growth of a partner's share is

    headroom_{d,p} = min(step, B * c_{d,p})        cap_{d,p} = min(1, x0_{d,p} + headroom)

with ``B`` the domain's shift budget and ``step`` the largest growth of one partner (half the
budget unless the request says otherwise): the part of the domain that moves is bought on the
world market in proportion to each supplier's share of world supply, and no partner takes more
than ``step``. A partner without measured supply has ``c = 0`` and is never proposed. In a
domain with no supply table (corridors, technology, society; or every domain when no data
are given) only partners already present in the domain (share > 0) may grow, by ``step``,
and the evidence says that this is presence, not measured capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ... import reference
from ..._results import fmt_share

__all__ = ["Evidence", "Supply", "capacity_table", "evidence_of"]


@dataclass(frozen=True)
class Supply:
    """One domain's supply table: ``frame`` has ``year, partner, value`` (ISO3 supplier, its
    yearly supply to the world in ``unit``); ``window`` years are summed up to the domain's
    year; ``measure`` and ``total`` name the quantity and the world total in the evidence;
    ``source`` is the citation; ``note`` says where the table comes from when that is not
    the obvious source (e.g. why a warehouse was not used).

    A frame with a ``share`` column carries each supplier's share of world supply already
    (a product-weighted share is not a ratio of two sums): the latest year up to the
    domain's year is used (``window`` is ignored), a group's share is its members' sum."""

    domain: str
    frame: pd.DataFrame = field(repr=False, compare=False, hash=False)
    source: str
    measure: str
    total: str
    unit: str = ""
    window: int = 1
    note: str = ""
    #: True where the table lists every supplier (SIPRI's register, a world trade table), so
    #: a partner missing from it supplied nothing; False where missing means not measured
    absent_is_zero: bool = True


@dataclass(frozen=True)
class Evidence:
    """Why a partner may grow in a domain: its share of world supply (``share``, None where
    the basis is presence only), ``value`` in ``unit``, over ``period`` (whose last year is
    ``year``), from ``source``."""

    domain: str
    partner: str
    basis: str  # "measured" | "present" | "none"
    share: float | None
    value: float | None
    unit: str
    period: str
    source: str
    text: str
    year: int | None = None

    def to_dict(self) -> dict:
        return {"basis": self.basis, "share": self.share, "value": self.value,
                "unit": self.unit, "period": self.period, "year": self.year,
                "source": self.source, "text": self.text}


def _period(years: list[int]) -> str:
    if not years:
        return ""
    a, b = min(years), max(years)
    return str(a) if a == b else f"{a}-{str(b)[-2:]}" if str(a)[:2] == str(b)[:2] else f"{a}-{b}"


def _members(p: str, year: int) -> set[str]:
    return set(reference.expand_group(p, year)) if reference.is_group(p) else {p}


def _window(supply: Supply, year: int) -> tuple[pd.DataFrame, int, list[int]]:
    """The rows of ``supply`` in its window up to ``year`` (or up to the table's last year
    when it ends earlier), that last year and the window's first and last years."""
    f = supply.frame
    f = f[f["year"] <= year] if (f["year"] <= year).any() else f
    last = int(f["year"].max()) if len(f) else year
    win = 1 if "share" in f.columns else supply.window
    return f[f["year"] > last - win], last, [last - win + 1, last]


def capacity_table(supply: Supply, year: int, partners: list[str]) -> dict[str, Evidence]:
    """Evidence for each of ``partners`` in ``supply.domain`` for a plan of domain year
    ``year``: its share of world supply over the ``window`` years up to ``year`` (or up to the
    latest year of the table when it ends earlier). Partners with no supply get share 0."""
    f, last, years = _window(supply, year)
    by = f.groupby("partner")["value"].sum()
    shares = f.groupby("partner")["share"].sum() if "share" in f.columns else None
    world = float(by[by > 0].sum())
    period = _period(years)
    out = {}
    for p in partners:
        if p == "OTH":
            continue
        have = sorted(c for c in _members(p, last) if c in by.index)
        if not have and not supply.absent_is_zero:
            out[p] = Evidence(supply.domain, p, "none", None, None, supply.unit, period,
                              supply.source, f"{p}: no figure in {supply.source} for "
                              f"{period} (unknown, not zero): no measured capacity", last)
            continue
        v = float(by[have].clip(lower=0).sum())
        if shares is not None:
            s = float(shares[have].clip(lower=0).sum())
        else:
            s = v / world if world > 0 else 0.0
        stale = f"; latest year {last}, {year - last} before the plan's year" \
            if year - last > 1 else ""
        if reference.is_group(p):
            names = ", ".join(have) if len(have) <= 6 else f"{len(have)} member states"
            stale += f"; members with data: {names or 'none'}"
        out[p] = Evidence(supply.domain, p, "measured", s, v, supply.unit, period,
                          supply.source,
                          f"{p} {supply.measure} {fmt_share(s)} of {supply.total} {period} "
                          f"({supply.source}){stale}", last)
    return out


def evidence_of(domain: str, x0: dict[str, float], year: int, supply: Supply | None,
                have_data: bool) -> dict[str, Evidence]:
    """The evidence of every partner of ``domain`` (OTH excluded): measured from ``supply``
    when there is a table for the domain, else presence in the domain's data."""
    if supply is not None:
        return capacity_table(supply, year, list(x0))
    why = ("no capacity data given (no shared data): only partners already present may grow"
           if not have_data else f"no capacity data for {domain}: only partners already "
           f"present may grow")
    out = {}
    for p, s in x0.items():
        if p == "OTH":
            continue
        basis = "present" if s > 0 else "none"
        text = (f"{p} already holds {fmt_share(s)} of {domain} ({why})" if s > 0
                else f"{p} has no share of {domain} and no measured capacity ({why})")
        out[p] = Evidence(domain, p, basis, None, s, "share", str(year), "flows", text, year)
    return out


def headroom(ev: Evidence | None, step: float, budget: float) -> float:
    """The growth allowed by ``ev``: ``min(step, budget * share)`` for measured capacity,
    ``step`` for presence, 0 without evidence (see the module docstring)."""
    if ev is None or ev.basis == "none":
        return 0.0
    if ev.basis == "present":
        return step
    return max(0.0, min(step, budget * float(ev.share or 0.0)))
