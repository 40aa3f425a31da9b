"""The plan's front door: from an assessment and a request to the program's inputs
(current shares, capacities, each wanted rule's plan input), the solve, and the
:class:`~equipoise.doctrine.plan.model.Plan` with the rules after (the assessment
``with_shares`` the targets)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import reference
from ...errors import OptionError
from .. import rules as _rules
from ..rules import PlanContext
from .capacity import Evidence, Supply, evidence_of, headroom
from .constraints import explain
from .lp import cvar, solve_cvar_plan
from .model import Constraint, Plan, PlanRequest, Scenarios, _names
from .scenarios import default_scenarios

__all__ = ["plan", "portfolio_risk"]


def _plan_domains(a, doctrine, domains) -> list[str]:
    want = domains or [d for d in a.domains if d in doctrine.domains.critical
                       or d in doctrine.domains.functional]
    bad = [d for d in want if d not in a.domains]
    if bad:
        raise OptionError(f"domains {bad} have no data; domains with data: {sorted(a.domains)}")
    return list(want)


def _codes_of(pole: str, present: list[str], year: int) -> list[str]:
    codes = {pole}
    if reference.is_group(pole):
        codes |= set(reference.expand_group(pole, year))
    return [c for c in present if c in codes]


def portfolio_risk(a, scenarios: Scenarios, *, alpha: float = 0.95,
                   domains: list[str] | None = None) -> dict:
    """VaR and CVaR of the shares-model loss of assessment ``a`` over ``scenarios``."""
    doctrine = a.doctrine
    ds = _plan_domains(a, doctrine, domains)
    if not ds:
        return {}
    wsum = sum(doctrine.weight(d) for d in ds) or 1.0
    loss = np.zeros(scenarios.n)
    sub = plan_substitutability(a, ds, {d: dict(a.domains[d].shares) for d in ds})
    for d in ds:
        r = a.domains[d]
        codes = list(r.shares)
        D = scenarios.for_codes(codes, r.year)
        keep = np.array([r.shares[c] * (1 - sub[d]["partners"][c][0]) for c in codes])
        loss += doctrine.weight(d) / wsum * (D @ keep)
    var, cv = cvar(loss, alpha)
    return {"alpha": alpha, "var": var, "cvar": cv, "mean": float(loss.mean()),
            "scenarios": scenarios.n, "domains": ds}


def plan_substitutability(a, ds: list[str], x0: dict[str, dict[str, float]]) -> dict:
    """Domain -> ``{"value", "basis", "partners": {partner: (value, basis)}}``: the
    substitutability the plan's loss reads, from the same table as ``equipoise shock`` and the
    Monte Carlo (:func:`equipoise.risk.shocks.substitutability_table` over
    :func:`~equipoise.risk.shocks.assessed_substitutability`): the assessment's measure where it
    has one (the product screen, the corridor graph, the viable alternatives; per partner cut
    off), else the documented default, labelled. ``OTH`` takes the domain's value."""
    from ...risk.shocks import NON_PARTNERS, assessed_substitutability, substitutability_table

    partners = sorted({p for d in ds for p in x0[d]} - NON_PARTNERS)
    measured = assessed_substitutability(a, partners=partners)
    whole = substitutability_table(a.doctrine, measured=measured)
    each = {p: substitutability_table(a.doctrine, measured=measured, partner=p)
            for p in partners}
    return {d: {"value": whole[d][0], "basis": whole[d][1],
                "partners": {p: each.get(p, whole)[d] for p in x0[d]}} for d in ds}


def plan(flows=None, *, doctrine=None, year: int | None = None,
         horizon: int = 5, max_shift: float = 0.05, capacity: float | None = None,
         capacities: dict[tuple[str, str], float] | None = None, alpha: float = 0.95,
         n_scenarios: int = 2000, seed: int = 0, domains: list[str] | None = None,
         without: tuple[str, ...] | str = (), strict: bool = False,
         scenarios: Scenarios | None = None, assessment=None,
         roles: bool | None = None, critical_share: bool | None = None,
         keep_viable: bool | None = None, no_squeeze: bool | None = None,
         supply: dict[str, Supply] | None = None, corridors=None, grades=None) -> Plan:
    """Choose target partner shares per domain that minimise the CVaR of the disruption loss.

    Parameters
    ----------
    flows, doctrine, year
        The flows (a ``FlowSet`` or canonical DataFrame) and the
        :class:`~equipoise.doctrine.model.Doctrine` to assess, and the year, as in
        :func:`equipoise.assess`; not needed with ``assessment``. The doctrine layer takes them
        resolved: the front door :func:`equipoise.plan` resolves a doctrine path or None, a
        ``focal`` override and the default flows through
        :func:`equipoise.context.resolve_analysis`.
    corridors, grades
        The corridor graph the correlated scenarios are drawn on (default: the assessment's,
        :attr:`equipoise.scorecard.Basis.corridors`); the source grades of the assessment it
        makes (as for :func:`equipoise.doctrine.check.assess`).
    horizon
        Years over which the shares can move (default 5).
    max_shift
        Share of a domain that can move per year, in total variation (default 0.05): the budget
        is ``min(1, max_shift * horizon)``.
    capacity
        The largest growth of one partner's share over the horizon (default half the budget);
        a partner grows at most ``min(capacity, budget * its share of world supply)``
        (:mod:`~equipoise.doctrine.plan.capacity`); ``capacities`` overrides the cap per
        ``(domain, partner)`` with an absolute cap.
    supply
        Domain -> :class:`~equipoise.doctrine.plan.capacity.Supply` (each supplier's supply to
        the world: arms exports for security, exports for trade, outward FDI for finance), as
        :func:`equipoise.context.plan_supply_source` reads them. Without it (or for a domain
        without a table) only partners already present in the domain may grow.
    alpha
        CVaR level (default 0.95).
    n_scenarios, seed, scenarios
        Monte Carlo scenarios (or an explicit :class:`Scenarios`).
    domains
        Domains to plan (default: the doctrine's critical and functional domains with data).
    without
        The rules whose plan rows are left out: kinds (or plan kinds) of registered rules with
        plan rows, checked by :func:`~equipoise.doctrine.plan.model.without_kinds`; the other
        rules' rows apply when feasible. ``roles``, ``critical_share``, ``keep_viable``,
        ``no_squeeze``: deprecated (DeprecationWarning), ``False`` adds the rule to it.
    strict
        Raise :class:`~equipoise.errors.InfeasiblePlanError` rather than relax a doctrine
        constraint.

    Returns
    -------
    Plan

    References
    ----------
    Rockafellar, R.T. & Uryasev, S. (2000). Optimization of conditional value-at-risk. Journal
    of Risk 2(3), 21-41. Chinneck, J.W. & Dravnieks, E.W. (1991). Locating minimal infeasible
    constraint sets in linear programs. ORSA Journal on Computing 3(2), 157-168."""
    from ._compat import flags_to_without

    off = flags_to_without(dict(roles=roles, critical_share=critical_share,
                                keep_viable=keep_viable, no_squeeze=no_squeeze))
    req = PlanRequest(horizon=int(horizon), max_shift=float(max_shift), capacity=capacity,
                      capacities=tuple(sorted((d, p, float(v)) for (d, p), v in
                                              (capacities or {}).items())),
                      alpha=float(alpha), scenarios=int(n_scenarios), seed=int(seed),
                      domains=tuple(domains) if domains else None, strict=strict,
                      without=(*_names(without), *(k for k in off if _rules.get(k))))
    if assessment is None:
        from ..check import assess, require_resolved

        require_resolved(doctrine, flows, "plan")
        assessment = assess(flows, year=year, doctrine=doctrine, corridors=corridors,
                            grades=grades)
    return plan_request(assessment, req, scenarios=scenarios, supply=supply, corridors=corridors)


def plan_request(a, req: PlanRequest, *, scenarios: Scenarios | None = None,
                 supply: dict[str, Supply] | None = None, corridors=None) -> Plan:
    """The plan of assessment ``a`` for request ``req`` with the supply tables ``supply``
    (see :func:`plan`); the scenarios on the corridor graph ``corridors`` (default: the one
    ``a`` was measured on)."""
    doctrine = a.doctrine
    ds = _plan_domains(a, doctrine, list(req.domains) if req.domains else None)
    if not ds:
        raise OptionError(f"{a.focal}: no domain with data to plan")
    B = req.budget
    x0 = _current_shares(a, ds)
    partners = sorted({p for d in ds for p in x0[d]} - {"OTH"},
                      key=lambda p: (-max(x0[d].get(p, 0.0) for d in ds), p))
    if scenarios is None:
        if corridors is None:
            corridors = getattr(a.basis, "corridors", None)
        scenarios = default_scenarios(doctrine, partners, n=req.scenarios, seed=req.seed,
                                      horizon=req.horizon, graph=corridors)
    disruption = {d: scenarios.for_codes(list(x0[d]), a.domains[d].year) for d in ds}
    evidence = {d: evidence_of(d, x0[d], a.domains[d].year, (supply or {}).get(d),
                               bool(supply)) for d in ds}
    caps = _capacities(x0, B / 2 if req.capacity is None else req.capacity, req.capacities,
                       budget=B, evidence=evidence)
    ctx = PlanContext(a, ds, x0, lambda q, d: _codes_of(q, list(x0[d]), a.domains[d].year))
    specs = {r.plan_kind: r.plan_spec(ctx) for r in _rules.plan_rules()
             if r.kind not in req.without}
    sub = plan_substitutability(a, ds, x0)
    sol = solve_cvar_plan(
        x0, disruption, weights={d: doctrine.weight(d) for d in ds},
        substitutability={d: {p: v for p, (v, _) in sub[d]["partners"].items()} for d in ds},
        budget=B, capacity=caps, alpha=req.alpha, strict=req.strict, specs=specs)
    notes = {d: s.note for d, s in (supply or {}).items() if d in ds and s.note}
    return _result(a, req, ds, x0, caps, sol, scenarios, evidence, notes, sub)


def _result(a, req: PlanRequest, ds: list[str], x0: dict, caps: dict, sol: dict,
            scenarios: Scenarios, evidence: dict[str, dict[str, Evidence]],
            notes: dict[str, str], sub: dict) -> Plan:
    """The :class:`Plan` of a solved program: shifts, VaR and CVaR before and after, binding
    rows explained, and the rules after (the assessment ``with_shares`` the targets)."""
    recs = [{"domain": d, "partner": p, "current": s0, "target": sol["x"][d][p],
             "shift": sol["x"][d][p] - s0, "capacity": caps[d][p],
             "capacity_basis": _basis(evidence[d].get(p)),
             "capacity_evidence": _text(evidence[d].get(p), p, d)}
            for d in ds for p, s0 in x0[d].items()]
    var0, cvar0 = cvar(sol["losses_before"], req.alpha)
    var1, cvar1 = cvar(sol["losses"], req.alpha)
    binding = sorted((Constraint(r.name, r.group, r.kind, r.domain, slack, m, True,
                                 explain(r, slack, m, evidence=evidence))
                      for r, slack, m in sol["rows"]
                      if abs(m) > 1e-7 and (r.kind == "sum_to_one" or slack <= 1e-7)),
                     key=lambda c: (c.kind == "sum_to_one", -abs(c.marginal)))
    after = a.with_shares({d: {p: v for p, v in sol["x"][d].items() if v > 1e-9}
                           for d in ds}).rules
    return Plan(focal=a.focal, request=req, status=sol["status"], shifts=pd.DataFrame(recs),
                cvar_before=cvar0, cvar_after=cvar1, var_before=var0, var_after=var1,
                binding=binding, conflicts=sol["conflicts"], relaxed=sol["relaxed"],
                capacity_evidence={d: {p: e.to_dict() for p, e in evidence[d].items()}
                                   for d in ds},
                capacity_notes=_notes(ds, evidence, notes),
                conflict_reasons=sol["conflict_reasons"],
                rules_before=list(a.rules), rules_after=list(after), scenarios=scenarios,
                solver={**sol["solver"], "objective": sol["objective"], "zeta": sol["zeta"]},
                domains={d: _domain_entry(a, d, sub[d]) for d in ds})


def _domain_entry(a, d: str, sub: dict) -> dict:
    """A planned domain in ``plan --json``: year, weight and the substitutability its loss
    reads, with its basis (``data``: the assessment's measure; ``default``: the documented
    fallback) and, where it differs from the domain's, each partner's."""
    from ...risk.shocks import basis_kind

    own = {p: {"value": v, "basis": b, "kind": basis_kind(b)}
           for p, (v, b) in sub["partners"].items()
           if p != "OTH" and abs(v - sub["value"]) > 1e-12}
    return {"year": a.domains[d].year, "weight": a.doctrine.weight(d),
            "substitutability": sub["value"], "substitutability_basis": sub["basis"],
            "substitutability_kind": basis_kind(sub["basis"]),
            "substitutability_by_partner": own}


def _current_shares(a, ds: list[str]) -> dict[str, dict[str, float]]:
    """Domain -> partner -> current share: the partners with a share, every pole not already
    present through its members (at 0) and ``OTH``."""
    x0: dict[str, dict[str, float]] = {}
    for d in ds:
        r = a.domains[d]
        sh = dict(r.shares)
        for p in a.doctrine.poles:
            if not _codes_of(p, list(sh), r.year):
                sh.setdefault(p, 0.0)
        sh.setdefault("OTH", 0.0)
        x0[d] = sh
    return x0


def _basis(ev: Evidence | None) -> str:
    return ev.basis if ev is not None else "none"


def _text(ev: Evidence | None, p: str, d: str) -> str:
    if p == "OTH":
        return "the unnamed rest of the world cannot be targeted by policy"
    return ev.text if ev is not None else f"{p}: no capacity evidence in {d}"


def _notes(ds: list[str], evidence: dict[str, dict[str, Evidence]],
           notes: dict[str, str] | None = None) -> list[str]:
    """One line per planned domain: where its capacities come from (and the supply table's
    own note: why a warehouse was not used, which side of the energy market counts)."""
    out = []
    for d in ds:
        evs = list(evidence[d].values())
        m = next((e for e in evs if e.basis == "measured"), None)
        extra = f" ({notes[d]})" if notes and notes.get(d) else ""
        if m is not None:
            out.append(f"{d}: capacity measured ({m.source}, {m.period}; each partner's "
                       f"basis beside its move){extra}; a partner without measured supply is "
                       f"not proposed")
        else:
            why = next((e.text.split("(", 1)[-1].rstrip(")") for e in evs), "")
            out.append(f"{d}: {why or 'no capacity data'}")
    return out


def _capacities(x0: dict, cap_step: float, given, *, budget: float = 1.0,
                evidence: dict[str, dict[str, Evidence]] | None = None
                ) -> dict[str, dict[str, float]]:
    """Each partner's cap: its share plus its headroom
    (:func:`~equipoise.doctrine.plan.capacity.headroom`: ``min(cap_step, budget * c)`` for a
    measured share of world supply ``c``, ``cap_step`` for a partner present without a supply
    table, 0 otherwise; at most 1; OTH cannot grow), then the ``(domain, partner, cap)``
    overrides, each of a planned domain and partner. Without ``evidence`` every partner grows
    by ``cap_step``."""
    ds = list(x0)

    def grow(d, p):
        if evidence is None:
            return cap_step
        return headroom(evidence[d].get(p), cap_step, budget)

    caps = {d: {p: (s if p == "OTH" else min(1.0, s + grow(d, p))) for p, s in x0[d].items()}
            for d in ds}
    for d, p, v in given:
        if d not in caps or p not in caps[d]:
            known = sorted(caps[d]) if d in caps else []
            raise OptionError(f"capacity for {d}:{p}: not a planned domain and partner; "
                              f"domains planned: {ds}" + (f"; partners in {d}: {known}"
                                                          if known else ""))
        caps[d][p] = float(v)
    return caps
