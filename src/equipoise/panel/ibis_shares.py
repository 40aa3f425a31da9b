"""The panel's trade and security shares as Ibis expressions written against ``Table``
arguments, so the same definition runs on DuckDB and on Spark (``panel build --engine spark``;
:mod:`equipoise.engine` gives the connection).

They compute what :func:`equipoise.panel.builder._wld_sql` and ``_security`` compute in DuckDB
SQL (the reference): the numbers and the status come from the engine, the note and source
strings are added in pandas by :func:`finish` from those columns, so both paths give the same
rows (the floating-point sums may differ in the last bits, as Spark does not order them).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["arms_window", "finish_security", "finish_wld", "wld_shares"]

KEYS = ["year", "focal", "indicator"]


def wld_shares(flows: Any, totals: Any, *, over_total: float = 1.10) -> Any:
    """Partner rows and one ``WLD`` row per key, with share, coverage and status.

    ``flows``: (year, focal, indicator, partner, value); ``totals``: (year, focal, indicator,
    total). Returns ``year, focal, indicator, partner, value, share, coverage, status, psum,
    total`` (``psum``, ``total`` for the note)."""
    import ibis

    f = flows.group_by([*KEYS, "partner"]).aggregate(value=flows.value.sum())
    tot = totals.group_by(KEYS).aggregate(total=totals.total.sum())
    ps = f.group_by(KEYS).aggregate(psum=f.value.sum())
    j = ps.outer_join(tot, [ps[k] == tot[k] for k in KEYS])
    k = j.select(
        *[ibis.coalesce(ps[c], tot[c]).name(c) for c in KEYS],
        total=tot.total, psum=ibis.coalesce(ps.psum, 0.0))
    k = k.mutate(
        coverage=ibis.ifelse(k.total > 0, k.psum / k.total, ibis.null("float64")),
        status=ibis.cases((k.total.isnull(), "insufficient"), (k.total <= 0, "insufficient"),
                          (k.psum == 0, "insufficient"),
                          (k.psum > k.total * over_total, "inconsistent"), else_="ok"))
    share = ibis.ifelse(k.total > 0, f.value / k.total, ibis.null("float64"))
    rows = f.join(k, KEYS).select(
        "year", "focal", "indicator", "partner", "value", share.name("share"), "coverage",
        "status", "psum", "total")
    wld = k.filter(k.total.notnull()).select(
        "year", "focal", "indicator", ibis.literal("WLD").name("partner"),
        k.total.name("value"),
        ibis.ifelse(k.total > 0, 1.0, ibis.null("float64")).name("share"), "coverage",
        "status", "psum", "total")
    return rows.union(wld)


def arms_window(arms: Any, years: Any, *, first: int, last: int, window: int = 5) -> Any:
    """SIPRI's window: the TIV of deliveries in the ``window`` years ending in each year of
    ``years`` (a table with one column ``year``). ``arms``: (year, reporter, partner, value).
    Returns ``year, focal, partner, value, share, coverage, status, total``."""
    import ibis

    y = years.select(wy=years.year)
    j = arms.join(y, [arms.year >= y.wy - (window - 1), arms.year <= y.wy])
    f = j.group_by([j.wy.name("year"), j.reporter.name("focal"), "partner"]).aggregate(
        value=j.value.sum())
    t = f.group_by(["year", "focal"]).aggregate(total=f.value.sum())
    m = f.join(t, ["year", "focal"])
    lo = ibis.greatest(m.year - (window - 1), first)
    hi = ibis.least(m.year, last)
    return m.select(
        "year", "focal", "partner", "value",
        ibis.ifelse(m.total > 0, m.value / m.total, ibis.null("float64")).name("share"),
        ((hi - lo + 1) / float(window)).name("coverage"),
        ibis.cases((m.total <= 0, "insufficient"), (m.year - (window - 1) < first, "partial"),
                   else_="ok").name("status"),
        "total")


def _r1(x: float) -> str:
    """DuckDB's text of ``round(x, 1)`` (a DOUBLE)."""
    return repr(float(round(x, 1)))


def finish_wld(df: pd.DataFrame, *, domain: str, source: str, over_total: float = 1.10
               ) -> pd.DataFrame:
    """The panel columns of :func:`wld_shares`' rows (basis ``wld``), notes as the SQL's."""
    tot, ps = df["total"].to_numpy(float), df["psum"].to_numpy(float)
    notes = np.full(len(df), None, dtype=object)
    with np.errstate(invalid="ignore", divide="ignore"):
        over = ps > tot * over_total
    for i in range(len(df)):
        if np.isnan(tot[i]):
            notes[i] = "no WLD total for this state and year"
        elif tot[i] <= 0:
            notes[i] = "the WLD total is 0"
        elif ps[i] == 0:
            notes[i] = "no partner rows (or all 0) against the WLD total"
        elif over[i]:
            notes[i] = f"partner rows add up to {_r1(100 * ps[i] / tot[i])} % of the WLD total"
    return pd.DataFrame({
        "focal": df["focal"], "year": df["year"].astype("int64"), "domain": domain,
        "indicator": df["indicator"], "partner": df["partner"], "value": df["value"],
        "share": df["share"], "basis": "wld", "coverage": df["coverage"],
        "status": df["status"], "source": source, "note": notes})


def finish_security(df: pd.DataFrame, *, source: str, first: int, window: int = 5
                    ) -> pd.DataFrame:
    """The panel columns of :func:`arms_window`' rows (basis ``partner_sum``)."""
    y = df["year"].to_numpy("int64")
    start = y - (window - 1)
    notes = np.where(
        df["total"].to_numpy(float) <= 0, "the TIV of the window adds up to 0",
        np.where(start < first,
                 [f"TIV window {a}-{b} starts before the first delivery year of the file "
                  f"({first})" for a, b in zip(start, y, strict=True)],
                 [f"TIV deliveries {a}-{b}" for a, b in zip(start, y, strict=True)]))
    return pd.DataFrame({
        "focal": df["focal"], "year": y, "domain": "security",
        "indicator": "security.arms.import", "partner": df["partner"], "value": df["value"],
        "share": df["share"], "basis": "partner_sum", "coverage": df["coverage"],
        "status": df["status"], "source": source, "note": notes.astype(object)})
