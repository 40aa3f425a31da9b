"""``no_squeeze``: no domain where two poles each hold at least ``squeeze_share``. Plan rows:
every pole other than a functional domain's leader held below the threshold.

Judged on the functional domains whose evidence is strong enough
(:func:`~equipoise.doctrine.rules._base.functional_gates`). A squeeze there fails the rule. A
domain too weakly evidenced *could* hide a squeeze when its second pole's measured share plus
the part of the total its rows do not show (``1 - coverage``) reaches the threshold, or when its
coverage says nothing (no data, one partner, stale); with such a domain and no squeeze among
the judged ones the verdict is insufficient. A weak domain that cannot reach the threshold even
so does not stop a pass.
"""

from __future__ import annotations

from ..._results import fmt_sig
from ._base import (
    EVIDENCE_BOUNDS,
    PlanContext,
    PlanRow,
    Rule,
    RuleResult,
    Threshold,
    commonest_reason,
    functional_gates,
    insufficient,
)


def _second(ps: dict) -> float:
    return sorted(ps.values(), reverse=True)[1] if len(ps) > 1 else 0.0


class NoSqueeze(Rule):
    kind = "no_squeeze"
    order = 50
    reads = ("distinctness", "domains", "doctrine")
    thresholds = {
        "squeeze_share": Threshold(
            0.25, doc="two poles each at or above this share of a functional domain squeeze it"),
        **EVIDENCE_BOUNDS,
    }
    plan_kind = "no_squeeze"
    plan_order = 40
    priority = 1

    def check(self, a, domain=None) -> RuleResult:
        t = a.doctrine.thresholds
        pm = a.distinctness["pole_shares"]
        seconds = {dom: _second(ps) for dom, ps in pm.items()}
        weak = functional_gates(a)
        judged = {d: v for d, v in seconds.items() if d not in weak}
        squeezed = [s for s in a.distinctness["squeezed"] if s["domain"] not in weak]
        hidden = {d: g for d, g in weak.items() if self._could(a, d, g, seconds, t)}
        worst = min(judged, key=lambda k: t.squeeze_share - judged[k], default=None)
        desc = (f"No domain where two poles each hold >= {fmt_sig(t.squeeze_share, 6, thousands=False)}; margin = threshold "
                f"minus the largest second-pole share (in {worst}), among the domains with "
                f"enough evidence")
        ev = {"second_pole_share": seconds, "judged": sorted(judged),
              "insufficient_domains": {d: g[1] for d, g in weak.items()}}
        if not squeezed and hidden:
            return insufficient(
                self.kind, commonest_reason(hidden), t.squeeze_share, desc, ev,
                f"no squeeze among the domains judged, but {', '.join(hidden)} could hide one: "
                f"the evidence there is too weak")
        return RuleResult(
            self.kind, not squeezed,
            (t.squeeze_share - judged[worst]) if worst else float("nan"),
            squeezed, t.squeeze_share, desc, ev)

    @staticmethod
    def _could(a, d: str, gate: tuple[str, str], seconds: dict, t) -> bool:
        """Whether weakly evidenced domain ``d`` could hold a squeeze: its second pole plus the
        part of its total not shown reaches the threshold (low coverage), or nothing bounds it."""
        r = a.domains.get(d) if hasattr(a.domains, "get") else None
        cov = getattr(r, "coverage", None)
        if gate[0] != "low_coverage" or cov is None:
            return True
        return seconds.get(d, 0.0) + (1.0 - cov) >= t.squeeze_share

    def plan_spec(self, ctx: PlanContext) -> dict:
        a = ctx.assessment
        doctrine = a.doctrine
        sq = {}
        for d in ctx.domains:
            if d not in doctrine.domains.functional:
                continue
            lead = doctrine.role_of(d) or a.distinctness["leaders"].get(d)
            sq[d] = {"cap": doctrine.thresholds.squeeze_share - 1e-6,
                     "codes": {q: ctx.codes(q, d) for q in doctrine.poles if q != lead}}
        return sq

    def plan_rows(self, spec, x0, idx) -> list[PlanRow]:
        rows = []
        for d, s in (spec or {}).items():
            if d not in x0:
                continue
            for q, codes in s["codes"].items():
                co = {idx[(d, c_)]: 1.0 for c_ in codes if (d, c_) in idx}
                if co:
                    rows.append(PlanRow(f"no_squeeze:{d}:{q}", f"no_squeeze:{d}", "no_squeeze",
                                        d, co, s["cap"]))
        return rows

    def explain(self, row, gain, marginal) -> str:
        q = row.name.split(":")[2]
        return (f"{q} is held below the squeeze threshold in {row.domain} (two poles may not "
                f"both be large there); the limit costs about {gain} of CVaR per 0.01.")
