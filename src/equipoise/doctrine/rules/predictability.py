"""``predictability``: the mean year-on-year change of every domain's shares at most
``max_volatility`` (no verdict when no domain has a volatility)."""

from __future__ import annotations

import math

from ._base import Rule, RuleResult


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
        worst = max(vols, key=vols.get)
        return RuleResult(
            self.kind, vols[worst] <= t.max_volatility, t.max_volatility - vols[worst],
            vols, t.max_volatility,
            f"Mean year-on-year change of every domain's shares at most {t.max_volatility:g} "
            f"(worst: {worst})", {"volatility": vols})
