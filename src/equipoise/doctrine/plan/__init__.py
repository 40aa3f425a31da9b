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
:class:`~equipoise.errors.InfeasiblePlanError` instead. ``without`` (``--without KIND``) leaves
the plan rows of the named rules out altogether (:func:`without_kinds`).

Shadow prices are HiGHS's dual values (``res.ineqlin.marginals``): the change of the optimal
CVaR per unit of a constraint's right-hand side, reported per 0.01 of share and explained in
words for every binding constraint.

Corridor (max-flow) losses are not linear in shares and are left out of the program; the
evaluation of actions reports them.

The package, one room each: :mod:`~equipoise.doctrine.plan.model` (the limits, the scenarios,
the request and the result), :mod:`~equipoise.doctrine.plan.scenarios` (the default correlated
scenarios), :mod:`~equipoise.doctrine.plan.constraints` (one class per kind of row: the
structural ones and, through the rule registry, each doctrine rule's plan rows),
:mod:`~equipoise.doctrine.plan.lp` (the program's assembly, relaxation and solve) and
:mod:`~equipoise.doctrine.plan.planner` (the front door, :func:`plan`).
"""

from __future__ import annotations

from ..rules.role import ROLE_LEAD
from .constraints import diagnose as _diagnose
from .constraints import explain as _explain
from .constraints import soft_priority
from .lp import EPS_SHIFT, solve_cvar_plan
from .lp import cvar as _cvar
from .model import (
    MAX_HORIZON,
    MAX_SCENARIOS,
    MAX_SEED,
    MIN_SCENARIOS,
    Constraint,
    Plan,
    PlanRequest,
    Scenarios,
    check_scenarios,
    without_kinds,
)
from .planner import plan, plan_request, portfolio_risk
from .scenarios import default_scenarios

__all__ = ["EPS_SHIFT", "MAX_HORIZON", "MAX_SCENARIOS", "MAX_SEED", "MIN_SCENARIOS",
           "ROLE_LEAD", "Constraint", "Plan", "PlanRequest", "Scenarios", "check_scenarios",
           "default_scenarios", "plan", "plan_request", "portfolio_risk", "soft_priority",
           "solve_cvar_plan", "without_kinds"]

# the names of the single module this package replaced, kept for their callers
_ = (_cvar, _diagnose, _explain)
