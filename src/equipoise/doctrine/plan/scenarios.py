"""The default scenarios of a plan or an evaluation: correlated partner disruptions from the
Monte Carlo of :mod:`equipoise.risk.montecarlo`."""

from __future__ import annotations

import numpy as np

from ..._results import fmt_number, fmt_sig
from ...errors import OptionError
from .model import Scenarios, check_scenarios

__all__ = ["default_scenarios"]


def default_scenarios(doctrine, partners: list[str] | None = None, *, n: int = 2000,
                      seed: int = 0, horizon: int = 1, probability: float | None = None,
                      probabilities: dict[str, float] | None = None, intensity: float = 1.0,
                      graph=None) -> Scenarios:
    """Correlated partner disruptions from :func:`equipoise.risk.montecarlo.draw_disruptions`.

    ``partners`` are the flow partner codes to simulate (the doctrine's poles are always
    included; ``OTH`` never is). Probabilities are annual (default
    :data:`~equipoise.risk.montecarlo.DEFAULT_PROBABILITY`) turned into horizon probabilities
    ``1 - (1 - p)^horizon``; the latent correlation comes from shared corridor routes and blocs
    (:func:`~equipoise.risk.montecarlo.correlation_matrix`) on ``graph``, the corridor graph of
    the run (the assessment's, :attr:`equipoise.scorecard.Basis.corridors`); None: blocs only.
    """
    from ...risk.montecarlo import (
        DEFAULT_PROBABILITY,
        MAX_PARTNERS,
        correlation_matrix,
        draw_disruptions,
    )

    check_scenarios(n, seed)
    if horizon < 1:
        raise OptionError(f"horizon: expecting a whole number of years >= 1. Got {horizon!r}.")
    p_annual = DEFAULT_PROBABILITY if probability is None else float(probability)
    units = list(dict.fromkeys([*doctrine.poles, *(partners or [])]))
    units = [u for u in units if u not in ("OTH", "WLD", doctrine.focal)]
    units = units[:MAX_PARTNERS]
    R, reasons = correlation_matrix(units, graph=graph, focal=doctrine.focal)
    k = len(units)
    ann = {u: float((probabilities or {}).get(u, p_annual)) for u in units}
    probs = {u: 1.0 - (1.0 - q) ** horizon for u, q in ann.items()}
    masks = draw_disruptions(units, runs=int(n), seed=seed, probabilities=probs, correlation=R)
    bits = ((masks[:, None] >> np.arange(k)) & 1).astype(float) * float(intensity)
    return Scenarios(
        units=tuple(units), intensity=bits,
        description=(f"{fmt_number(n)} correlated disruption scenarios (Gaussian copula over Bernoulli "
                     f"disruptions, equipoise.risk.montecarlo), seed {seed}, horizon {horizon} "
                     f"year(s), intensity {fmt_sig(intensity, 6, thousands=False)}"),
        assumptions={"annual_probability": ann, "horizon_probability": probs,
                     "correlated_pairs": reasons.to_dict("records"), "seed": seed,
                     "horizon": horizon, "intensity": intensity})
