"""Monte Carlo of correlated partner disruptions: loss distribution, VaR and CVaR.

Modules (each name is also importable from here):

==================  ==========================================================================
:mod:`.request`     :class:`SimulationRequest`: the settings, checked field by field
:mod:`.draws`       :func:`correlation_matrix`, :func:`draw_disruptions` (the one public draw
                    function: the scenarios' disrupted partners as bitmasks)
:mod:`.engine`      :func:`simulate_losses` (deprecated name ``simulate``): draws, losses, risk
:mod:`.statistics`  VaR/CVaR, batch-means standard errors, order-statistic intervals, drivers
:mod:`.result`      :class:`SimulationResult`
:mod:`.run`         :func:`run_simulation` (deprecated: ``run_request``): a request on shares
:mod:`.loop`        :func:`simulate_loop`: the per-scenario reference loop
:mod:`.sensitivity` where the probabilities and correlations come from
                    (:func:`probability_table`) and :func:`sensitivity_table` over them
==================  ==========================================================================

How a domain's shares-model and corridor-model losses combine is written once, in
:mod:`equipoise.risk.lossmodel`.

Model
-----
Partner ``p`` is disrupted in a scenario when a latent standard normal ``X_p`` falls below
``Phi^{-1}(pi_p)``, with ``pi_p`` its disruption probability. The latent vector is Gaussian with
correlation matrix ``R`` (a Gaussian copula over Bernoulli marginals; Li 2000, "On default
correlation: a copula function approach", J. Fixed Income 9(4)). By default
``R_pq = max(rho_corridor * [p and q share a corridor route], rho_bloc * [p and q share a bloc])``:
partners on one route of the corridor graph (CPC: Russia; Middle Corridor: Azerbaijan, Georgia,
Turkey) or in one economic union or alliance (EU27, EAEU, CSTO, NATO) are disrupted together more
often. ``R`` is repaired to the nearest positive-definite correlation matrix by eigenvalue
clipping when needed (Higham 2002 gives the exact nearest one; clipping is the usual first step).

Loss per scenario: with ``D`` the n x k matrix of disruption indicators and ``L`` the partner x
domain loss matrix of :func:`~equipoise.risk.shocks.loss_matrix` (share times one minus
substitutability), the shares-model domain loss is ``min(1, i * D @ L)``. For domains with a
corridor system the corridor model gives ``i * (1 - maxflow(G - V_D) / maxflow(G))`` for the set
of disrupted partners ``V_D`` (solved once per distinct set); ``loss_model="max"`` takes the larger
of the two. The total is ``loss @ w / sum(w)`` with the doctrine's domain weights.

Risk measures at level ``a`` (0.95, 0.99) on the total and per domain:

* ``VaR_a`` = the ``ceil(n a)``-th order statistic of the losses;
* ``CVaR_a = VaR_a + E[(L - VaR_a)^+] / (1 - a)`` (Rockafellar & Uryasev 2000, 2002), which is
  never below ``VaR_a``, also when the loss has atoms;
* standard errors by batch means (sectioning: the runs are cut into ``B`` equal batches, the
  estimator is computed in each, ``se = sd / sqrt(B)``; Asmussen & Glynn 2007, *Stochastic
  Simulation*, III.5; Glasserman 2004, *Monte Carlo Methods in Financial Engineering*, 9.1), and
  for VaR also a distribution-free order-statistic interval (the binomial/normal approximation
  of the ranks ``n a +- z sqrt(n a (1 - a))``; Serfling 1980, 2.6).

Tail drivers: over the ``ceil(n (1 - a))`` worst scenarios, each partner's disruption frequency
against its frequency in all scenarios (lift), and its share of the tail's shares-model loss.

Scenarios are drawn in chunks; chunk ``j`` uses its own ``SFC64`` streams (Chris Doty-Humphrey's
Small Fast Chaotic generator, passes BigCrush/PractRand; about 16 % faster than PCG64 for the
normals that dominate the cost here) spawned from
``SeedSequence(seed)`` (one for the latent normals of partners correlated with another, one for
the uniforms of independent partners, whose Bernoulli draws need no normal), so a seed and chunk
size reproduce the same numbers, whatever the number of threads.

The engine keeps only a bitmask per scenario (up to 16 partners): the normals are combined by
the Cholesky factor in one small matrix product per block of scenarios, compared with the
thresholds into one row of indicators per partner, and eight partners' rows are packed into a
byte per scenario with word-wide shifts (eight scenarios per 64-bit word) and a 256-entry table.
The latent variables are the per-scenario loop's sums of products up to the last bit (BLAS
may order or fuse the multiply-adds differently): a scenario's disruptions could only differ
from the loop's if a latent variable lay within about 1e-16 of its threshold.
"""

from __future__ import annotations

from ._checks import (
    BLOC_KINDS,
    DEFAULT_CHUNK,
    DEFAULT_PROBABILITY,
    DEFAULT_RHO_BLOC,
    DEFAULT_RHO_CORRIDOR,
    LUT_MAX_PARTNERS,
    MAX_BATCHES,
    MAX_CHUNK,
    MAX_LEVELS,
    MAX_PARTNERS,
    MAX_RUNS,
    MAX_RUNS_MANY_PARTNERS,
    MAX_SEED,
    MAX_WORKERS,
    Correlation,
    check_runs,
    check_seed,
)

# (the underscored names are the former single module's, which tests and the benchmark import
# from here)
from .draws import (  # noqa: F401
    _blocs,
    _child_seeds,
    _draw,
    _draw_plan,
    _nearest_pd,
    _pack,
    _Scratch,
    correlation_matrix,
    draw_disruptions,
)
from .engine import (
    _prepare,  # noqa: F401
    simulate_losses,
)
from .loop import simulate_loop
from .request import SimulationRequest
from .result import SimulationResult
from .run import build_tables, default_partners, run_simulation
from .sensitivity import format_sensitivity, probability_table, sensitivity_table
from .statistics import _cvar, _hist_stats, _kth, _n_batches, _risk_stats, _var_cvar  # noqa: F401

# former name -> (clear name, what it is); documented in 0.1.0 as equipoise.risk.montecarlo.*.
# Not in __all__; each use warns (not cached in globals()), as eq.simulate does.
_DEPRECATED = {
    "simulate": ("simulate_losses", "the Monte Carlo engine, a loss matrix in; the request "
                                    "runner is run_simulation"),
    "run_request": ("run_simulation", "runs a SimulationRequest on a shares table"),
}

__all__ = [
    "BLOC_KINDS",
    "DEFAULT_CHUNK",
    "DEFAULT_PROBABILITY",
    "DEFAULT_RHO_BLOC",
    "DEFAULT_RHO_CORRIDOR",
    "LUT_MAX_PARTNERS",
    "MAX_BATCHES",
    "MAX_CHUNK",
    "MAX_LEVELS",
    "MAX_PARTNERS",
    "MAX_RUNS",
    "MAX_RUNS_MANY_PARTNERS",
    "MAX_SEED",
    "MAX_WORKERS",
    "Correlation",
    "SimulationRequest",
    "SimulationResult",
    "build_tables",
    "check_runs",
    "check_seed",
    "correlation_matrix",
    "default_partners",
    "draw_disruptions",
    "format_sensitivity",
    "probability_table",
    "run_simulation",
    "sensitivity_table",
    "simulate_loop",
    "simulate_losses",
]


def __getattr__(name: str):
    if name in _DEPRECATED:
        import warnings

        new, what = _DEPRECATED[name]
        warnings.warn(f"{__name__}.{name} is deprecated; use {__name__}.{new} ({what})",
                      DeprecationWarning, stacklevel=2)
        return globals()[new]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
