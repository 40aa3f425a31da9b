"""``viable_partners:<domain>``: Kuik's fallback, each critical domain keeps at least
``min_viable_partners`` partners with a share of at least ``viable_share``. Plan rows:
``keep_viable`` floors for the partners viable now."""

from __future__ import annotations

from ..._results import fmt_sig
from ._base import (
    EVIDENCE_BOUNDS,
    PlanContext,
    PlanRow,
    Rule,
    RuleResult,
    Threshold,
    evidence_gate,
    insufficient,
)


class ViablePartners(Rule):
    kind = "viable_partners"
    order = 60
    reads = ("domains", "doctrine")
    per_critical_domain = True
    thresholds = {
        "min_viable_partners": Threshold(
            2, 1, 1000, integer=True,
            doc="least number of partners each critical domain keeps with at least "
                "viable_share (Kuik's fallback)"),
        "viable_share": Threshold(
            0.05, doc="least share of a critical domain a partner holds to count as viable"),
        **EVIDENCE_BOUNDS,
    }
    plan_kind = "keep_viable"
    plan_order = 30
    priority = 0

    def check(self, a, domain=None) -> RuleResult:
        t = a.doctrine.thresholds
        gate = evidence_gate(a, domain)
        if gate:
            return insufficient(
                f"{self.kind}:{domain}", gate[0], t.min_viable_partners,
                f"Kuik fallback: {domain} keeps at least {t.min_viable_partners} partners",
                a.domains[domain].evidence() if domain in a.domains else {}, gate[1])
        r = a.domains[domain]
        viable = sorted(p for p, s in r.shares.items() if p != "OTH" and s >= t.viable_share)
        return RuleResult(
            f"{self.kind}:{domain}", len(viable) >= t.min_viable_partners,
            float(len(viable) - t.min_viable_partners), viable, t.min_viable_partners,
            f"Kuik fallback: {domain} keeps at least {t.min_viable_partners} partners with a "
            f"share >= {fmt_sig(t.viable_share, 6, thousands=False)}", r.evidence())

    def plan_spec(self, ctx: PlanContext) -> dict:
        doctrine = ctx.assessment.doctrine
        v = doctrine.thresholds.viable_share
        return {d: {p: v for p, s in ctx.x0[d].items() if p != "OTH" and s >= v}
                for d in ctx.domains if d in doctrine.domains.critical}

    def plan_rows(self, spec, x0, idx) -> list[PlanRow]:
        return [PlanRow(f"keep_viable:{d}:{p}", f"keep_viable:{d}", "keep_viable", d,
                        {idx[(d, p)]: -1.0}, -lo)
                for d, low in (spec or {}).items() for p, lo in low.items() if (d, p) in idx]

    def explain(self, row, gain, marginal) -> str:
        p = row.name.split(":")[2]
        return (f"Kuik's fallback keeps {p} viable in {row.domain}; without this floor the CVaR "
                f"could fall by about {gain} per 0.01.")

    def diagnose(self, group, rows, x0, budget) -> list[str]:
        d = group.partition(":")[2]
        return [f"keeping every viable partner of {d} at its floor leaves too little room"]
