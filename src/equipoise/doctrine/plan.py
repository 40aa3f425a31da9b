"""The diversification plan: target partner shares per domain that minimise the CVaR of the
Monte Carlo loss, under the doctrine's rules (Rockafellar-Uryasev linear program, HiGHS).

Model
-----
Decision variables are the target shares ``x_{d,p}`` of partner ``p`` in domain ``d`` (every
partner with a share now, every pole, and ``OTH`` for the rest of the world). With ``D_{s,p}``
the disruption intensity of partner ``p`` in scenario ``s`` (0..1, from the correlated Monte
Carlo of :mod:`equipoise.risk.montecarlo`; a country inside a group pole is disrupted when it or
the group is), the loss of scenario ``s`` is linear in ``x``::

    L_s(x) = sum_d  w_d (1 - sigma_d) sum_p D_{s,p} x_{d,p}        (w normalised to sum 1)

the shares model of :mod:`equipoise.risk.shocks` (Keohane & Nye 1977). The plan solves

    min  zeta + 1 / ((1 - a) S) sum_s z_s  +  eps sum (u + v)
    s.t. z_s >= L_s(x) - zeta,  z_s >= 0                      (Rockafellar & Uryasev 2000)
         x = x0 + u - v,  u, v >= 0                           (shift split into up and down)
         sum_p x_{d,p} = 1                                     sum_to_one:<d>
         sum_p (u + v)_{d,p} / 2 <= B                          shift_budget:<d>
         x_{d,p} <= cap_{d,p}                                  capacity:<d>
         pole share of r >= pole share of q, each other pole q  role:<r>:<d>
         x_{d,p} <= critical_share  (named partners, in critical domains
           whose substitutability is at most low_substitutability, where the doctrine's
           no-critical-dependency rule can fail; and for an
           indicator where p holds s_i of it, x_{d,p} <= critical_share x0_{d,p} / s_i,
           the indicator share moving with the domain share)    critical_share:<d>
         x_{d,p} >= viable_share for partners viable now       keep_viable:<d>
         pole share of q <= squeeze_share, q not the leader     no_squeeze:<d>

whose optimal ``zeta`` is the VaR and optimal value the CVaR at level ``a`` of the loss
distribution over the scenarios (Rockafellar & Uryasev 2000, Theorem 2). ``eps = 1e-6`` breaks
ties in favour of the smallest move. ``B = min(1, max_shift * horizon)`` (``max_shift`` is the
share of a domain that can move in one year, in total variation distance); a partner's capacity
``cap_{d,p} = min(1, x0_{d,p} + capacity)`` with ``capacity = B / 2`` by default (no single
partner takes more than half of what can move, so a shift spreads over at least two partners,
in the spirit of Kuik's fallback), overridable per partner. Disruption probabilities are annual;
over the horizon a partner is disrupted with ``1 - (1 - p)^horizon``. ``OTH`` (the unnamed rest
of the world) is not disrupted, as in :func:`equipoise.risk.shocks.loss_matrix` (many small
partners are not cut off together), and cannot grow: policy cannot target unnamed partners, so
its capacity is its current share.

The doctrine's constraints (roles, critical share, keep viable) apply "when feasible": if the
program is infeasible, a deletion filter over constraint groups (Chinneck & Dravnieks 1991)
finds an irreducible infeasible subset, names it, drops its lowest-priority doctrine group
(``keep_viable``, ``no_squeeze``, ``role``, then ``critical_share``) and solves again; the plan reports
every conflict and every relaxed group. With ``strict=True`` it raises
:class:`~equipoise.errors.InfeasiblePlanError` instead.

Shadow prices are HiGHS's dual values (``res.ineqlin.marginals``): the change of the optimal
CVaR per unit of a constraint's right-hand side, reported per 0.01 of share and explained in
words for every binding constraint.

Corridor (max-flow) losses are not linear in shares and are left out of the program; the
evaluation of actions reports them.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import reference
from .._results import RichSummary
from ..errors import EquipoiseError, InfeasiblePlanError, OptionError
from . import rules as _rules
from .rules import PlanContext, PlanRow
from .rules.role import ROLE_LEAD  # noqa: F401 (kept for callers of plan.ROLE_LEAD)

__all__ = ["MAX_SCENARIOS", "Plan", "PlanRequest", "Scenarios", "default_scenarios", "plan", "portfolio_risk",
           "solve_cvar_plan"]

EPS_SHIFT = 1e-6


def soft_priority() -> tuple[str, ...]:
    """The plan kinds of the registered rules, lowest relaxation priority (dropped first)
    first: ``keep_viable``, ``no_squeeze``, ``role``, ``critical_share`` for the shipped rules."""
    return tuple(r.plan_kind for r in sorted(_rules.plan_rules(), key=lambda r: r.priority))


# --------------------------------------------------------------------------- scenarios

#: Fewest and most Monte Carlo scenarios of one plan or evaluation. The CVaR programme has one
#: variable and one row per scenario: 100,000 scenarios take about 3 minutes and 0.9 GB on a
#: 2-core machine (20,000: 23 s, 0.36 GB; the default 2,000: a few seconds).
MIN_SCENARIOS = 10
MAX_SCENARIOS = 100_000
#: Longest planning horizon, in years.
MAX_HORIZON = 50
#: Seeds are non-negative integers below 2**63 (numpy's generators refuse negative seeds).
MAX_SEED = 2**63 - 1


def check_scenarios(n, seed=0) -> None:
    """Refuse a scenario count outside MIN_SCENARIOS..MAX_SCENARIOS or a seed outside
    0..MAX_SEED with an :class:`OptionError` saying what was seen and what is expected."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) \
            or not MIN_SCENARIOS <= n <= MAX_SCENARIOS:
        raise OptionError(f"scenarios: expecting a whole number from {MIN_SCENARIOS} to "
                          f"{MAX_SCENARIOS:,} (equipoise.doctrine.plan.MAX_SCENARIOS). Got {n!r}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not 0 <= seed <= MAX_SEED:
        raise OptionError(f"seed: expecting a whole number from 0 to 2**63 - 1. Got {seed!r}.")


@dataclass(frozen=True)
class Scenarios:
    """Partner disruption scenarios: ``intensity[s, u]`` in 0..1 for each unit ``u``.

    A flow partner code maps to the units that cover it: itself, and any group unit (EU27) it
    belongs to; its disruption is the largest of theirs. ``OTH`` and codes not simulated are
    never disrupted (as in :func:`equipoise.risk.shocks.loss_matrix`).
    """

    units: tuple[str, ...]
    intensity: np.ndarray = field(repr=False, compare=False, hash=False)
    description: str = ""
    assumptions: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def n(self) -> int:
        return int(self.intensity.shape[0])

    def for_codes(self, codes: list[str], year: int | None = None) -> np.ndarray:
        """S x len(codes) disruption matrix for flow partner codes."""
        idx = {u: i for i, u in enumerate(self.units)}
        groups = {u: set(reference.expand_group(u, year)) for u in self.units
                  if reference.is_group(u) and u not in ("OTH", "WLD")}
        out = np.zeros((self.n, len(codes)))
        for j, c in enumerate(codes):
            cols = [idx[c]] if c in idx else []
            cols += [idx[g] for g, m in groups.items() if c in m and g != c]
            if cols and c != "OTH":
                out[:, j] = self.intensity[:, cols].max(axis=1)
        return out


def default_scenarios(doctrine, partners: list[str] | None = None, *, n: int = 2000,
                      seed: int = 0, horizon: int = 1, probability: float | None = None,
                      probabilities: dict[str, float] | None = None, intensity: float = 1.0,
                      graph=None) -> Scenarios:
    """Correlated partner disruptions from :func:`equipoise.risk.montecarlo.draw_disruptions`.

    ``partners`` are the flow partner codes to simulate (the doctrine's poles are always
    included; ``OTH`` never is). Probabilities are annual (default
    :data:`~equipoise.risk.montecarlo.DEFAULT_PROBABILITY`) turned into horizon probabilities
    ``1 - (1 - p)^horizon``; the latent correlation comes from shared corridor routes and blocs
    (:func:`~equipoise.risk.montecarlo.correlation_matrix`).
    """
    from ..risk.montecarlo import (
        DEFAULT_PROBABILITY,
        MAX_PARTNERS,
        correlation_matrix,
        draw_disruptions,
    )

    check_scenarios(n, seed)
    if horizon < 1:
        raise OptionError(f"horizon: expecting a whole number of years >= 1. Got {horizon!r}.")
    p_annual = DEFAULT_PROBABILITY if probability is None else float(probability)
    units = list(dict.fromkeys([*doctrine.poles, *(partners or [])]))
    units = [u for u in units if u not in ("OTH", "WLD", doctrine.focal)]
    units = units[:MAX_PARTNERS]
    if graph is None:
        try:
            from ..risk.corridors import load_corridors, load_systems

            graph = load_corridors() if len(load_systems(doctrine.focal)) else None
        except (EquipoiseError, OSError):  # no graph for this focal state
            graph = None
    R, reasons = correlation_matrix(units, graph=graph, focal=doctrine.focal)
    k = len(units)
    ann = {u: float((probabilities or {}).get(u, p_annual)) for u in units}
    probs = {u: 1.0 - (1.0 - q) ** horizon for u, q in ann.items()}
    masks = draw_disruptions(units, runs=int(n), seed=seed, probabilities=probs, correlation=R)
    bits = ((masks[:, None] >> np.arange(k)) & 1).astype(float) * float(intensity)
    return Scenarios(
        units=tuple(units), intensity=bits,
        description=(f"{n:,} correlated disruption scenarios (Gaussian copula over Bernoulli "
                     f"disruptions, equipoise.risk.montecarlo), seed {seed}, horizon {horizon} "
                     f"year(s), intensity {intensity:g}"),
        assumptions={"annual_probability": ann, "horizon_probability": probs,
                     "correlated_pairs": reasons.to_dict("records"), "seed": seed,
                     "horizon": horizon, "intensity": intensity})


# --------------------------------------------------------------------------- request / result

@dataclass(frozen=True)
class PlanRequest:
    """One plan request (immutable, hashable)."""

    horizon: int = 5
    max_shift: float = 0.05
    capacity: float | None = None
    capacities: tuple[tuple[str, str, float], ...] = ()
    alpha: float = 0.95
    scenarios: int = 2000
    seed: int = 0
    domains: tuple[str, ...] | None = None
    roles: bool = True
    critical_share: bool = True
    keep_viable: bool = True
    no_squeeze: bool = True
    strict: bool = False
    #: plan kinds of registered rules left out of the program (beside the four flags above)
    without: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 < self.max_shift <= 1:
            raise OptionError(f"max_shift: expecting a share in (0, 1]. Got {self.max_shift!r}.")
        if not 1 <= int(self.horizon) <= MAX_HORIZON:
            raise OptionError(f"horizon: expecting years from 1 to {MAX_HORIZON}. "
                              f"Got {self.horizon!r}.")
        if not 0.5 <= self.alpha < 1:
            raise OptionError(f"alpha: expecting a level in [0.5, 1). Got {self.alpha!r}.")
        if self.capacity is not None and not 0 <= self.capacity <= 1:
            raise OptionError(f"capacity: expecting a share in 0..1. Got {self.capacity!r}.")
        check_scenarios(self.scenarios, self.seed)
        for d, p, v in self.capacities:
            if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= 1):
                raise OptionError(f"capacity for {d}:{p}: expecting a share in 0..1. Got {v!r}.")

    @property
    def budget(self) -> float:
        return min(1.0, self.max_shift * self.horizon)


@dataclass
class Constraint:
    name: str
    group: str
    kind: str
    domain: str
    slack: float
    marginal: float
    binding: bool
    explanation: str

    def to_dict(self) -> dict:
        return {"name": self.name, "group": self.group, "kind": self.kind,
                "domain": self.domain, "slack": self.slack, "shadow_price": self.marginal,
                "binding": self.binding, "explanation": self.explanation}


@dataclass
class Plan(RichSummary):
    """Result of :func:`plan`: target shares, the CVaR before and after, binding constraints
    with shadow prices, conflicts and relaxed doctrine constraints."""

    focal: str
    request: PlanRequest
    status: str
    shifts: pd.DataFrame
    cvar_before: float
    cvar_after: float
    var_before: float
    var_after: float
    binding: list[Constraint]
    conflicts: list[list[str]]
    relaxed: list[str]
    rules_before: list = field(default_factory=list)
    conflict_reasons: list[str] = field(default_factory=list)
    rules_after: list = field(default_factory=list)
    scenarios: Scenarios | None = None
    solver: dict = field(default_factory=dict)
    domains: dict = field(default_factory=dict)

    @property
    def recommended(self) -> pd.DataFrame:
        """Rows whose share moves by more than 0.0005."""
        return self.shifts[self.shifts["shift"].abs() > 5e-4].reset_index(drop=True)

    def to_dict(self) -> dict:
        def recs(df):
            return df.to_dict("records")

        rb = {r.name: r for r in self.rules_before}
        changed = [{"name": r.name, "passed_before": rb[r.name].passed, "passed_after": r.passed,
                    "margin_before": rb[r.name].margin, "margin_after": r.margin}
                   for r in self.rules_after if r.name in rb and rb[r.name].passed != r.passed]
        return {
            "focal": self.focal, "status": self.status,
            "request": {"horizon": self.request.horizon, "max_shift": self.request.max_shift,
                        "budget": self.request.budget, "alpha": self.request.alpha,
                        "capacity": self.request.capacity, "scenarios": self.request.scenarios,
                        "seed": self.request.seed},
            "cvar_before": self.cvar_before, "cvar_after": self.cvar_after,
            "var_before": self.var_before, "var_after": self.var_after,
            "cvar_reduction": self.cvar_before - self.cvar_after,
            "shifts": recs(self.recommended), "targets": recs(self.shifts),
            "binding": [c.to_dict() for c in self.binding],
            "conflicts": self.conflicts, "conflict_reasons": self.conflict_reasons,
            "relaxed": self.relaxed,
            "rules_changed": changed,
            "rules_after": [r.to_dict() for r in self.rules_after],
            "domains": self.domains,
            "scenarios": {"n": self.scenarios.n if self.scenarios else None,
                          "description": self.scenarios.description if self.scenarios else "",
                          "assumptions": self.scenarios.assumptions if self.scenarios else {}},
            "solver": self.solver,
        }

    def renderables(self) -> list:
        from rich.table import Table

        r = self.request
        out: list = [
            f"Diversification plan for {self.focal}: horizon {r.horizon} years, at most "
            f"{r.max_shift:.0%} of a domain per year (budget {r.budget:.0%} per domain), "
            f"CVaR at {r.alpha:.0%} over {r.scenarios:,} scenarios. Status: {self.status}.",
            f"CVaR {self.cvar_before:.4f} -> {self.cvar_after:.4f} "
            f"({_pct(self.cvar_before, self.cvar_after)}); VaR {self.var_before:.4f} -> "
            f"{self.var_after:.4f}. (Loss = weighted share of the planned domains' flows lost "
            f"after substitution: {', '.join(self.domains)}.)"]
        t = Table(title="Recommended shifts")
        for c in ("domain", "partner", "now", "target", "shift", "capacity"):
            t.add_column(c, justify="left" if c in ("domain", "partner") else "right")
        for x in self.recommended.to_dict("records"):
            t.add_row(x["domain"], x["partner"], f"{x['current']:.3f}", f"{x['target']:.3f}",
                      f"{x['shift']:+.3f}", f"{x['capacity']:.3f}")
        if not len(self.recommended):
            t.add_row("(no shift lowers the CVaR)", "", "", "", "", "")
        out.append(t)
        b = Table(title="Binding constraints and shadow prices")
        b.add_column("constraint")
        b.add_column("shadow price", justify="right")
        b.add_column("meaning", overflow="fold")
        for c in self.binding:
            if c.kind != "sum_to_one":
                b.add_row(c.name, f"{c.marginal:+.5f}", c.explanation)
        out.append(b)
        prices = [c for c in self.binding if c.kind == "sum_to_one"]
        if prices:
            out.append("CVaR price of a unit of share at the margin (duals of the sum-to-one "
                       "rows): " + ", ".join(f"{c.domain} {c.marginal:+.4f}" for c in prices))
        for i, conf in enumerate(self.conflicts):
            why = self.conflict_reasons[i] if i < len(self.conflict_reasons) else ""
            out.append("Conflict (these constraints cannot all hold): " + ", ".join(conf)
                       + (f" - {why}" if why else ""))
        if self.relaxed:
            out.append("Relaxed doctrine constraints: " + ", ".join(self.relaxed))
        rb = {x.name: x for x in self.rules_before}
        ch = [x for x in self.rules_after if x.name in rb and rb[x.name].passed != x.passed]
        if ch:
            out.append("Rules that change state under the plan: " + "; ".join(
                f"{x.name} {'FAIL->pass' if x.passed else 'pass->FAIL'}" for x in ch))
        return out


    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(x['domain'])}</td><td>{html.escape(x['partner'])}"
                       f"</td><td>{x['current']:.3f}</td><td>{x['target']:.3f}</td>"
                       f"<td>{x['shift']:+.3f}</td></tr>"
                       for x in self.recommended.to_dict("records"))
        bind = "".join(f"<tr><td>{html.escape(c.name)}</td><td>{c.marginal:+.5f}</td>"
                       f"<td>{html.escape(c.explanation)}</td></tr>" for c in self.binding)
        return (f"<h4>Plan for {html.escape(self.focal)} ({html.escape(self.status)})</h4>"
                f"<p>CVaR {self.cvar_before:.4f} &rarr; {self.cvar_after:.4f}</p>"
                f"<table><tr><th>domain</th><th>partner</th><th>now</th><th>target</th>"
                f"<th>shift</th></tr>{rows}</table><table><tr><th>constraint</th>"
                f"<th>shadow price</th><th>meaning</th></tr>{bind}</table>")


def _pct(a: float, b: float) -> str:
    return "no change" if a <= 0 else f"{(b - a) / a:+.1%}"


# --------------------------------------------------------------------------- the LP

_Row = PlanRow


def _cvar(losses: np.ndarray, alpha: float) -> tuple[float, float]:
    """Empirical VaR and CVaR of equally likely losses: ``min_z z + E[(L - z)^+] / (1 - a)``
    (Rockafellar & Uryasev 2000), attained at a sample quantile."""
    s = np.sort(np.asarray(losses, dtype=float))
    n = len(s)
    k = min(n - 1, max(0, math.ceil(n * alpha) - 1))
    var = float(s[k])
    cvar = var + float(np.maximum(s - var, 0).sum()) / ((1 - alpha) * n)
    return var, cvar


def solve_cvar_plan(x0: dict[str, dict[str, float]], disruption: dict[str, np.ndarray], *,
                    weights: dict[str, float], substitutability: dict[str, float],
                    budget: float, capacity: dict[str, dict[str, float]],
                    alpha: float = 0.95,
                    roles: dict[str, dict[str, list[str]]] | None = None,
                    critical_cap: dict[str, float] | None = None,
                    keep_viable: dict[str, dict[str, float]] | None = None,
                    squeeze: dict[str, dict] | None = None,
                    strict: bool = False, specs: dict | None = None) -> dict:
    """Solve the CVaR plan on explicit inputs (the engine behind :func:`plan`).

    Parameters
    ----------
    x0
        domain -> partner -> current share (the partners of the program).
    disruption
        domain -> S x P matrix of disruption intensities, columns in ``x0[d]``'s order.
    weights, substitutability
        Per domain; weights are normalised to sum to one.
    budget
        Largest total-variation shift per domain.
    capacity
        domain -> partner -> upper bound on the target share.
    roles
        domain -> {"pole": role pole, "codes": {pole: [codes making up that pole]}}.
    critical_cap
        domain -> cap on every named partner's share (``OTH`` exempt), or domain -> partner ->
        cap.
    keep_viable
        domain -> partner -> lower bound on its share.
    squeeze
        domain -> {"cap": bound, "codes": {pole: [codes]}}: each listed pole's share at most
        ``cap`` (the poles other than the domain's leader).
    strict
        Raise :class:`InfeasiblePlanError` instead of relaxing doctrine constraints.
    specs
        plan kind -> the input of that registered rule's plan rows (what its ``plan_spec``
        returns); ``roles``, ``critical_cap``, ``keep_viable`` and ``squeeze`` are the inputs
        of the shipped rules' kinds ``role``, ``critical_share``, ``keep_viable`` and
        ``no_squeeze``.

    Returns
    -------
    dict with ``x`` (domain -> partner -> target), ``cvar``, ``var``, ``rows`` (binding
    information), ``conflicts``, ``relaxed``, ``status`` and ``solver``.
    """
    import scipy.sparse as sp
    from scipy.optimize import linprog

    domains = list(x0)
    idx: dict[tuple[str, str], int] = {}
    for d in domains:
        for p in x0[d]:
            idx[(d, p)] = len(idx)
    nx = len(idx)
    S = next(iter(disruption.values())).shape[0] if disruption else 0
    # variable layout: x (nx) | u (nx) | v (nx) | zeta (1) | z (S)
    iu, iz0, iz = nx, 3 * nx, 3 * nx + 1
    nvar = 3 * nx + 1 + S
    wsum = sum(weights[d] for d in domains) or 1.0
    c = np.zeros(nvar)
    c[iu:iu + 2 * nx] = EPS_SHIFT
    c[iz0] = 1.0
    c[iz:] = 1.0 / ((1 - alpha) * S)

    # scenario rows: sum_d k_d D_s x - zeta - z_s <= 0
    coef = np.zeros((S, nx))
    for d in domains:
        k = weights[d] / wsum * (1.0 - substitutability[d])
        cols = [idx[(d, p)] for p in x0[d]]
        coef[:, cols] += k * disruption[d]
    scen = sp.hstack([sp.csr_matrix(coef), sp.csr_matrix((S, 2 * nx)),
                      sp.csr_matrix(-np.ones((S, 1))), -sp.identity(S, format="csr")],
                     format="csr") if S else sp.csr_matrix((0, nvar))

    rows = _structural_rows(x0, idx, nx, budget, capacity)
    given = {"role": roles, "critical_share": critical_cap, "keep_viable": keep_viable,
             "no_squeeze": squeeze, **(specs or {})}
    for rule in _rules.plan_rules():
        rows += rule.plan_rows(given.get(rule.plan_kind), x0, idx)

    bounds = [(0, None)] * (3 * nx) + [(None, None)] + [(0, None)] * S

    def build(active_groups: set[str], with_scen: bool):
        return _matrices(rows, active_groups, nvar, scen if with_scen else None)

    def feasible(active: set[str]) -> bool:
        ub, eq, A_ub, b_ub, A_eq, b_eq = build(active, with_scen=False)
        res = linprog(np.zeros(nvar), A_ub=A_ub if len(ub) else None,
                      b_ub=b_ub if len(ub) else None, A_eq=A_eq if len(eq) else None,
                      b_eq=b_eq if len(eq) else None, bounds=bounds, method="highs")
        return res.status == 0

    active, conflicts, reasons, relaxed = _relax(rows, feasible, x0, budget, capacity, strict)
    ub, eq, A_ub, b_ub, A_eq, b_eq = build(active, with_scen=True)
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq,
                  bounds=bounds, method="highs")
    if res.status != 0:  # pragma: no cover - feasibility was established above
        raise InfeasiblePlanError(f"HiGHS: {res.message}", conflicts=sorted(active))
    xv = res.x[:nx]
    x = {d: {p: float(xv[idx[(d, p)]]) for p in x0[d]} for d in domains}
    losses = coef @ xv if S else np.zeros(0)
    losses0 = coef @ np.array([x0[d][p] for (d, p) in idx]) if S else np.zeros(0)
    slack = b_ub - A_ub @ res.x
    marg = res.ineqlin.marginals
    info = [(r, float(slack[S + k]), float(marg[S + k])) for k, r in enumerate(ub)]
    info += [(r, 0.0, float(res.eqlin.marginals[k])) for k, r in enumerate(eq)
             if r.kind == "sum_to_one"]
    return {"x": x, "losses": losses, "losses_before": losses0, "objective": float(res.fun),
            "zeta": float(res.x[iz0]), "rows": info, "conflicts": conflicts,
            "conflict_reasons": reasons,
            "relaxed": relaxed, "status": "optimal" if not relaxed else "optimal (relaxed)",
            "solver": {"method": "highs", "status": int(res.status), "message": res.message,
                       "iterations": int(getattr(res, "nit", 0)), "variables": nvar,
                       "inequalities": int(A_ub.shape[0]), "equalities": int(A_eq.shape[0])}}


def _structural_rows(x0: dict, idx: dict, nx: int, budget: float,
                     capacity: dict) -> list[_Row]:
    """The rows every plan has: the split ``x - u + v = x0``, shares summing to one, the
    shift budget and the partners' capacities, domain by domain."""
    iu, iv = nx, 2 * nx
    rows: list[_Row] = []
    for d in x0:
        ps = list(x0[d])
        # x - u + v = x0
        for p in ps:
            i = idx[(d, p)]
            rows.append(_Row(f"split:{d}:{p}", f"split:{d}", "split", d,
                             {i: 1.0, iu + i: -1.0, iv + i: 1.0}, x0[d][p], eq=True))
        rows.append(_Row(f"sum_to_one:{d}", f"sum_to_one:{d}", "sum_to_one", d,
                         {idx[(d, p)]: 1.0 for p in ps}, float(sum(x0[d].values())), eq=True))
        co = {}
        for p in ps:
            co[iu + idx[(d, p)]] = 0.5
            co[iv + idx[(d, p)]] = 0.5
        rows.append(_Row(f"shift_budget:{d}", f"shift_budget:{d}", "shift_budget", d, co, budget))
        for p in ps:
            cap = capacity.get(d, {}).get(p, 1.0)
            if cap < 1.0 - 1e-12:
                rows.append(_Row(f"capacity:{d}:{p}", f"capacity:{d}", "capacity", d,
                                 {idx[(d, p)]: 1.0}, cap))
    return rows


def _matrices(rows: list[_Row], active: set[str], nvar: int, scen=None):
    """The program's matrices over the rows of the ``active`` groups (split rows always), the
    scenario rows ``scen`` on top of the inequalities when given."""
    import scipy.sparse as sp

    act = [r for r in rows if r.group in active or r.kind == "split"]
    ub = [r for r in act if not r.eq]
    eq = [r for r in act if r.eq]

    def mat(rs):
        ii, jj, vv = [], [], []
        for k, r in enumerate(rs):
            for j, v in r.coefs.items():
                ii.append(k)
                jj.append(j)
                vv.append(v)
        return sp.csr_matrix((vv, (ii, jj)), shape=(len(rs), nvar))

    A_ub = mat(ub)
    b_ub = np.array([r.rhs for r in ub])
    if scen is not None:
        A_ub = sp.vstack([scen, A_ub], format="csr")
        b_ub = np.concatenate([np.zeros(scen.shape[0]), b_ub])
    return ub, eq, A_ub, b_ub, mat(eq), np.array([r.rhs for r in eq])


def _relax(rows: list[_Row], feasible, x0: dict, budget: float, capacity: dict,
           strict: bool) -> tuple[set[str], list[list[str]], list[str], list[str]]:
    """While the groups cannot all hold: find an irreducible infeasible subset (the deletion
    filter of Chinneck & Dravnieks 1991), name it, drop its doctrine group of lowest relaxation
    priority. Returns the active groups, the conflicts, their reasons and the groups dropped."""
    groups = list(dict.fromkeys(r.group for r in rows if r.kind != "split"))
    priority = soft_priority()
    soft = {g for g in groups if g.split(":")[0] in priority}
    active = set(groups)
    conflicts: list[list[str]] = []
    reasons: list[str] = []
    relaxed: list[str] = []
    while not feasible(active):
        # drop each group whose removal keeps the set infeasible; what remains is an IIS
        iis = set(active)
        for g in sorted(active, key=lambda g: (g not in soft, g)):
            if not feasible(iis - {g}):
                iis.discard(g)
        conflict = sorted(iis)
        conflicts.append(conflict)
        why = _diagnose(conflict, rows, x0, budget, capacity)
        reasons.append(why)
        cand = [g for g in conflict if g in soft]
        if strict or not cand:
            raise InfeasiblePlanError(
                "the plan's constraints cannot all hold; conflicting constraint groups: "
                + ", ".join(conflict) + (" (all are hard limits: shares, shift budget, "
                                         "capacity)" if not cand else "") + f". {why}",
                conflicts=conflict)
        drop = min(cand, key=lambda g: (priority.index(g.split(":")[0]), g))
        active.discard(drop)
        relaxed.append(drop)
    return active, conflicts, reasons, relaxed


def _diagnose(conflict: list[str], rows: list[_Row], x0: dict, budget: float,
              capacity: dict) -> str:
    """A sentence on why a conflicting set of constraint groups cannot hold together (each
    rule's own :meth:`~equipoise.doctrine.rules.Rule.diagnose`; capacity here)."""
    by_kind = {r.plan_kind: r for r in _rules.plan_rules()}
    out = []
    for g in conflict:
        kind = g.partition(":")[0]
        d = g.rsplit(":", 1)[-1]
        if d not in x0:
            continue
        if kind in by_kind:
            out += by_kind[kind].diagnose(g, rows, x0, budget)
        elif kind == "capacity":
            tot = sum(min(capacity.get(d, {}).get(p, 1.0), 1.0) for p in x0[d])
            if tot < sum(x0[d].values()) - 1e-9:
                out.append(f"the capacities of {d} add up to {tot:.3f}, less than the whole "
                           "domain")
    return "; ".join(dict.fromkeys(out)) or "These constraint groups cannot all hold together."


def _explain(r: _Row, slack: float, marginal: float) -> str:
    per = -marginal * 0.01
    gain = f"{abs(per):.5f}"
    if r.kind == "shift_budget":
        return (f"The shift budget of {r.domain} is used up: allowing 0.01 more of {r.domain} to "
                f"move over the horizon would lower the CVaR by about {gain}.")
    if r.kind == "capacity" and r.name.endswith(":OTH"):
        return (f"The unnamed rest of the world (OTH) cannot be targeted by policy, so its share "
                f"of {r.domain} cannot grow; if it could take 0.01 more, the CVaR would fall by "
                f"about {gain}.")
    if r.kind == "capacity":
        p = r.name.split(":")[2]
        return (f"{p} cannot absorb more of {r.domain}: 0.01 more capacity for {p} would lower "
                f"the CVaR by about {gain}.")
    if r.kind == "sum_to_one":
        return (f"Shares of {r.domain} add up to one; the dual value {marginal:+.5f} is the "
                f"CVaR price of a unit of {r.domain} share at the margin.")
    for rule in _rules.plan_rules():
        if rule.plan_kind == r.kind:
            return rule.explain(r, gain, marginal)
    return f"dual value {marginal:+.5f}"


# --------------------------------------------------------------------------- front door

def _wanted(req: PlanRequest, rule) -> bool:
    """Whether ``rule``'s plan rows go into the program: its PlanRequest flag (``roles``,
    ``critical_share``, ``keep_viable``, ``no_squeeze``) and not listed in ``without``."""
    flag = getattr(req, rule.plan_toggle) if rule.plan_toggle else True
    return bool(flag) and rule.plan_kind not in req.without


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
    for d in ds:
        r = a.domains[d]
        codes = list(r.shares)
        D = scenarios.for_codes(codes, r.year)
        k = doctrine.weight(d) / wsum * (1 - doctrine.substitutability(d))
        loss += k * (D @ np.array([r.shares[c] for c in codes]))
    var, cvar = _cvar(loss, alpha)
    return {"alpha": alpha, "var": var, "cvar": cvar, "mean": float(loss.mean()),
            "scenarios": scenarios.n, "domains": ds}


def plan(flows=None, *, doctrine=None, focal: str | None = None, year: int | None = None,
         horizon: int = 5, max_shift: float = 0.05, capacity: float | None = None,
         capacities: dict[tuple[str, str], float] | None = None, alpha: float = 0.95,
         n_scenarios: int = 2000, seed: int = 0, domains: list[str] | None = None,
         roles: bool = True, critical_share: bool = True, keep_viable: bool = True,
         no_squeeze: bool = True, strict: bool = False, scenarios: Scenarios | None = None,
         assessment=None, without: tuple[str, ...] = ()) -> Plan:
    """Choose target partner shares per domain that minimise the CVaR of the disruption loss.

    Parameters
    ----------
    flows, doctrine, focal, year
        As in :func:`equipoise.assess`.
    horizon
        Years over which the shares can move (default 5).
    max_shift
        Share of a domain that can move per year, in total variation (default 0.05): the budget
        is ``min(1, max_shift * horizon)``.
    capacity
        How much any one partner's share may grow over the horizon (default half the budget);
        ``capacities`` overrides it per ``(domain, partner)`` with an absolute cap.
    alpha
        CVaR level (default 0.95).
    n_scenarios, seed, scenarios
        Monte Carlo scenarios (or an explicit :class:`Scenarios`).
    domains
        Domains to plan (default: the doctrine's critical and functional domains with data).
    roles, critical_share, keep_viable, no_squeeze
        Include these doctrine constraints (applied when feasible, see the module docstring).
    without
        Plan kinds of other registered rules to leave out
        (:func:`equipoise.doctrine.rules.plan_rules`).
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
    constraint sets in linear programs. ORSA Journal on Computing 3(2), 157-168.
    """
    from ..assessment import assess
    from .model import Doctrine, load_doctrine, with_focal

    req = PlanRequest(horizon=int(horizon), max_shift=float(max_shift), capacity=capacity,
                      capacities=tuple(sorted((d, p, float(v)) for (d, p), v in
                                              (capacities or {}).items())),
                      alpha=float(alpha), scenarios=int(n_scenarios), seed=int(seed),
                      domains=tuple(domains) if domains else None, roles=roles,
                      critical_share=critical_share, keep_viable=keep_viable,
                      no_squeeze=no_squeeze, strict=strict, without=tuple(without))
    if assessment is None:
        if not isinstance(doctrine, Doctrine):
            doctrine = load_doctrine(doctrine, focal=focal)
        elif focal and focal != doctrine.focal:
            doctrine = with_focal(doctrine, focal)
        if flows is None:
            from ..datasets import load_default

            flows = load_default(doctrine.focal)
        assessment = assess(flows, focal=doctrine.focal, year=year, doctrine=doctrine)
    a = assessment
    doctrine = a.doctrine
    ds = _plan_domains(a, doctrine, list(req.domains) if req.domains else None)
    if not ds:
        raise OptionError(f"{a.focal}: no domain with data to plan")
    B = req.budget
    cap_step = B / 2 if req.capacity is None else req.capacity
    x0 = _current_shares(a, ds)
    partners = sorted({p for d in ds for p in x0[d]} - {"OTH"},
                      key=lambda p: -max(x0[d].get(p, 0.0) for d in ds))
    if scenarios is None:
        scenarios = default_scenarios(doctrine, partners, n=req.scenarios, seed=req.seed,
                                      horizon=req.horizon)
    disruption = {d: scenarios.for_codes(list(x0[d]), a.domains[d].year) for d in ds}
    caps = _capacities(x0, cap_step, req.capacities)
    ctx = PlanContext(a, ds, x0, lambda q, d: _codes_of(q, list(x0[d]), a.domains[d].year))
    specs = {r.plan_kind: r.plan_spec(ctx) for r in _rules.plan_rules() if _wanted(req, r)}
    sol = solve_cvar_plan(
        x0, disruption, weights={d: doctrine.weight(d) for d in ds},
        substitutability={d: doctrine.substitutability(d) for d in ds}, budget=B,
        capacity=caps, alpha=req.alpha, strict=req.strict, specs=specs)
    recs = []
    for d in ds:
        for p, s0 in x0[d].items():
            s1 = sol["x"][d][p]
            recs.append({"domain": d, "partner": p, "current": s0, "target": s1,
                         "shift": s1 - s0, "capacity": caps[d][p]})
    shifts = pd.DataFrame(recs)
    var0, cvar0 = _cvar(sol["losses_before"], req.alpha)
    var1, cvar1 = _cvar(sol["losses"], req.alpha)
    binding = sorted((Constraint(r.name, r.group, r.kind, r.domain, slack, m, True,
                                 _explain(r, slack, m))
                      for r, slack, m in sol["rows"]
                      if abs(m) > 1e-7 and (r.kind == "sum_to_one" or slack <= 1e-7)),
                     key=lambda c: (c.kind == "sum_to_one", -abs(c.marginal)))
    after = _planned_rules(a, {d: {p: v for p, v in sol["x"][d].items() if v > 1e-9}
                               for d in ds})
    return Plan(focal=a.focal, request=req, status=sol["status"], shifts=shifts,
                cvar_before=cvar0, cvar_after=cvar1, var_before=var0, var_after=var1,
                binding=binding, conflicts=sol["conflicts"], relaxed=sol["relaxed"],
                conflict_reasons=sol["conflict_reasons"],
                rules_before=list(a.rules), rules_after=after, scenarios=scenarios,
                solver={**sol["solver"], "objective": sol["objective"], "zeta": sol["zeta"]},
                domains={d: {"year": a.domains[d].year, "weight": doctrine.weight(d),
                             "substitutability": doctrine.substitutability(d)} for d in ds})


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


def _capacities(x0: dict, cap_step: float, given) -> dict[str, dict[str, float]]:
    """Each partner's cap: its share plus ``cap_step`` (at most 1; OTH cannot grow), then the
    ``(domain, partner, cap)`` overrides, each of a planned domain and partner."""
    ds = list(x0)
    caps = {d: {p: (s if p == "OTH" else min(1.0, s + cap_step)) for p, s in x0[d].items()}
            for d in ds}
    for d, p, v in given:
        if d not in caps or p not in caps[d]:
            known = sorted(caps[d]) if d in caps else []
            raise OptionError(f"capacity for {d}:{p}: not a planned domain and partner; "
                              f"domains planned: {ds}" + (f"; partners in {d}: {known}"
                                                          if known else ""))
        caps[d][p] = float(v)
    return caps


def _planned_rules(a, planned: dict[str, dict[str, float]]) -> list:
    """The doctrine's rules with the planned shares put in place of the current ones.

    The critical-dependency screen also looks at each indicator of a domain; the plan sets
    domain shares, so each indicator's top partner is moved in proportion to that partner's
    planned change in the domain (stated in the screen row's ``basis``)."""
    import copy
    from dataclasses import replace

    from ..measures.concentration import effective_partners, hhi, hhi_normalised
    from ..measures.distinctness import (
        leaders,
        normalised_mutual_information,
        pole_matrix,
        squeezed,
    )
    from .rules import check_rules

    b = copy.copy(a)
    doms = dict(a.domains)
    t = a.doctrine.thresholds
    for d, shares in planned.items():
        r = doms[d]
        named = {p: s for p, s in shares.items() if p != "OTH" and s > 0}
        h = hhi(named.values()) if named else float("nan")
        top = max(named.items(), key=lambda kv: kv[1], default=(None, 0.0))
        # the per-indicator screen: each indicator's top partner moves in proportion to its
        # planned change in the domain (an approximation: the plan sets domain shares)
        screen = []
        for row in getattr(r, "screen", None) or []:
            if row.get("indicator") == "(domain composite)":
                screen.append({**row, "partner": top[0], "share": float(top[1])})
                continue
            p0 = r.shares.get(row["partner"], 0.0)
            ratio = shares.get(row["partner"], 0.0) / p0 if p0 > 0 else 1.0
            screen.append({**row, "share": min(1.0, float(row["share"]) * ratio),
                           "basis": f"{row.get('basis')}, scaled by the plan"})
        if not screen:
            screen = [{"indicator": "(domain composite)", "year": r.year, "partner": top[0],
                       "share": float(top[1]), "basis": "weighted mean"}]
        worst = max(screen, key=lambda x: x["share"])
        low = r.substitutability <= t.low_substitutability
        extra = {}
        if hasattr(r, "screen_share"):
            extra = {"screen": screen, "screen_share": float(worst["share"]),
                     "critical_items": [x for x in screen if x["share"] >= t.critical_share]
                     if low else []}
        doms[d] = replace(
            r, shares=dict(sorted(shares.items(), key=lambda kv: -kv[1])), hhi=h,
            hhi_10000=h * 1e4, hhi_normalised=hhi_normalised(h, len(named)),
            hhi_upper=hhi(shares.values()), effective_partners=effective_partners(h),
            n_partners=len(named), top_partner=top[0], top_share=float(top[1]),
            critical=bool(worst["share"] >= t.critical_share and low), **extra)
    b.domains = doms
    years = {d: r.year for d, r in doms.items()}
    functional = [d for d in doms if d in a.doctrine.domains.functional]
    pm = pole_matrix({d: doms[d].shares for d in functional}, years, a.doctrine.poles)
    lead = leaders(pm)
    mat = np.array([[pm[d][p] for d in pm] for p in a.doctrine.poles]) if pm else np.zeros((0, 0))
    b.distinctness = {**a.distinctness, "leaders": lead, "pole_shares": pm,
                      "domains_led": {p: sum(1 for v in lead.values() if v == p)
                                      for p in a.doctrine.poles},
                      "squeezed": squeezed(pm, t.squeeze_share),
                      "specialisation_nmi": normalised_mutual_information(mat) if mat.size
                      else float("nan")}
    return check_rules(b)
