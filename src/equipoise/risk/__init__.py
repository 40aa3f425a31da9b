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

Former names, kept working: ``analyse`` (= :func:`analyse_corridors`), ``simulate``
(= :func:`simulate_losses`, the engine) and ``run_request`` (= :func:`run_simulation`).
How a domain's shares-model and corridor-model losses combine is written once, in
:mod:`equipoise.risk.lossmodel`.
"""

from __future__ import annotations

from .corridors import (
    CorridorGraph,
    CorridorLossTable,
    CorridorResult,
    analyse,
    analyse_corridors,
    corridor_loss,
    load_corridors,
    load_systems,
    max_flow,
)
from .lossmodel import DEFAULT_LOSS_MODEL, combine_losses
from .montecarlo import (
    SimulationRequest,
    SimulationResult,
    correlation_matrix,
    draw_disruptions,
    probability_table,
    run_request,
    run_simulation,
    sensitivity_table,
    simulate,
    simulate_loop,
    simulate_losses,
)
from .shocks import (
    ShockRequest,
    ShockResult,
    default_substitutability,
    default_weights,
    loss_matrix,
    shock,
    substitutability_from_screen,
)

__all__ = [
    "DEFAULT_LOSS_MODEL",
    "CorridorGraph",
    "CorridorLossTable",
    "CorridorResult",
    "ShockRequest",
    "ShockResult",
    "SimulationRequest",
    "SimulationResult",
    "analyse",
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
    "run_request",
    "run_simulation",
    "sensitivity_table",
    "shock",
    "simulate",
    "simulate_loop",
    "simulate_losses",
    "substitutability_from_screen",
]
