"""``equidistance``: the spread (max - min) of alignment with the poles at most
``equidistance_spread``, in the doctrine's ``equidistance_measure``, for the assessment year.

The measure: roll calls given (``--votes``), the doctrine's measure (the default doctrine:
Cohen's kappa, chance-corrected, Haege 2011; docs/methods.md "Equidistance" has the values for
six states and what the threshold means); without them, the flows' ``political.unga.agreement``
rows, which hold exact agreement only. A spread in another measure than the doctrine's is not
compared with its threshold (the rule fails with a NaN margin and says why). Its evidence rows
are the agreement rows of the period used."""

from __future__ import annotations

import math

from ._base import Rule, RuleResult, insufficient

INDICATOR = "political.unga.agreement"


class Equidistance(Rule):
    kind = "equidistance"
    order = 70
    reads = ("equidistance", "doctrine")

    def check(self, a, domain=None) -> RuleResult:
        t = a.doctrine.thresholds
        eq = a.equidistance
        want = getattr(a.doctrine, "equidistance_measure", "agree")
        got = eq.get("measure") or "agree"
        spread = eq.get("spread") if got == want else None
        ok = spread is not None and not math.isnan(float(spread)) \
            and spread <= t.equidistance_spread
        evidence = {k: v for k, v in eq.items() if k != "spread"}
        evidence["doctrine_measure"] = want
        description = (f"Spread of {want} across the poles at most {t.equidistance_spread:g}"
                       + (f" (period {eq.get('period')})" if eq.get("period") is not None else ""))
        if got != want:
            evidence["measured_spread"] = eq.get("spread")
            detail = (f"the spread is in {got!r}, the doctrine's threshold in {want!r}: pass "
                      f"--votes (UN roll calls) to measure {want!r}")
            evidence["not_compared"] = detail
            return insufficient(self.kind, "no_data", t.equidistance_spread, description,
                                evidence, detail)
        if spread is None or math.isnan(float(spread)):
            return insufficient(self.kind, "no_data", t.equidistance_spread, description,
                                evidence, eq.get("note") or "no alignment with the poles")
        return RuleResult(
            self.kind, ok,
            (t.equidistance_spread - spread) if spread is not None else float("nan"),
            spread, t.equidistance_spread, description, evidence)

    def source_rows(self, a, frame, verdict) -> list[dict]:
        from ..check import ROW_COLUMNS, _records

        eq = frame[(frame["reporter"] == a.focal) & (frame["indicator"] == INDICATOR)
                   & frame["partner"].isin(a.doctrine.poles)]
        period = a.equidistance.get("period")
        if period is not None:
            eq = eq[eq["year"] == period]
        return _records(eq[[c for c in ROW_COLUMNS if c in eq.columns]])
