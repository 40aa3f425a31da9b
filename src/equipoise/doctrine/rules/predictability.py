"""``predictability``: the mean year-on-year change of every domain's shares at most
``max_volatility``, measured on the same basket of indicators in both years of each pair
(:func:`equipoise.measures.predictability.share_volatility`).

A year pair without an indicator observed in both years is insufficient data: it is skipped,
not counted as 0 and not as a failure, and the evidence says so (``insufficient``: domain ->
the pairs skipped and why). A domain with no comparable pair does not enter the verdict; with
none in any domain there is no verdict.
"""

from __future__ import annotations

import math

from ._base import Rule, RuleResult


def _pairs(rec: dict) -> list[dict]:
    """The year pairs of one domain in the evidence: the years, the distance (None when
    insufficient), the basket flag and the indicators compared, entering and leaving."""
    keys = ("from", "to", "tv", "same_basket", "compared", "entering", "leaving",
            "partners_entering", "partners_leaving", "reason")
    return [{k: c[k] for k in keys if k in c} for c in rec.get("changes", [])]


class Predictability(Rule):
    kind = "predictability"
    order = 80
    reads = ("predictability", "doctrine")

    def check(self, a, domain=None) -> RuleResult | None:
        t = a.doctrine.thresholds
        vols = {k: v["volatility"] for k, v in a.predictability.items()
                if not math.isnan(v["volatility"])}
        if not vols:
            return None
        skipped = {k: v.get("note", "insufficient data") for k, v in a.predictability.items()
                   if k not in vols}
        pairs_skipped = {k: [f"{c['from']}-{c['to']}: {c.get('reason', '')}"
                             for c in v.get("changes", []) if c.get("tv", 0) is None]
                         for k, v in a.predictability.items()}
        worst = max(vols, key=vols.get)
        desc = (f"Mean year-on-year change of every domain's shares at most {t.max_volatility:g}"
                f", same indicators in both years (worst: {worst})")
        if skipped:
            desc += f"; insufficient data: {', '.join(sorted(skipped))}"
        evidence = {"volatility": vols,
                    "insufficient": {k: v for k, v in sorted(skipped.items())},
                    "pairs_skipped": {k: v for k, v in sorted(pairs_skipped.items()) if v},
                    "pairs": {k: _pairs(a.predictability[k]) for k in sorted(vols)}}
        return RuleResult(self.kind, vols[worst] <= t.max_volatility,
                          t.max_volatility - vols[worst], vols, t.max_volatility, desc, evidence)
