"""Rule measures of every state in the world panel, so that a doctrine rule can be read among
peers: the distribution of a measure over a peer set in one year, its quantiles (a threshold
written ``"p50 of all states"``) and the percentile of a value in it.

The panel is the warehouse table ``panel`` (``equipoise panel build``; per-indicator partner
shares of every state and year). :func:`read_peer_panel` takes an open DuckDB connection (the
caller, :func:`equipoise.context.resolve_peer_panel`, opens the warehouse) and returns a
:class:`PeerPanel`: plain data that the doctrine's rules are handed (they never see a path).

Measures (``measure``, ``domain``; one value per state and year; docs/methods.md, "Thresholds
among peers"):

``hhi`` (per domain)
    ``sum_p s_p^2`` over the domain's partner shares ``s_p``: the mean over the domain's
    indicators of the partner's share (0 in an indicator where it has no row), country
    partners only (the focal state, ``WLD`` and groups left out), rows with status ``ok`` and,
    against a WLD total, coverage of at least :data:`MIN_WLD_COVERAGE` (as the balance index).
    The remainder of a WLD total counts as fragmented, as the assessment's ``hhi`` does.
``top_share`` (per domain)
    The largest partner share in the domain composite or in one of its indicators (the
    assessment's ``screen_share``, which the critical-dependency rule compares).
``spread:kappa``, ``spread:agree`` (domain ``political``)
    ``max - min`` over the poles of Cohen's kappa (``political.unga.kappa``) or of exact
    agreement (``political.unga.agreement``) in UN votes: the equidistance rule's spread, with
    at least two poles other than the state itself.

Quantiles are numpy's default (linear interpolation between order statistics, Hyndman & Fan
1996 type 7); the percentile of a value is its mid-rank ``100 (#below + #equal / 2) / n``
(``scipy.stats.percentileofscore(kind="mean")``), so that the median's value is at 50.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["MIN_PEERS", "MIN_WLD_COVERAGE", "PeerDistribution", "PeerPanel", "group_members",
           "peer_groups", "percentile_rank", "quantile", "read_peer_panel"]

#: fewest peers with a value that make a distribution: below it a quantile is one state's value
MIN_PEERS = 3
#: an indicator against a WLD total counts only when its partner rows explain this much of it
#: (the balance index's bound, :data:`equipoise.panel.index.MIN_WLD_COVERAGE`)
MIN_WLD_COVERAGE = 0.5
#: the shipped default peer group (``reference/peer_groups.csv``)
DEFAULT_GROUP = "EURASIA_HEDGERS"
SPREAD_INDICATORS = {"kappa": "political.unga.kappa", "agree": "political.unga.agreement"}


@cache
def _groups_table() -> pd.DataFrame:
    ref = resources.files("equipoise.reference").joinpath("peer_groups.csv")
    with ref.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def peer_groups() -> tuple[str, ...]:
    """The names of the shipped peer groups (``reference/peer_groups.csv``)."""
    return tuple(dict.fromkeys(_groups_table()["group"]))


def group_members(group: str) -> tuple[str, ...]:
    """The members of a shipped peer group, in table order (KeyError for an unknown group)."""
    t = _groups_table()
    if group not in set(t["group"]):
        raise KeyError(group)
    return tuple(t.loc[t["group"] == group, "member"])


def quantile(values, p: float) -> float:
    """The ``p``-th percentile (0..100) of ``values``, linear between order statistics
    (Hyndman & Fan type 7, numpy's default). ``quantile([1, 2, 3, 4], 50) == 2.5``."""
    return float(np.percentile(np.asarray(list(values), dtype=float), p))


def percentile_rank(value: float, values) -> float:
    """Where ``value`` falls among ``values``, 0..100: ``100 (#below + #equal / 2) / n``.
    ``percentile_rank(2.5, [1, 2, 3, 4]) == 50``; ``percentile_rank(3, [1, 2, 3, 4]) == 62.5``."""
    x = np.asarray(list(values), dtype=float)
    return float(100.0 * ((x < value).sum() + 0.5 * (x == value).sum()) / x.size)


@dataclass(frozen=True)
class PeerDistribution:
    """The values of one measure over a peer set in one year (``year``, the peer year)."""

    measure: str
    domain: str
    year: int
    values: dict[str, float]
    group: str

    def quantile(self, p: float) -> float:
        return quantile(self.values.values(), p)

    def percentile(self, value: float) -> float:
        return percentile_rank(value, self.values.values())

    def evidence(self) -> dict:
        return {"measure": self.measure, "domain": self.domain, "peer_year": self.year,
                "group": self.group, "n": len(self.values), "states": sorted(self.values),
                "values": {k: round(v, 6) for k, v in sorted(self.values.items())}}


@dataclass(frozen=True)
class PeerPanel:
    """Every state's rule measures by year (``frame``: ``measure, domain, state, year,
    value``), read from the panel of ``source``; ``poles`` the poles the spreads are over."""

    frame: pd.DataFrame = field(repr=False)
    source: str = ""
    poles: tuple[str, ...] = ()

    def measures(self) -> list[tuple[str, str]]:
        return sorted(set(zip(self.frame["measure"], self.frame["domain"], strict=True)))

    def value(self, measure: str, domain: str, state: str, year: int) -> float | None:
        """The panel's value of ``measure`` in ``domain`` for ``state`` in ``year``, or None."""
        f = self.frame
        v = f.loc[(f["measure"] == measure) & (f["domain"] == domain) & (f["state"] == state)
                  & (f["year"] == int(year)), "value"]
        return float(v.iloc[0]) if len(v) else None

    def distribution(self, measure: str, domain: str, year: int, *,
                     members: tuple[str, ...] | None = None, exclude: str | None = None,
                     group: str = "all states") -> tuple[PeerDistribution | None, str]:
        """The distribution of ``measure`` in ``domain`` over ``members`` (every state when
        None) other than ``exclude`` in the latest year up to ``year`` in which at least
        :data:`MIN_PEERS` of them have a value; ``(None, why)`` when there is none."""
        f = self.frame
        f = f[(f["measure"] == measure) & (f["domain"] == domain) & (f["year"] <= int(year))]
        if members is not None:
            f = f[f["state"].isin(members)]
        if exclude is not None:
            f = f[f["state"] != exclude]
        if f.empty:
            return None, (f"the panel ({self.source}) has no {measure} of {domain} for "
                          f"{group} up to {year}")
        n = f.groupby("year")["state"].nunique()
        ok = n[n >= MIN_PEERS]
        if ok.empty:
            return None, (f"the panel ({self.source}) has {measure} of {domain} for at most "
                          f"{int(n.max())} of {group} in any year up to {year}; a percentile "
                          f"needs at least {MIN_PEERS}")
        y = int(ok.index.max())
        g = f[f["year"] == y]
        return PeerDistribution(measure, domain, y, dict(zip(g["state"], g["value"].astype(
            float), strict=True)), group), ""


def read_peer_panel(con, poles, *, source: str = "") -> PeerPanel:
    """The rule measures of every state and year of the ``panel`` table on the DuckDB
    connection ``con`` (see the module docstring), spreads over ``poles``."""
    from .. import reference

    con.execute("SET enable_progress_bar = false")  # it would print into --json on stdout
    con.register("_pp_codes", pd.DataFrame({"code": sorted(reference.country_codes())}))
    con.register("_pp_poles", pd.DataFrame({"pole": list(poles)}))
    shares = con.execute(f"""
WITH r AS (
  SELECT focal AS state, year, domain, indicator, partner, share FROM panel
  WHERE status = 'ok' AND share IS NOT NULL AND partner <> focal
    AND partner IN (SELECT code FROM _pp_codes)
    AND (basis <> 'wld' OR coverage >= {MIN_WLD_COVERAGE})),
n AS (SELECT state, year, domain, count(DISTINCT indicator) AS n FROM r GROUP BY ALL),
d AS (SELECT r.state, r.year, r.domain, r.partner,
             sum(r.share ORDER BY r.indicator) / any_value(n.n) AS share
      FROM r JOIN n USING (state, year, domain) GROUP BY ALL),
hhi AS (SELECT 'hhi' AS measure, domain, state, year,
               sum(share * share ORDER BY partner) AS value FROM d GROUP BY ALL),
top AS (SELECT 'top_share' AS measure, domain, state, year, max(share) AS value
        FROM (SELECT state, year, domain, share FROM d
              UNION ALL SELECT state, year, domain, share FROM r) GROUP BY ALL)
SELECT * FROM hhi UNION ALL SELECT * FROM top""").df()
    spreads = [con.execute(f"""
SELECT 'spread:{name}' AS measure, 'political' AS domain, focal AS state, year,
       max(value) - min(value) AS value FROM panel
WHERE indicator = '{ind}' AND status = 'ok' AND value IS NOT NULL AND partner <> focal
  AND partner IN (SELECT pole FROM _pp_poles)
GROUP BY ALL HAVING count(*) >= 2""").df() for name, ind in SPREAD_INDICATORS.items()]
    frame = pd.concat([shares, *spreads], ignore_index=True)
    frame["year"] = frame["year"].astype(int)
    frame = frame.sort_values(["measure", "domain", "year", "state"]).reset_index(drop=True)
    return PeerPanel(frame, source, tuple(poles))
