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
    "load_default": "datasets:load_default",
    "default_sources": "datasets:load_sources",
    "assess": "assessment:assess",
    "Assessment": "assessment:Assessment",
    "exposure_matrix": "measures.exposure:exposure_matrix",
    "domain_shares": "measures.exposure:domain_shares",
    "hhi": "measures.concentration:hhi",
    "load_doctrine": "doctrine.model:load_doctrine",
    "Doctrine": "doctrine.model:Doctrine",
    "reference": "reference",
    "errors": "errors",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
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
