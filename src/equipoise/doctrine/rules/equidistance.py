"""``equidistance``: the spread of UN vote agreement across the poles at most
``equidistance_spread``. Its evidence rows are the agreement rows of the period used."""

from __future__ import annotations

import math

from ._base import Rule, RuleResult

INDICATOR = "political.unga.agreement"


class Equidistance(Rule):
    kind = "equidistance"
    order = 70
    reads = ("equidistance", "doctrine")

    def check(self, a, domain=None) -> RuleResult:
        t = a.doctrine.thresholds
        eq = a.equidistance
        spread = eq.get("spread")
        ok = spread is not None and not math.isnan(float(spread)) \
            and spread <= t.equidistance_spread
        return RuleResult(
            self.kind, ok,
            (t.equidistance_spread - spread) if spread is not None else float("nan"),
            spread, t.equidistance_spread,
            f"Spread of agreement across the poles at most {t.equidistance_spread:g}",
            {k: v for k, v in eq.items() if k != "spread"})

    def source_rows(self, a, frame, verdict) -> list[dict]:
        from ..check import ROW_COLUMNS, _records

        eq = frame[(frame["reporter"] == a.focal) & (frame["indicator"] == INDICATOR)
                   & frame["partner"].isin(a.doctrine.poles)]
        period = a.equidistance.get("period")
        if period is not None:
            eq = eq[eq["year"] == period]
        return _records(eq[[c for c in ROW_COLUMNS if c in eq.columns]])
