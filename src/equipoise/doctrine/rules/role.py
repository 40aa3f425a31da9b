"""``role:<pole>:<domain>``: each pole leads the domains the doctrine gives it. Plan rows:
the role pole's share at least every other pole's."""

from __future__ import annotations

from ... import reference
from ..._results import fmt_fixed, fmt_share
from ...measures.quality import bounds
from ._base import (
    EVIDENCE_BOUNDS,
    PlanContext,
    PlanRow,
    Rule,
    RuleResult,
    evidence_gate,
    insufficient,
)

#: The role pole must be strictly ahead by this much in the plan: a tie goes to the pole listed
#: first, which may not be the role pole.
ROLE_LEAD = 1e-6


def _pole_unknown(a, pole: str, dom: str) -> tuple[str, str] | None:
    """Why ``pole``'s share of ``dom`` is not evidence enough for a role verdict, or None: it
    appears only in single-partner indicators (``single_partner``), or in no share indicator
    while some indicator covers less than its whole (``no_data``: absent is unknown, not 0)."""
    r = a.domains.get(dom)
    quality = getattr(r, "quality", None) or {}
    if not quality:
        return None
    codes = {pole}
    if reference.is_group(pole):
        codes |= set(reference.expand_group(pole, r.year))
    multi = [i for i, q in quality.items() if not q["single_partner"]
             and codes & set(q.get("partners", ()))]
    if multi:
        return None
    single = [i for i, q in quality.items() if q["single_partner"]
              and codes & set(q.get("partners", ()))]
    if single:
        return "single_partner", (f"{pole} appears in {dom} only in single-partner indicators "
                                  f"({', '.join(single)}): its share there is 1 by construction")
    if any(q["coverage"] is None or q["coverage"] < 1 - 1e-9 for q in quality.values()):
        return "no_data", (f"{pole} is absent from every share indicator of {dom} and the "
                           "indicators do not cover their whole total: its share is unknown, "
                           "not 0")
    return None


#: a bound decides only when it clears the other side by more than rounding (a tie, e.g. 0.6
#: shown and 0.4 unshown against 0.4, stays undecided)
_EPS = 1e-9


def _unshown(a, dom: str) -> float | None:
    """The part of ``dom``'s total its partner rows do not show (``1 - coverage``) when every
    share indicator of the domain's composite is measured against a WLD total, the domain is
    current (not older than ``max_age``) and not single-partner only: each shown share is then
    a lower bound of the partner's true share and nobody absent can hold more than the unshown
    part. None otherwise (a partner-sum share would shrink if a partner were added: no bound)."""
    r = a.domains.get(dom)
    quality = getattr(r, "quality", None) or {}
    cov = getattr(r, "coverage", None)
    if not quality or cov is None or getattr(r, "single_partner_only", False):
        return None
    if any(q.get("kind", "flow") != "flow" or q.get("coverage") is None
           for q in quality.values()):
        return None
    age = getattr(r, "recency", None)
    if age is not None and age > bounds(a.doctrine)[1]:
        return None
    return max(0.0, 1.0 - float(cov))


def _bounded(a, pole: str, dom: str, pm: dict, gate: tuple[str, str]) -> RuleResult | None:
    """The verdict the bounds decide although the evidence is short of a measured share
    (``gate``: low coverage, or the pole absent from indicators that do not cover their total),
    or None when they do not decide. With ``u`` the unshown part: the role pole at best
    ``own + u`` and the others at least their shown shares -- below the largest of them, the
    pole cannot lead whatever the unshown part holds: FAIL, margin ``own + u - other``; the pole
    at least ``own`` and every other at most ``its share + u`` -- above the largest, it leads
    whatever the unshown part holds: PASS, margin ``own - (other + u)``."""
    u = _unshown(a, dom)
    if u is None or gate[0] not in ("low_coverage", "no_data"):
        return None
    own = pm[dom].get(pole, 0.0)
    other_pole, other = max(((p, v) for p, v in pm[dom].items() if p != pole),
                            key=lambda x: x[1], default=(None, 0.0))
    if own + u < other - _EPS:
        passed, margin = False, own + u - other
    elif own > other + u + _EPS:
        passed, margin = True, own - (other + u)
    else:
        return None
    return RuleResult(
        f"role:{pole}:{dom}", passed, margin,
        {"leader": a.distinctness["leaders"].get(dom), "pole_share": own,
         "best_other_pole_share": other, "unshown": u, "pole_share_at_most": own + u,
         "best_other_pole": other_pole, "best_other_at_most": other + u},
        pole, f"{pole} leads {dom} (its role in the doctrine); decided by bounds: the "
        f"partner rows show {fmt_share(1 - u)} of the total, the rest ({fmt_share(u)}) could be anyone's; "
        f"margin = " + ("the pole's best case minus the largest other pole's shown "
                                   "share" if not passed else "the pole's shown share minus the "
                                   "largest other pole's best case"),
        {"pole_shares": pm[dom], "bounds_reason": gate[0], "bounds_detail": gate[1],
         **a.domains[dom].evidence()})


class Role(Rule):
    kind = "role"
    order = 30
    reads = ("domains", "distinctness", "doctrine")
    thresholds = dict(EVIDENCE_BOUNDS)
    plan_kind = "role"
    plan_order = 10
    priority = 2

    def check(self, a, domain=None) -> list[RuleResult]:
        pm = a.distinctness["pole_shares"]
        out = []
        for pole, doms in a.doctrine.roles.items():
            for dom in doms:
                gate = (("no_data", f"no data for domain {dom}") if dom not in pm
                        else evidence_gate(a, dom) or _pole_unknown(a, pole, dom))
                decided = gate and dom in pm and _bounded(a, pole, dom, pm, gate)
                if decided:
                    out.append(decided)
                    continue
                if gate:
                    out.append(insufficient(
                        f"role:{pole}:{dom}", gate[0], pole,
                        f"{pole} leads {dom} (its role in the doctrine)",
                        {"pole_shares": pm.get(dom, {}),
                         **(a.domains[dom].evidence() if dom in a.domains else {})}, gate[1]))
                    continue
                own = pm[dom].get(pole, 0.0)
                other = max((v for p, v in pm[dom].items() if p != pole), default=0.0)
                lead = a.distinctness["leaders"].get(dom)
                out.append(RuleResult(
                    f"role:{pole}:{dom}", lead == pole, own - other,
                    {"leader": lead, "pole_share": own, "best_other_pole_share": other}, pole,
                    f"{pole} leads {dom} (its role in the doctrine); margin = its share minus "
                    f"the largest other pole's",
                    {"pole_shares": pm[dom], **a.domains[dom].evidence()}))
        return out

    def plan_spec(self, ctx: PlanContext) -> dict:
        doctrine = ctx.assessment.doctrine
        spec = {}
        for pole, rds in doctrine.roles.items():
            for d in rds:
                if d in ctx.x0:
                    spec[d] = {"pole": pole,
                               "codes": {q: ctx.codes(q, d) for q in doctrine.poles}}
        return spec

    def plan_rows(self, spec, x0, idx) -> list[PlanRow]:
        rows = []
        for d, s in (spec or {}).items():
            if d not in x0:
                continue
            pole = s["pole"]
            own = [idx[(d, c_)] for c_ in s["codes"][pole] if (d, c_) in idx]
            for q, codes in s["codes"].items():
                if q == pole:
                    continue
                co: dict[int, float] = {}
                names: dict[str, float] = {}
                for i in own:
                    co[i] = co.get(i, 0.0) - 1.0
                for c_ in s["codes"][pole]:
                    names[c_] = -1.0
                for c_ in codes:
                    if (d, c_) in idx:
                        co[idx[(d, c_)]] = co.get(idx[(d, c_)], 0.0) + 1.0
                        names[c_] = names.get(c_, 0.0) + 1.0
                rows.append(PlanRow(f"role:{pole}:{d}>={q}", f"role:{pole}:{d}", "role", d, co,
                                    -ROLE_LEAD, names=names))
        return rows

    def explain(self, row, gain, marginal) -> str:
        pole, q = row.name.split(":")[1], row.name.split(">=")[1]
        return (f"The doctrine's role ({pole} leads {row.domain}) binds against {q}: it keeps "
                f"{q}'s share at or below {pole}'s; relaxing it by 0.01 would lower the CVaR by "
                f"about {gain}.")

    def diagnose(self, group, rows, x0, budget) -> list[str]:
        _, pole, d = group.split(":")
        out = []
        for r in (r for r in rows if r.group == group):
            q = r.name.split(">=")[1]
            a = sum(x0[d].get(c, 0.0) for c, v in r.names.items() if v == -1.0)
            b = sum(x0[d].get(c, 0.0) for c, v in r.names.items() if v == +1.0)
            if b - a > 2 * budget:
                out.append(f"{q} holds {fmt_fixed(b)} of {d} against {pole}'s {fmt_fixed(a)}: closing a gap "
                           f"of {fmt_fixed(b - a)} needs more than the {fmt_fixed(budget)} that can move")
        return out
