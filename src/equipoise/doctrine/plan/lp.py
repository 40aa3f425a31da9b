"""The plan's linear program: its assembly (variables, the CVaR objective, the scenario rows
and the rows of every constraint kind), the relaxation of infeasible doctrine groups, and the
solve with HiGHS (:func:`scipy.optimize.linprog`).

Variable layout: ``x`` (the target shares, one per domain and partner) | ``u`` | ``v`` (the
shift up and down) | ``zeta`` (the VaR) | ``z`` (one excess loss per scenario).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...errors import InfeasiblePlanError
from .constraints import RuleRows, diagnose, kinds, soft_priority, structural_rows

__all__ = ["EPS_SHIFT", "Program", "cvar", "solve_cvar_plan"]

#: Weight of the total shift in the objective: ties go to the smallest move.
EPS_SHIFT = 1e-6


def cvar(losses: np.ndarray, alpha: float) -> tuple[float, float]:
    """Empirical VaR and CVaR of equally likely losses: ``min_z z + E[(L - z)^+] / (1 - a)``
    (Rockafellar & Uryasev 2000), attained at a sample quantile."""
    s = np.sort(np.asarray(losses, dtype=float))
    n = len(s)
    k = min(n - 1, max(0, math.ceil(n * alpha) - 1))
    var = float(s[k])
    return var, var + float(np.maximum(s - var, 0).sum()) / ((1 - alpha) * n)


@dataclass
class Program:
    """The assembled program: column of each share ``idx[(domain, partner)]``, the objective
    ``c``, the scenario loss coefficients ``coef`` (S x nx) and their rows ``scen``, the
    constraint rows and the variable bounds."""

    x0: dict
    idx: dict
    nx: int
    S: int
    c: np.ndarray
    coef: np.ndarray
    scen: object
    rows: list
    bounds: list

    @property
    def nvar(self) -> int:
        return 3 * self.nx + 1 + self.S

    def matrices(self, active: set[str], with_scen: bool):
        return _matrices(self.rows, active, self.nvar, self.scen if with_scen else None)


def solve_cvar_plan(x0: dict[str, dict[str, float]], disruption: dict[str, np.ndarray], *,
                    weights: dict[str, float], substitutability: dict[str, float],
                    budget: float, capacity: dict[str, dict[str, float]],
                    alpha: float = 0.95, strict: bool = False, specs: dict | None = None,
                    **deprecated) -> dict:
    """Solve the CVaR plan on explicit inputs (the engine behind :func:`plan`).

    Parameters
    ----------
    x0
        domain -> partner -> current share (the partners of the program).
    disruption
        domain -> S x P matrix of disruption intensities, columns in ``x0[d]``'s order.
    weights, substitutability
        Per domain; weights are normalised to sum to one. A domain's substitutability is one
        number or partner -> number (the loss of a partner's share is ``1 - sigma_{d,p}``).
    budget
        Largest total-variation shift per domain.
    capacity
        domain -> partner -> upper bound on the target share.
    strict
        Raise :class:`InfeasiblePlanError` instead of relaxing doctrine constraints.
    specs
        plan kind -> the input of that registered rule's plan rows (what its ``plan_spec``
        returns; for the shipped rules ``role``: domain -> {"pole", "codes"},
        ``critical_share``: domain -> cap or domain -> partner -> cap, ``OTH`` exempt,
        ``keep_viable``: domain -> partner -> lower bound, ``no_squeeze``: domain ->
        {"cap", "codes"}). A plan kind left out gives no rows; the rows come from the loop
        over the registry's kinds (:func:`~equipoise.doctrine.plan.constraints.kinds`).
    **deprecated
        The former rule-named arguments ``roles``, ``critical_cap``, ``keep_viable``,
        ``squeeze`` (DeprecationWarning), the inputs of ``role``, ``critical_share``,
        ``keep_viable`` and ``no_squeeze``; ``specs`` overrides them.

    Returns
    -------
    dict with ``x`` (domain -> partner -> target), ``losses`` and ``losses_before``,
    ``objective``, ``zeta``, ``rows`` (binding information), ``conflicts``, ``relaxed``,
    ``status`` and ``solver``.
    """
    from ._compat import legacy_specs

    given = {**legacy_specs(deprecated), **(specs or {})}
    prog = assemble(x0, disruption, weights=weights, substitutability=substitutability,
                    budget=budget, capacity=capacity, alpha=alpha, given=given)
    active, conflicts, reasons, relaxed = _relax(
        prog.rows, lambda act: _feasible(prog, act), x0, budget, capacity, strict)
    return _optimum(prog, active, conflicts, reasons, relaxed)


def assemble(x0: dict, disruption: dict, *, weights: dict, substitutability: dict,
             budget: float, capacity: dict, alpha: float, given: dict) -> Program:
    """The program: objective ``zeta + sum z / ((1 - a) S) + eps sum (u + v)``, the scenario
    rows ``sum_d k_d D_s x - zeta - z_s <= 0`` and the rows of every constraint kind."""
    import scipy.sparse as sp

    idx: dict[tuple[str, str], int] = {}
    for d in x0:
        for p in x0[d]:
            idx[(d, p)] = len(idx)
    nx = len(idx)
    S = next(iter(disruption.values())).shape[0] if disruption else 0
    nvar = 3 * nx + 1 + S
    c = np.zeros(nvar)
    c[nx:3 * nx] = EPS_SHIFT
    c[3 * nx] = 1.0
    c[3 * nx + 1:] = 1.0 / ((1 - alpha) * S)
    wsum = sum(weights[d] for d in x0) or 1.0
    coef = np.zeros((S, nx))
    for d in x0:
        sig = substitutability[d]  # one number for the domain, or partner -> number
        keep = np.array([1.0 - (sig[p] if isinstance(sig, dict) else sig) for p in x0[d]])
        coef[:, [idx[(d, p)] for p in x0[d]]] += weights[d] / wsum * disruption[d] * keep
    scen = sp.hstack([sp.csr_matrix(coef), sp.csr_matrix((S, 2 * nx)),
                      sp.csr_matrix(-np.ones((S, 1))), -sp.identity(S, format="csr")],
                     format="csr") if S else sp.csr_matrix((0, nvar))
    rows = structural_rows(x0, idx, nx, budget, capacity)
    for k in kinds():
        if isinstance(k, RuleRows):
            rows += k.rows_of(given.get(k.kind), x0, idx)
    bounds = [(0, None)] * (3 * nx) + [(None, None)] + [(0, None)] * S
    return Program(x0, idx, nx, S, c, coef, scen, rows, bounds)


def _feasible(prog: Program, active: set[str]) -> bool:
    """Whether the rows of the ``active`` groups can hold together (scenario rows left out)."""
    from scipy.optimize import linprog

    ub, eq, A_ub, b_ub, A_eq, b_eq = prog.matrices(active, with_scen=False)
    res = linprog(np.zeros(prog.nvar), A_ub=A_ub if len(ub) else None,
                  b_ub=b_ub if len(ub) else None, A_eq=A_eq if len(eq) else None,
                  b_eq=b_eq if len(eq) else None, bounds=prog.bounds, method="highs")
    return res.status == 0


def _optimum(prog: Program, active: set[str], conflicts, reasons, relaxed) -> dict:
    """Solve the program over the ``active`` groups and read off the targets, the losses
    before and after, and each row's slack and dual value."""
    from scipy.optimize import linprog

    ub, eq, A_ub, b_ub, A_eq, b_eq = prog.matrices(active, with_scen=True)
    res = linprog(prog.c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq,
                  bounds=prog.bounds, method="highs")
    if res.status != 0:  # pragma: no cover - feasibility was established above
        raise InfeasiblePlanError(f"HiGHS: {res.message}", conflicts=sorted(active))
    S, x0, idx = prog.S, prog.x0, prog.idx
    xv = res.x[:prog.nx]
    x = {d: {p: float(xv[idx[(d, p)]]) for p in x0[d]} for d in x0}
    slack = b_ub - A_ub @ res.x
    marg = res.ineqlin.marginals
    info = [(r, float(slack[S + k]), float(marg[S + k])) for k, r in enumerate(ub)]
    info += [(r, 0.0, float(res.eqlin.marginals[k])) for k, r in enumerate(eq)
             if r.kind == "sum_to_one"]
    return {"x": x, "losses": prog.coef @ xv if S else np.zeros(0),
            "losses_before": prog.coef @ np.array([x0[d][p] for (d, p) in idx]) if S
            else np.zeros(0),
            "objective": float(res.fun), "zeta": float(res.x[3 * prog.nx]), "rows": info,
            "conflicts": conflicts, "conflict_reasons": reasons, "relaxed": relaxed,
            "status": "optimal" if not relaxed else "optimal (relaxed)",
            "solver": {"method": "highs", "status": int(res.status), "message": res.message,
                       "iterations": int(getattr(res, "nit", 0)), "variables": prog.nvar,
                       "inequalities": int(A_ub.shape[0]), "equalities": int(A_eq.shape[0])}}


def _matrices(rows: list, active: set[str], nvar: int, scen=None):
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


def _relax(rows: list, feasible, x0: dict, budget: float, capacity: dict,
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
        why = diagnose(conflict, rows, x0, budget, capacity)
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
