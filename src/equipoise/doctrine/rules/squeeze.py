"""``no_squeeze``: no domain where two poles each hold at least ``squeeze_share``. Plan rows:
every pole other than a functional domain's leader held below the threshold."""

from __future__ import annotations

from ._base import PlanContext, PlanRow, Rule, RuleResult


class NoSqueeze(Rule):
    kind = "no_squeeze"
    order = 50
    reads = ("distinctness", "doctrine")
    plan_kind = "no_squeeze"
    plan_order = 40
    priority = 1
    plan_toggle = "no_squeeze"

    def check(self, a, domain=None) -> RuleResult:
        t = a.doctrine.thresholds
        pm = a.distinctness["pole_shares"]
        seconds = {dom: sorted(ps.values(), reverse=True)[1] if len(ps) > 1 else 0.0
                   for dom, ps in pm.items()}
        worst = min(seconds, key=lambda k: t.squeeze_share - seconds[k], default=None)
        return RuleResult(
            self.kind, not a.distinctness["squeezed"],
            (t.squeeze_share - seconds[worst]) if worst else float("nan"),
            a.distinctness["squeezed"], t.squeeze_share,
            f"No domain where two poles each hold >= {t.squeeze_share:g}; margin = threshold "
            f"minus the largest second-pole share (in {worst})", {"second_pole_share": seconds})

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
