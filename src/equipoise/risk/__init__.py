"""Risk: partner-disruption shocks, corridor max-flow / min-cut, correlated Monte Carlo.

Shares measure *sensitivity*; this package measures *vulnerability* (Keohane & Nye 1977): what
a partner's cut-off costs after substitution and re-routing, and how likely such losses are.

==========================  ================================================================
:func:`shock`               loss per domain and in total for one :class:`ShockRequest`
:func:`load_corridors`      the shipped corridor graph of a focal state, or a user's CSV pair
:func:`analyse`             max flow, min cut, country removal, n-1 / n-2 contingencies
:func:`corridor_loss`       fraction of max flow lost without some countries' nodes
:func:`simulate`            correlated disruptions, loss distribution, VaR / CVaR, tail drivers
==========================  ================================================================
"""

from __future__ import annotations

from .corridors import (
    CorridorGraph,
    CorridorLossTable,
    CorridorResult,
    analyse,
    corridor_loss,
    load_corridors,
    load_systems,
    max_flow,
)
from .montecarlo import (
    SimulationRequest,
    SimulationResult,
    correlation_matrix,
    run_request,
    simulate,
    simulate_loop,
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
    "CorridorGraph",
    "CorridorLossTable",
    "CorridorResult",
    "ShockRequest",
    "ShockResult",
    "SimulationRequest",
    "SimulationResult",
    "analyse",
    "correlation_matrix",
    "corridor_loss",
    "default_substitutability",
    "default_weights",
    "load_corridors",
    "load_systems",
    "loss_matrix",
    "max_flow",
    "run_request",
    "shock",
    "simulate",
    "simulate_loop",
    "substitutability_from_screen",
]
