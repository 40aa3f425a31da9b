"""``equidistance``: the spread (max - min) of alignment with the poles at most
``equidistance_spread``, in the doctrine's ``equidistance_measure``, for the assessment year.

The measure: roll calls given (``--votes``), the doctrine's measure (the default doctrine:
Cohen's kappa, chance-corrected, Haege 2011; docs/methods.md "Equidistance" has the values for
six states and what the threshold means); without them, the flows' ``political.unga.agreement``
rows, which hold exact agreement only. A spread in another measure than the doctrine's is not
compared with its threshold (the rule fails with a NaN margin and says why). Its evidence rows
are the agreement rows of the period used.

``equidistance_spread`` may be a percentile among peers (``"p75 of peers"``): resolved from the
world panel's spread in the same measure (kappa or agreement) in the period's year
(:mod:`equipoise.doctrine.peers`); with a panel the verdict also places the spread among peers."""

from __future__ import annotations

import math

from ..._results import fmt_fixed, fmt_sig
from ..peers import place, resolve, spread_measure
from ._base import Rule, RuleResult, Threshold, insufficient

INDICATOR = "political.unga.agreement"


class Equidistance(Rule):
    kind = "equidistance"
    order = 70
    reads = ("equidistance", "doctrine", "peers")
    thresholds = {
        "equidistance_spread": Threshold(
            0.3, 0, 2, peers=True,
            doc="largest spread (max - min) of alignment with the poles, in the doctrine's "
                "equidistance_measure; or a percentile among peers"),
    }

    def check(self, a, domain=None) -> RuleResult:
        eq = a.equidistance
        want = getattr(a.doctrine, "equidistance_measure", "agree")
        got = eq.get("measure") or "agree"
        spread = eq.get("spread") if got == want else None
        year = _year(eq.get("period"))
        cap = resolve(a, "equidistance_spread", spread_measure(a.doctrine), "political", year)
        written = a.doctrine.thresholds.equidistance_spread
        bound = fmt_sig(written, 6, thousands=False) if cap.spec is None else \
            f"{written} ({'-' if cap.value is None else f'{fmt_fixed(cap.value)}'})"
        evidence = {k: v for k, v in eq.items() if k != "spread"}
        evidence["doctrine_measure"] = want
        if cap.spec is not None:
            evidence["threshold_among_peers"] = cap.evidence
        description = (f"Spread of {want} across the poles at most {bound}"
                       + (f" (period {eq.get('period')})" if eq.get("period") is not None else ""))
        if got != want:
            evidence["measured_spread"] = eq.get("spread")
            detail = (f"the spread is in {got!r}, the doctrine's threshold in {want!r}: pass "
                      f"--votes (UN roll calls) to measure {want!r}")
            evidence["not_compared"] = detail
            return insufficient(self.kind, "no_data", cap.shown, description, evidence, detail)
        if spread is None or math.isnan(float(spread)):
            return insufficient(self.kind, "no_data", cap.shown, description,
                                evidence, eq.get("note") or "no alignment with the poles")
        if cap.value is None:
            return insufficient(self.kind, cap.reason, cap.shown, description, evidence,
                                cap.detail)
        verdict = RuleResult(self.kind, spread <= cap.value, cap.value - spread, spread,
                             cap.value, description, evidence)
        return place(a, verdict, spread_measure(a.doctrine), "political", year, spread,
                     None if cap.spec is None else cap.spec.group)

    def source_rows(self, a, frame, verdict) -> list[dict]:
        from ..check import ROW_COLUMNS, _records

        eq = frame[(frame["reporter"] == a.focal) & (frame["indicator"] == INDICATOR)
                   & frame["partner"].isin(a.doctrine.poles)]
        period = a.equidistance.get("period")
        if period is not None:
            eq = eq[eq["year"] == period]
        return _records(eq[[c for c in ROW_COLUMNS if c in eq.columns]])


def _year(period) -> int | None:
    """The year of an equidistance period (a year, or None)."""
    try:
        return int(period)
    except (TypeError, ValueError):
        return None
