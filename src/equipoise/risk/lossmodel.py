"""The loss model, written once: how a domain's shares-model loss and its corridor-model loss
combine, and which flow systems of the corridor graph give a domain its corridor loss.

``loss_model`` chooses ``"shares"`` (share times one minus substitutability, the shares model),
``"corridors"`` (the corridor model wherever a domain has a usable corridor system: the mean over
its systems of the fraction of max flow lost, times the intensity) or ``"max"`` (the larger of
the two; the corridor loss where the shares model has no number). :func:`~.shocks.shock` (one
partner), the Monte Carlo engine and its reference loop (every scenario) all use
:func:`combine_losses` and :func:`corridor_domain_loss`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

__all__ = ["DEFAULT_LOSS_MODEL", "LossModel", "combine_losses", "corridor_domain_loss",
           "corridor_wins", "describe_loss_model", "usable_systems"]

LossModel = Literal["shares", "corridors", "max"]

#: The one default loss model of every output (``shock``, ``simulate``, ``run``'s shocks.json and
#: simulation.json, the dashboard and the report). ``"max"``: a domain loses the larger of its
#: shares-model loss (share lost after substitution) and its corridor-model loss (the part of the
#: max flow of its corridor systems lost with the partner's nodes removed). Keohane & Nye's
#: vulnerability is the cost of the alternatives, substitution *and* re-routing (METHODS.md,
#: "Interdependence": "substitution, re-routing, corridor max-flow"); the shares model alone
#: counts a transit state with no trade row (Russia for the corridors domain) as no loss, the
#: corridor model alone ignores every domain without a corridor graph. Without a corridor graph,
#: ``"max"`` is the shares model (said so in :func:`describe_loss_model`). See docs/methods.md.
DEFAULT_LOSS_MODEL: LossModel = "max"

_MODEL_TEXT = {
    "shares": "shares: loss = intensity x share x (1 - substitutability)",
    "corridors": "corridors: loss = intensity x fraction of the corridor max flow lost "
                 "(shares model where a domain has no corridor system)",
    "max": "max: per domain the larger of the shares model (intensity x share x "
           "(1 - substitutability)) and the corridor model (fraction of max flow lost)",
}


def describe_loss_model(loss_model: str, corridor_domains=None) -> str:
    """One line naming ``loss_model`` and its formula, and which domains have a corridor loss
    (``corridor_domains``: None or empty = no corridor graph, so the shares model throughout).
    Every risk output carries it (``loss_model_description``)."""
    text = _MODEL_TEXT.get(loss_model, loss_model)
    if loss_model == "shares":
        return text
    if not corridor_domains:
        return text + "; no corridor graph or system: the shares model in every domain"
    return text + "; corridor model in " + ", ".join(sorted(corridor_domains))


def corridor_wins(shares_loss, corridor_loss, loss_model: str):
    """Where the corridor model's loss is the domain's loss (a bool, or a bool array for
    arrays): always with ``"corridors"``, never with ``"shares"``, and with ``"max"`` where it
    is larger than the shares-model loss or that loss is NaN (no data)."""
    if isinstance(shares_loss, float) and isinstance(corridor_loss, float):  # one scenario
        return loss_model == "corridors" or (loss_model == "max" and (
            shares_loss != shares_loss or corridor_loss > shares_loss))
    shape = np.broadcast(shares_loss, corridor_loss).shape
    if loss_model == "corridors":
        return np.ones(shape, dtype=bool)
    if loss_model == "shares":
        return np.zeros(shape, dtype=bool)
    return np.isnan(shares_loss) | (corridor_loss > shares_loss)


def combine_losses(shares_loss, corridor_loss, loss_model: str):
    """A domain's loss under ``loss_model`` from its shares-model and corridor-model losses
    (floats, or arrays over scenarios): the corridor loss where :func:`corridor_wins`, else the
    shares-model loss. With ``"max"`` this is the larger of the two."""
    wins = corridor_wins(shares_loss, corridor_loss, loss_model)
    if isinstance(wins, bool):
        return corridor_loss if wins else shares_loss
    return np.where(wins, corridor_loss, shares_loss)


def corridor_domain_loss(tables: Sequence, masks, intensity: float):
    """A domain's corridor-model loss: the mean over its systems' loss tables
    (:class:`~equipoise.risk.corridors.CorridorLossTable`) of the fraction of max flow lost with
    the disrupted partners' nodes removed, times ``intensity``. ``masks`` is one scenario's
    bitmask (an int; a float is returned) or an array of them (an array is returned)."""
    if isinstance(masks, (int, np.integer)):
        return sum(t.loss(int(masks)) for t in tables) / len(tables) * intensity
    cl = tables[0].losses(masks) if len(tables) == 1 else \
        np.mean([t.losses(masks) for t in tables], axis=0)
    return cl * intensity


def usable_systems(graph, domains: Sequence[str]) -> list[tuple[str, Any, list[str]]]:
    """``(domain, system, sinks)`` for each flow system ``graph`` carries
    (:func:`~equipoise.risk.corridors.systems_of`: the shipped ones of the shipped graph, those
    :func:`equipoise.context.resolve_corridors` resolved for a user's) in ``domains`` (in their
    order) whose source and sinks all are nodes of ``graph``; ``system`` is the table's row.
    The systems are the graph's, never looked up by focal state."""
    from .corridors import systems_of

    systems = systems_of(graph)
    out = []
    for d in domains:
        for s in systems[systems["domain"] == d].itertuples(index=False):
            sinks = s.sinks.split(";")
            if s.source in graph.country_of and all(k in graph.country_of for k in sinks):
                out.append((d, s, sinks))
    return out
