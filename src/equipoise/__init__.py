"""equipoise: make a state's multi-vector foreign policy measurable and operational.

The front door::

    import equipoise as eq
    flows = eq.load_default()            # the embedded Kazakhstan dataset
    result = eq.assess(flows, focal="KAZ")
    print(result.summary())

Heavy parts (Ibis, Spark, the optimiser, plotting, the web stack) load on first use, so
``import equipoise`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> "module:attribute" (module relative to this package); imported on first use.
_LAZY: dict[str, str] = {
    "read_flows": "io.flows:read_flows",
    "validate_frame": "io.flows:validate_frame",
    "FlowSet": "io.flows:FlowSet",
    "load_default": "context:load_default",
    "default_sources": "context:load_sources",
    "default_events": "context:load_events",
    "context": "context",
    "assess": "assessment:assess",
    "Assessment": "assessment:Assessment",
    "exposure_matrix": "measures.exposure:exposure_matrix",
    "domain_shares": "measures.exposure:domain_shares",
    "hhi": "measures.concentration:hhi",
    "load_doctrine": "doctrine.model:load_doctrine",
    "Doctrine": "doctrine.model:Doctrine",
    "check": "assessment:check",
    "DoctrineCheck": "doctrine.check:DoctrineCheck",
    "evaluate": "assessment:evaluate",
    "Evaluation": "doctrine.actions:Evaluation",
    "Action": "doctrine.actions:Action",
    "load_action": "doctrine.actions:load_action",
    "plan": "assessment:plan",
    "Plan": "doctrine.plan:Plan",
    "reference": "reference",
    "errors": "errors",
    "screen": "context:screen",
    "warehouse": "warehouse",
    "build_report": "present.report:build_report",
    "create_app": "present.web:create_app",
    "read_votes": "sources.unvotes:read_votes",
    "read_idealpoints": "sources.idealpoints:read_idealpoints",
    "alignment": "measures.alignment:alignment",
    "alignment_summary": "measures.alignment:alignment_summary",
    "bloc_report": "measures.blocs:bloc_report",
    "read_events": "io.events:read_events",
    "engagement_balance": "context:engagement_balance",
    "extract_events": "extract:extract_events",
    "shock": "risk.shocks:shock",
    "ShockRequest": "risk.shocks:ShockRequest",
    "load_corridors": "risk.corridors:load_corridors",
    "analyse_corridors": "risk.corridors:analyse_corridors",
    "SimulationRequest": "risk.montecarlo:SimulationRequest",
    "run_simulation": "risk.montecarlo:run_simulation",
    "risk": "risk",
}

# deprecated name -> its clear name. They meant other things than the same names in eq.risk
# (eq.simulate was the request runner, eq.risk.simulate the engine), so they are not public:
# not in __all__ or dir(), and each use warns (DeprecationWarning) naming the clear name.
_DEPRECATED: dict[str, tuple[str, str]] = {
    "simulate": ("run_simulation", "the request runner; the Monte Carlo engine is "
                                   "eq.risk.simulate_losses"),
    "corridors": ("analyse_corridors", "max flow, min cut, removals, contingencies"),
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:  # not cached in globals(): every use warns
        import warnings

        new, what = _DEPRECATED[name]
        warnings.warn(f"eq.{name} is deprecated; use eq.{new} ({what})", DeprecationWarning,
                      stacklevel=2)
        return __getattr__(new)
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'equipoise' has no attribute {name!r}")
    mod_name, _, attr = target.partition(":")
    module = importlib.import_module(f"{__name__}.{mod_name}")
    value = getattr(module, attr) if attr else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
