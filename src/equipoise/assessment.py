"""The functional-balance assessment of one focal state: concentration and critical dependency
per domain, functional distinctness, equidistance, predictability, and the doctrine's rules.

The front door of the analysis: :func:`assess` (measure the flows and check the doctrine's
rules, :func:`equipoise.doctrine.check.assess`) and its result, the typed, immutable
:class:`Assessment` (:mod:`equipoise.scorecard`, which the doctrine package reads and which
knows nothing of it). The parts import one way: ``assessment`` -> ``doctrine`` ->
``scorecard`` -> ``measures``.
"""

from __future__ import annotations

from .doctrine.check import assess
from .scorecard import (
    EVIDENCE_SAMPLE,
    Assessment,
    Basis,
    Blocs,
    Check,
    Distinctness,
    DomainResult,
    Engagement,
    Equidistance,
    display_path,
    reference_evidence,
)

__all__ = ["EVIDENCE_SAMPLE", "Assessment", "Basis", "Blocs", "Check", "Distinctness",
           "DomainResult", "Engagement", "Equidistance", "assess", "display_path",
           "reference_evidence"]
