"""``no_critical_dependency:<domain>``: no partner holds a critical share of a critical domain
(or of one of its indicators) where substitutability is low (IW Koeln). Plan rows:
``critical_share`` caps."""

from __future__ import annotations

from ._base import PlanContext, PlanRow, Rule, RuleResult, evidence_gate, insufficient


class NoCriticalDependency(Rule):
    kind = "no_critical_dependency"
    order = 10
    reads = ("domains", "doctrine")
    per_critical_domain = True
    plan_kind = "critical_share"
    plan_order = 20
    priority = 3
    plan_toggle = "critical_share"

    def check(self, a, domain=None) -> RuleResult:
        t = a.doctrine.thresholds
        gate = evidence_gate(a, domain)
        if gate:  # too weak evidence: insufficient, not a fail (docs/methods.md)
            return insufficient(
                f"{self.kind}:{domain}", gate[0],
                {"critical_share": t.critical_share, "low_substitutability": t.low_substitutability},
                f"No critical dependency in {domain}",
                a.domains[domain].evidence() if domain in a.domains else {}, gate[1])
        r = a.domains[domain]
        margin = max(t.critical_share - r.screen_share,
                     r.substitutability - t.low_substitutability)
        worst = max(r.screen, key=lambda x: x["share"]) if r.screen else {}
        return RuleResult(
            f"{self.kind}:{domain}", not r.critical, margin,
            {"top_partner": worst.get("partner"), "top_share": r.screen_share,
             "indicator": worst.get("indicator"), "substitutability": r.substitutability},
            {"critical_share": t.critical_share, "low_substitutability": t.low_substitutability},
            f"No critical dependency in {domain}: critical when the top partner's share in the "
            f"domain or in one of its indicators >= {t.critical_share:g} and substitutability "
            f"<= {t.low_substitutability:g}",
            {**r.evidence(), "critical_items": r.critical_items})

    def plan_spec(self, ctx: PlanContext) -> dict:
        a = ctx.assessment
        doctrine, t = a.doctrine, a.doctrine.thresholds
        c = t.critical_share - 1e-6
        crit: dict[str, dict[str, float]] = {}
        for d in ctx.domains:
            # where the rule can fail: a critical domain with low substitutability
            if d not in doctrine.domains.critical or \
                    doctrine.substitutability(d) > t.low_substitutability:
                continue
            x0 = ctx.x0[d]
            caps_d = {p: c for p in x0 if p != "OTH"}
            # the screen's indicator rows: partner p's share there moves with x_p / x0_p
            for row in getattr(a.domains[d], "screen", None) or []:
                p, sh = row.get("partner"), float(row.get("share") or 0.0)
                if row.get("indicator") == "(domain composite)" or p not in caps_d or sh <= 0:
                    continue
                if x0[p] > 0:
                    caps_d[p] = min(caps_d[p], c * x0[p] / sh)
            crit[d] = caps_d
        return crit

    def plan_rows(self, spec, x0, idx) -> list[PlanRow]:
        rows = []
        for d, cap in (spec or {}).items():
            if d not in x0:
                continue
            for p in x0[d]:
                c_p = cap.get(p) if isinstance(cap, dict) else cap
                if p != "OTH" and c_p is not None:
                    rows.append(PlanRow(f"critical_share:{d}:{p}", f"critical_share:{d}",
                                        "critical_share", d, {idx[(d, p)]: 1.0}, c_p))
        return rows

    def explain(self, row, gain, marginal) -> str:
        p = row.name.split(":")[2]
        return (f"The critical-share cap binds for {p} in {row.domain} (no partner at or above "
                f"the doctrine's critical share, in the domain or in one of its indicators, at "
                f"a cap of {row.rhs:.3f}); the cap costs about {gain} of CVaR per 0.01.")

    def diagnose(self, group, rows, x0, budget) -> list[str]:
        d = group.partition(":")[2].split(":")[0]
        caps = {r.name.split(":")[2]: r.rhs for r in rows if r.group == group}
        over = {p: x0[d][p] - c for p, c in caps.items() if x0[d][p] - c > budget}
        return [f"{p} holds {x0[d][p]:.3f} of {d} and its cap is {caps[p]:.3f}: "
                f"{gap:.3f} would have to move, but at most {budget:.3f} of {d} can "
                "move over the horizon" for p, gap in over.items()]
