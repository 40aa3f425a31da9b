"""Risk: partner-disruption shocks, corridor max-flow / min-cut, correlated Monte Carlo.

Shares measure *sensitivity*; this package measures *vulnerability* (Keohane & Nye 1977): what
a partner's cut-off costs after substitution and re-routing, and how likely such losses are.

==========================  ================================================================
:func:`shock`               loss per domain and in total for one :class:`ShockRequest`
:func:`load_corridors`      the shipped corridor graph of a focal state, or a user's CSV pair
:func:`analyse_corridors`   max flow, min cut, country removal, n-1 / n-2 contingencies
:func:`corridor_loss`       fraction of max flow lost without some countries' nodes
:func:`draw_disruptions`    correlated partner disruptions as scenario bitmasks
:func:`simulate_losses`     the Monte Carlo engine: losses of the disruptions, VaR / CVaR,
                            tail drivers (from a loss matrix)
:func:`run_simulation`      a :class:`SimulationRequest` on a shares table, through the engine
:func:`sensitivity_table`   the total's VaR / CVaR over disruption probabilities x correlations
==========================  ================================================================

Deprecated names (not in ``__all__``; each use warns with a :class:`DeprecationWarning`
naming the clear name): ``analyse`` (:func:`analyse_corridors`), ``simulate``
(:func:`simulate_losses`, the engine; ``eq.simulate`` was the request runner) and
``run_request`` (:func:`run_simulation`).
How a domain's shares-model and corridor-model losses combine is written once, in
:mod:`equipoise.risk.lossmodel`.
"""

from __future__ import annotations

import importlib
from typing import Any

# The names load on first use (PEP 562): ``assess`` reads only ``risk.corridors`` (the corridor
# graph's substitutability) and need not import the Monte Carlo and the shocks with it.
_WHERE = {
    **dict.fromkeys(("CorridorGraph", "CorridorLossTable", "CorridorResult",
                     "analyse_corridors", "corridor_loss", "load_corridors", "load_systems",
                     "max_flow"), "corridors"),
    **dict.fromkeys(("DEFAULT_LOSS_MODEL", "combine_losses"), "lossmodel"),
    **dict.fromkeys(("SimulationRequest", "SimulationResult", "correlation_matrix",
                     "draw_disruptions", "probability_table", "run_simulation",
                     "sensitivity_table", "simulate_loop", "simulate_losses"),
                    "montecarlo"),
    **dict.fromkeys(("ShockRequest", "ShockResult", "default_substitutability",
                     "default_weights", "loss_matrix", "shock", "substitutability_from_screen"),
                    "shocks"),
}

# deprecated name -> (clear name, what it is): ambiguous next to eq.simulate / eq.corridors
_DEPRECATED = {
    "analyse": ("analyse_corridors", "max flow, min cut, removals, contingencies"),
    "simulate": ("simulate_losses", "the Monte Carlo engine, a loss matrix in; the request "
                                    "runner is run_simulation"),
    "run_request": ("run_simulation", "runs a SimulationRequest on a shares table"),
}

__all__ = [
    "DEFAULT_LOSS_MODEL",
    "CorridorGraph",
    "CorridorLossTable",
    "CorridorResult",
    "ShockRequest",
    "ShockResult",
    "SimulationRequest",
    "SimulationResult",
    "analyse_corridors",
    "combine_losses",
    "correlation_matrix",
    "corridor_loss",
    "default_substitutability",
    "default_weights",
    "draw_disruptions",
    "load_corridors",
    "load_systems",
    "loss_matrix",
    "max_flow",
    "probability_table",
    "run_simulation",
    "sensitivity_table",
    "shock",
    "simulate_loop",
    "simulate_losses",
    "substitutability_from_screen",
]


def __getattr__(name: str) -> Any:
    if name in ("corridors", "lossmodel", "montecarlo", "shocks"):  # the submodules themselves
        return importlib.import_module(f"{__name__}.{name}")
    if name in _DEPRECATED:  # not cached in globals(): every use warns
        import warnings

        new, what = _DEPRECATED[name]
        warnings.warn(f"equipoise.risk.{name} is deprecated; use equipoise.risk.{new} ({what})",
                      DeprecationWarning, stacklevel=2)
        return __getattr__(new)
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
