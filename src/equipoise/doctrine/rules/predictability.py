"""``predictability``: the mean year-on-year change of every domain's shares at most
``max_volatility``, measured on the same basket of indicators in both years of each pair
(:func:`equipoise.measures.predictability.share_volatility`).

A year pair enters the verdict when it compares enough of the domain: the indicators compared
(in both baskets, with a newer figure in the later year) are at least ``min_compared`` (default
0.5) of the indicators of the later year's basket (compared, carried and entering). A pair
without an indicator observed in both years, or comparing fewer, is insufficient: it is
skipped, not counted as 0 and not as a failure, and the evidence says so (``insufficient``:
domain -> why; ``pairs_skipped``: the pairs and why). A domain's volatility is the mean over
its pairs that enter; a domain without one does not enter the verdict. With no domain left the
verdict is insufficient (``no_data`` when no pair compares anything, ``low_coverage`` when
pairs compare too little of their domain).
"""

from __future__ import annotations

import math

from ..._results import fmt_share, fmt_sig
from ._base import Rule, RuleResult, Threshold, insufficient


def _pairs(rec: dict) -> list[dict]:
    """The year pairs of one domain in the evidence: the years, the distance (None when
    insufficient), the basket flag and the indicators compared, entering and leaving."""
    keys = ("from", "to", "tv", "same_basket", "compared", "entering", "leaving",
            "partners_entering", "partners_leaving", "reason")
    return [{k: c[k] for k in keys if k in c} for c in rec.get("changes", [])]


def compared_share(c: dict) -> float:
    """The share of the later year's basket a pair compares: compared / (compared + carried +
    entering), by count; 0 for an empty basket."""
    n = len(c.get("compared", [])) + len(c.get("carried", [])) + len(c.get("entering", []))
    return len(c.get("compared", [])) / n if n else 0.0


def _skip_reason(c: dict, least: float) -> str | None:
    """Why a pair does not enter the verdict, or None when it does."""
    if c.get("tv") is None:
        return c.get("reason") or "insufficient data"
    if "compared" in c and compared_share(c) < least:
        n = len(c["compared"]) + len(c.get("carried", [])) + len(c.get("entering", []))
        return (f"compares {len(c['compared'])} of the {n} indicators of {c['to']} "
                f"({fmt_share(compared_share(c), 0)} < min_compared {fmt_sig(least, 6, thousands=False)})")
    return None


class Predictability(Rule):
    kind = "predictability"
    order = 80
    reads = ("predictability", "doctrine")
    thresholds = {
        "max_volatility": Threshold(
            0.2, doc="largest mean year-on-year change of a domain's shares (total variation "
                     "distance, same indicators in both years)"),
        "min_compared": Threshold(
            0.5, doc="least share of the later year's indicators a year pair must compare "
                     "(same basket) to count towards predictability"),
    }

    def check(self, a, domain=None) -> RuleResult:
        t = a.doctrine.thresholds
        least = self.threshold(a.doctrine, "min_compared")
        vols, skipped, pairs_skipped = {}, {}, {}
        for k, v in a.predictability.items():
            changes = v.get("changes", [])
            why = {f"{c['from']}-{c['to']}": _skip_reason(c, least) for c in changes}
            ok = [c["tv"] for c in changes if why[f"{c['from']}-{c['to']}"] is None]
            if not changes and not math.isnan(v.get("volatility", float("nan"))):
                ok = [v["volatility"]]  # shares given without indicator baskets
            if ok:
                vols[k] = sum(ok) / len(ok)
            else:
                skipped[k] = v.get("note") or "no year pair compares enough of the domain"
            if any(why.values()):
                pairs_skipped[k] = [f"{p}: {w}" for p, w in why.items() if w]
        desc = (f"Mean year-on-year change of every domain's shares at most {fmt_sig(t.max_volatility, 6, thousands=False)}"
                f", same indicators in both years, each pair comparing at least {fmt_sig(least, 6, thousands=False)} of "
                f"them")
        evidence = {"volatility": vols, "min_compared": least,
                    "insufficient": dict(sorted(skipped.items())),
                    "pairs_skipped": dict(sorted(pairs_skipped.items())),
                    "pairs": {k: _pairs(a.predictability[k]) for k in sorted(vols)}}
        if not vols:
            thin = any(c.get("tv") is not None for v in a.predictability.values()
                       for c in v.get("changes", []))
            return insufficient(
                self.kind, "low_coverage" if thin else "no_data", t.max_volatility, desc,
                evidence, "no domain has a year pair comparing enough of its indicators"
                if thin else "no domain has two years with an indicator in both")
        worst = max(vols, key=vols.get)
        desc += f" (worst: {worst})"
        if skipped:
            desc += f"; insufficient data: {', '.join(sorted(skipped))}"
        return RuleResult(self.kind, vols[worst] <= t.max_volatility,
                          t.max_volatility - vols[worst], vols, t.max_volatility, desc, evidence)
