"""Running a :class:`~.request.SimulationRequest` on a shares table: the loss matrix, the
partners, the correlation of their disruptions, the corridor loss tables of the graph's
flow systems, then the engine (:func:`run_simulation`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from ...errors import InputError
from ..lossmodel import usable_systems
from ..shocks import NON_PARTNERS
from .draws import correlation_matrix
from .engine import simulate_losses
from .request import SimulationRequest
from .result import SimulationResult

__all__ = ["build_tables", "default_partners", "run_simulation"]


def default_partners(shares: pd.DataFrame, n: int = 15) -> list[str]:
    """The ``n`` partners with the largest share in any domain (OTH and WLD excluded)."""
    s = shares[~shares["partner"].isin(NON_PARTNERS)]
    top = s.groupby("partner")["share"].max().sort_values(ascending=False)
    return list(top.index[:n])


def build_tables(graph, focal: str, partners: Iterable[str], domains: Iterable[str]):
    """Corridor loss tables per domain from the flow systems the graph carries."""
    from ..corridors import CorridorLossTable

    out: dict[str, list] = {}
    ps = list(partners)
    for d, s, sinks in usable_systems(graph, list(domains)):
        out.setdefault(d, []).append(CorridorLossTable(graph, s.source, sinks, ps))
    return out


def run_simulation(shares: pd.DataFrame, request: SimulationRequest, *, graph=None,
                   doctrine=None, substitutability: Mapping[str, float] | None = None,
                   weights: Mapping[str, float] | None = None,
                   progress: bool = False,
                   measured: Mapping[str, tuple[float, str]] | None = None
                   ) -> SimulationResult:
    """Run a :class:`SimulationRequest` on a shares table (and a corridor graph).

    Builds the loss matrix (:func:`~equipoise.risk.shocks.loss_matrix`), picks the partners,
    builds the correlation from ``graph`` routes and blocs, the corridor loss tables of the
    graph's flow systems, and calls the engine
    (:func:`~.engine.simulate_losses`). The former name ``run_request`` is deprecated.

    Substitutability per domain comes from :func:`~equipoise.risk.shocks.substitutability_table`
    (the same as :func:`~equipoise.risk.shocks.shock`): the documented default, the
    assessment's measure (``measured``: :func:`~equipoise.risk.shocks.assessed_substitutability`)
    and the ``substitutability`` overrides; the result names the basis of each domain
    (``assumptions.substitutability`` in ``to_dict``).
    """
    from ..shocks import (
        _check_shares,
        check_weights,
        default_weights,
        loss_matrix,
        substitutability_table,
    )

    s = _check_shares(shares)
    partners = list(request.partners) if request.partners else default_partners(
        s, request.max_partners)
    if not partners:
        raise InputError(f"{request.focal}: no partners in the shares table to simulate")
    sub = substitutability_table(doctrine, measured=measured, overrides=substitutability)
    # where the measure depends on who is cut off: each partner's own (overrides still win)
    each = {k: substitutability_table(doctrine, measured=measured, overrides=substitutability,
                                      partner=k[1])[k[0]]
            for k in (measured or {}) if isinstance(k, tuple) and k[1] in partners}
    L = loss_matrix(s, sub, partners=partners, by_partner={k: v for k, (v, _) in each.items()})
    w = default_weights(doctrine)
    w.update(dict(weights or {}))
    check_weights(w)
    R = reasons = None
    if request.correlation == "copula":
        R, reasons = correlation_matrix(partners, graph=graph, rho_corridor=request.rho_corridor,
                                        rho_bloc=request.rho_bloc, focal=request.focal)
    tables = None
    if graph is not None and request.loss_model != "shares":
        tables = build_tables(graph, request.focal, partners, L.columns)
    res = simulate_losses(L, runs=int(request.runs), seed=request.seed,
                           probabilities=dict(request.probabilities), correlation=R, weights=w,
                           corridor_tables=tables, intensity=request.intensity,
                           loss_model=request.loss_model,
                           default_probability=request.default_probability,
                           levels=request.levels, chunk_size=request.chunk_size,
                           batches=request.batches, progress=progress, request=request,
                           correlation_reasons=reasons, focal=request.focal)
    res.substitutability = {d: sub.get(d, (0.5, "fallback 0.5: domain not in the domains table"))
                            for d in L.columns}
    res.substitutability_by_partner = {k: v for k, v in each.items() if k[0] in L.columns}
    return res
