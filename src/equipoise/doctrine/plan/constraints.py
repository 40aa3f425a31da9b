"""The kinds of row in the plan's program, one class each: the structural rows every plan has
(:class:`Split`, :class:`SumToOne`, :class:`ShiftBudget`, :class:`Capacity`) and, through
:class:`RuleRows`, the rows of each doctrine rule that has them (the rule registry gives each
rule its plan rows: :meth:`equipoise.doctrine.rules.Rule.plan_rows`).

Every kind builds its rows, explains a binding row in words and says, where it can, why its
group takes part in an infeasible set. :func:`explain` and :func:`diagnose` loop over the
kinds; so does the program (:func:`equipoise.doctrine.plan.lp.solve_cvar_plan`).
"""

from __future__ import annotations

from typing import ClassVar

from ..._results import fmt_fixed, fmt_share, fmt_sig, fmt_signed
from .. import rules as _rules
from ..rules import PlanRow

__all__ = ["Capacity", "ConstraintKind", "RuleRows", "ShiftBudget", "Split", "SumToOne",
           "diagnose", "explain", "kinds", "soft_priority", "structural_rows"]


class ConstraintKind:
    """One kind of row of the program. ``rows`` gives a domain's rows (structural kinds);
    ``explain`` a sentence on a binding row (``gain``: the CVaR change per 0.01 of share);
    ``diagnose`` sentences on why a group of this kind conflicts."""

    kind: ClassVar[str] = ""

    def rows(self, d: str, x0: dict, idx: dict, nx: int, budget: float,
             capacity: dict) -> list[PlanRow]:
        return []

    def explain(self, row: PlanRow, gain: str, marginal: float, evidence=None) -> str:
        """``evidence``: the capacity evidence of the row's (domain, partner) where the kind
        uses it (:class:`Capacity`), else None."""
        return f"dual value {fmt_signed(marginal, 5, whole_from=None)}"

    def diagnose(self, group: str, rows: list[PlanRow], x0: dict, budget: float,
                 capacity: dict) -> list[str]:
        return []


class Split(ConstraintKind):
    """``x - u + v = x0``: the shift split into its up and down parts (always active)."""

    kind = "split"

    def rows(self, d, x0, idx, nx, budget, capacity):
        iu, iv = nx, 2 * nx
        out = []
        for p in x0[d]:
            i = idx[(d, p)]
            out.append(PlanRow(f"split:{d}:{p}", f"split:{d}", "split", d,
                               {i: 1.0, iu + i: -1.0, iv + i: 1.0}, x0[d][p], eq=True))
        return out


class SumToOne(ConstraintKind):
    """The shares of a domain add up to what they add up to now (one)."""

    kind = "sum_to_one"

    def rows(self, d, x0, idx, nx, budget, capacity):
        return [PlanRow(f"sum_to_one:{d}", f"sum_to_one:{d}", "sum_to_one", d,
                        {idx[(d, p)]: 1.0 for p in x0[d]}, float(sum(x0[d].values())),
                        eq=True)]

    def explain(self, row, gain, marginal, evidence=None):
        return (f"Shares of {row.domain} add up to one; the dual value {fmt_signed(marginal, 5, whole_from=None)} is the "
                f"CVaR price of a unit of {row.domain} share at the margin.")


class ShiftBudget(ConstraintKind):
    """At most ``budget`` of a domain moves (total variation distance)."""

    kind = "shift_budget"

    def rows(self, d, x0, idx, nx, budget, capacity):
        iu, iv = nx, 2 * nx
        co = {}
        for p in x0[d]:
            co[iu + idx[(d, p)]] = 0.5
            co[iv + idx[(d, p)]] = 0.5
        return [PlanRow(f"shift_budget:{d}", f"shift_budget:{d}", "shift_budget", d, co,
                        budget)]

    def explain(self, row, gain, marginal, evidence=None):
        return (f"The shift budget of {row.domain} is used up: allowing 0.01 more of "
                f"{row.domain} to move over the horizon would lower the CVaR by about {gain}.")


class Capacity(ConstraintKind):
    """A partner's share at most its capacity (rows only where the cap is below one)."""

    kind = "capacity"

    def rows(self, d, x0, idx, nx, budget, capacity):
        out = []
        for p in x0[d]:
            cap = capacity.get(d, {}).get(p, 1.0)
            if cap < 1.0 - 1e-12:
                out.append(PlanRow(f"capacity:{d}:{p}", f"capacity:{d}", "capacity", d,
                                   {idx[(d, p)]: 1.0}, cap))
        return out

    def explain(self, row, gain, marginal, evidence=None):
        """The binding cap in words, with the evidence behind it: ``evidence`` is the
        partner's :class:`~equipoise.doctrine.plan.capacity.Evidence` (source, year, value,
        basis) or None."""
        if row.name.endswith(":OTH"):
            return (f"The unnamed rest of the world (OTH) cannot be targeted by policy, so its "
                    f"share of {row.domain} cannot grow; if it could take 0.01 more, the CVaR "
                    f"would fall by about {gain}.")
        p = row.name.split(":")[2]
        why = ""
        if evidence is not None:
            why = (f" Capacity evidence (basis {evidence.basis}; {evidence.source}, "
                   f"{evidence.period}; value {_value(evidence)}): {evidence.text}.")
        return (f"{p} cannot absorb more of {row.domain}: 0.01 more capacity for {p} would "
                f"lower the CVaR by about {gain}.{why}")

    def diagnose(self, group, rows, x0, budget, capacity):
        d = group.rsplit(":", 1)[-1]
        tot = sum(min(capacity.get(d, {}).get(p, 1.0), 1.0) for p in x0[d])
        if tot < sum(x0[d].values()) - 1e-9:
            return [f"the capacities of {d} add up to {fmt_fixed(tot)}, less than the whole domain"]
        return []


class RuleRows(ConstraintKind):
    """The plan rows of a doctrine rule of the registry (its ``plan_kind``)."""

    def __init__(self, rule) -> None:
        self.rule = rule
        self.kind = rule.plan_kind  # type: ignore[misc]

    def rows_of(self, spec, x0: dict, idx: dict) -> list[PlanRow]:
        return self.rule.plan_rows(spec, x0, idx)

    def explain(self, row, gain, marginal, evidence=None):
        return self.rule.explain(row, gain, marginal)

    def diagnose(self, group, rows, x0, budget, capacity):
        return self.rule.diagnose(group, rows, x0, budget)


#: The structural kinds, in the order their rows go into the program (domain by domain).
STRUCTURAL: tuple[ConstraintKind, ...] = (Split(), SumToOne(), ShiftBudget(), Capacity())


def kinds() -> list[ConstraintKind]:
    """Every kind of row: the structural ones, then the registered rules' in program order."""
    return [*STRUCTURAL, *(RuleRows(r) for r in _rules.plan_rules())]


def soft_priority() -> tuple[str, ...]:
    """The plan kinds of the registered rules, lowest relaxation priority (dropped first)
    first: ``keep_viable``, ``no_squeeze``, ``role``, ``critical_share`` for the shipped rules."""
    return tuple(r.plan_kind for r in sorted(_rules.plan_rules(), key=lambda r: r.priority))


def structural_rows(x0: dict, idx: dict, nx: int, budget: float,
                    capacity: dict) -> list[PlanRow]:
    """The rows every plan has: the split ``x - u + v = x0``, shares summing to one, the
    shift budget and the partners' capacities, domain by domain."""
    return [row for d in x0 for k in STRUCTURAL
            for row in k.rows(d, x0, idx, nx, budget, capacity)]


def _value(ev) -> str:
    """An evidence's value in words: unknown, a share in per cent, or the figure and unit."""
    v = ev.value
    if v is None:
        return "unknown"
    if ev.unit == "share":
        return f"a {fmt_share(v)} share"
    return (fmt_fixed(v, 0, thousands=True) if abs(v) >= 100 else fmt_sig(v, 3, thousands=False)) + (f" {ev.unit}" if ev.unit else "")


def explain(row: PlanRow, slack: float, marginal: float, *,
            evidence: dict | None = None) -> str:
    """A sentence on a binding row, from its kind; ``evidence`` (domain -> partner ->
    capacity evidence) lets a capacity row quote what its cap rests on."""
    per = -marginal * 0.01
    gain = fmt_fixed(abs(per), 5)
    ev = None
    if evidence is not None and row.kind == "capacity":
        ev = evidence.get(row.domain, {}).get(row.name.split(":")[-1])
    for k in kinds():
        if k.kind == row.kind:
            return k.explain(row, gain, marginal, ev)
    return f"dual value {fmt_signed(marginal, 5, whole_from=None)}"


def diagnose(conflict: list[str], rows: list[PlanRow], x0: dict, budget: float,
             capacity: dict) -> str:
    """A sentence on why a conflicting set of constraint groups cannot hold together (each
    kind's own :meth:`ConstraintKind.diagnose`)."""
    by_kind = {k.kind: k for k in kinds()}
    out: list[str] = []
    for g in conflict:
        kind = g.partition(":")[0]
        d = g.rsplit(":", 1)[-1]
        if d not in x0 or kind not in by_kind:
            continue
        out += by_kind[kind].diagnose(g, rows, x0, budget, capacity)
    return "; ".join(dict.fromkeys(out)) or "These constraint groups cannot all hold together."
