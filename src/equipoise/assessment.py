"""The front door of the analysis: :func:`assess`, :func:`check`, :func:`plan` and
:func:`evaluate` (``eq.assess``, ``eq.check``, ``eq.plan``, ``eq.evaluate``), and the typed,
immutable :class:`Assessment` with its records.

Each front door resolves its inputs in one place,
:func:`equipoise.context.resolve_analysis` (a doctrine, a TOML path or None for the shipped
one; a ``focal`` override, validated; the flows given or the embedded dataset of the focal
state), and hands the doctrine layer (:mod:`equipoise.doctrine`) a
:class:`~equipoise.doctrine.model.Doctrine` and flows: the doctrine takes data, never paths or
defaults. The parts import one way: ``assessment`` -> ``context`` -> ``doctrine`` ->
``scorecard`` -> ``measures``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from . import context
from ._results import WrappedResult
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

if TYPE_CHECKING:  # pragma: no cover
    from .doctrine.actions import Action, Evaluation
    from .doctrine.check import DoctrineCheck
    from .doctrine.plan import Plan

__all__ = ["EVIDENCE_SAMPLE", "Assessment", "Basis", "Blocs", "Check", "Distinctness",
           "DomainResult", "Engagement", "Equidistance", "RiskBasis", "SimulationRun", "assess",
           "check", "display_path", "evaluate", "plan", "reference_evidence", "risk_basis",
           "shock_run", "simulate_run"]


def assess(flows=None, *, focal: str | None = None, year: int | None = None, doctrine=None,
           weights: Mapping[str, float] | None = None, votes=None, engagement: bool = True,
           events=None, idealpoints=None, peers=None,
           products=None, corridors=None) -> Assessment:
    """Assess a focal state's relations against its doctrine of functional balance.

    Parameters
    ----------
    flows
        A :class:`~equipoise.io.flows.FlowSet` or canonical flows DataFrame; the embedded
        dataset of the focal state (Kazakhstan by default) when None.
    focal
        ISO3 code; the doctrine's focal state when None. Another state than the doctrine's is
        validated (one of the doctrine's poles is refused with a
        :class:`~equipoise.errors.DoctrineError`).
    year
        One year for every domain; None uses each domain's latest year with data (stated in
        ``notes``).
    doctrine
        A :class:`~equipoise.doctrine.model.Doctrine`, a path to a TOML file, or None for the
        shipped default (applied to ``focal`` if another state is given).
    weights
        Indicator weights overriding the indicators table.
    votes
        UN General Assembly roll calls (a file or folder in the unvotes or Voeten layout, or a
        ``VoteSet``). With them, equidistance is computed from the roll calls with bootstrap
        intervals (:func:`equipoise.measures.alignment.assessment_equidistance`); without them,
        from the ``political.unga.agreement`` rows of the flows.
    engagement, events
        Add the engagement balance across poles (visits, agreements, agreement value) from
        ``events`` (a ledger CSV or DataFrame; default: the embedded ledger of the focal state,
        where one exists).
    peers
        The world panel's rule measures of every state
        (:class:`~equipoise.measures.peer_panel.PeerPanel`, from
        :func:`equipoise.context.resolve_peer_panel`): percentile thresholds
        (``hhi = "p50 of all states"``) are resolved from it and verdicts placed among peers
        (``percentile``, ``peers``, ``peer_year``); without it a percentile threshold gives an
        insufficient verdict (``no_peer_data``).
    products
        The focal state's product screen records (:func:`equipoise.measures.screen.screen`,
        e.g. from a warehouse: :func:`equipoise.context.product_screen_source`): the trade
        domain's substitutability is then read from them (the import-weighted share outside
        critical products); without them, the number of viable alternative partners, labelled
        as the fallback.
    corridors
        The corridor graph (:class:`~equipoise.risk.corridors.CorridorGraph`, e.g.
        :func:`equipoise.context.resolve_corridors` or ``eq.load_corridors(nodes, edges)``)
        whose alternative capacity without a partner gives the substitutability of corridors
        and energy (:func:`~equipoise.doctrine.rules.critical.graph_substitutability`); the
        plan of this assessment draws its correlated scenarios on it too. None: the shipped
        graph of the focal state, where one ships.

    Returns
    -------
    Assessment
        Immutable; ``with_shares``, ``with_flows`` and ``with_blocs`` give new ones, checked
        again.
    """
    from .doctrine import check as _check

    the_doctrine, flows = context.resolve_analysis(flows, doctrine=doctrine, focal=focal)
    corridors = context.resolve_corridors(the_doctrine.focal, graph=corridors)
    if engagement and events is None:  # the focal state's embedded ledger, where one exists
        events = context.event_set_or_none(the_doctrine.focal)
    return _check.assess(flows, doctrine=the_doctrine, year=year, weights=weights,
                         votes=votes, engagement=engagement, events=events,
                         idealpoints=idealpoints, peers=peers, products=products,
                         corridors=corridors, grades=context.source_grades())


def check(flows=None, *, doctrine=None, focal: str | None = None, year: int | None = None,
          assessment=None, votes=None, idealpoints=None, peers=None,
          products=None, corridors=None) -> DoctrineCheck:
    """Check every rule of the doctrine against the focal state's data.

    Parameters
    ----------
    flows
        A :class:`~equipoise.io.flows.FlowSet` or canonical flows DataFrame (the embedded
        dataset of the focal state when None).
    doctrine
        A :class:`~equipoise.doctrine.model.Doctrine`, a TOML path, or None for the default.
    focal
        ISO3 code (default: the doctrine's), validated as for :func:`assess`.
    year
        One year for every domain (default: each domain's latest year with data).
    assessment
        An existing :class:`Assessment` to check instead of computing one (``flows``, when
        given, the flows it was computed from, give the source rows).
    votes, idealpoints
        UN roll calls (and BSV ideal points) for equidistance, as in :func:`assess`.
    peers
        The world panel's peer measures, as in :func:`assess`.
    products
        The product screen's records of the focal state (the goods substitutability), as in
        :func:`assess`.
    corridors
        The corridor graph (the substitutability of corridors and energy), as in
        :func:`assess`.

    Returns
    -------
    DoctrineCheck
        Every rule with ``passed``, ``margin`` (positive = room to spare) and ``evidence``
        (the compared numbers and the canonical source rows behind them).

    Notes
    -----
    The rules read the doctrine of operational functional balance: no critical dependency
    (IW Koeln >= 50 % from one supplier with low substitutability), concentration (HHI, EU 2021
    / CEPII GeoDep 0.4), roles, convergence (most domains led by one pole), squeeze, Kuik's
    fallback (viable partners per critical domain), equidistance, predictability and no camp.
    """
    from .doctrine import check as _check

    if assessment is not None:
        return _check.check(flows, assessment=assessment)
    the_doctrine, flows = context.resolve_analysis(flows, doctrine=doctrine, focal=focal)
    corridors = context.resolve_corridors(the_doctrine.focal, graph=corridors)
    return _check.check(flows, doctrine=the_doctrine, year=year, votes=votes,
                        idealpoints=idealpoints, peers=peers, products=products,
                        corridors=corridors, grades=context.source_grades())


def plan(flows=None, *, doctrine=None, focal: str | None = None, assessment=None,
         **options: Any) -> Plan:
    """Target partner shares per domain that minimise the CVaR of the disruption loss
    (:func:`equipoise.doctrine.plan.plan`, whose parameters ``options`` are: ``year``,
    ``horizon``, ``max_shift``, ``capacity``, ``capacities``, ``supply``, ``alpha``,
    ``n_scenarios``, ``seed``, ``scenarios``, ``domains``, ``without`` (the kinds of the rules
    whose plan rows are left out, e.g. ``("role",)``; the former booleans ``roles``,
    ``critical_share``, ``keep_viable``, ``no_squeeze`` are deprecated), ``strict``,
    ``corridors``: the corridor graph, default the shipped graph of the focal state, as in
    :func:`assess`).

    ``flows``, ``doctrine`` and ``focal`` as in :func:`assess`; with ``assessment`` (an
    :class:`Assessment`) the plan starts from it and they are not read.
    """
    from .doctrine.plan import plan as _plan

    if assessment is not None:
        return _plan(assessment=assessment, **options)
    the_doctrine, flows = context.resolve_analysis(flows, doctrine=doctrine, focal=focal)
    options["corridors"] = context.resolve_corridors(the_doctrine.focal,
                                                     graph=options.get("corridors"))
    return _plan(flows, doctrine=the_doctrine, grades=context.source_grades(), **options)


def evaluate(action: Action | str | Path, flows=None, *, doctrine=None,
             focal: str | None = None, year: int | None = None, n_scenarios: int = 2000,
             seed: int = 0, corridors=None, peers=None, products=None) -> Evaluation:
    """Evaluate a proposed initiative before it is taken: the assessment, the partner shocks,
    the Monte Carlo VaR/CVaR, the corridor max flows and the doctrine's rules before and after
    (:func:`equipoise.doctrine.actions.evaluate`).

    Parameters
    ----------
    action
        An :class:`~equipoise.doctrine.actions.Action`, or a path to an action TOML file (or a
        shipped example's name).
    flows
        Flows (default: the embedded dataset of the focal state).
    doctrine
        A doctrine, a TOML path or None for the default.
    focal
        ISO3 code (default: the action's, else the doctrine's), validated as for
        :func:`assess`.
    year
        One year for every domain (default: each domain's latest).
    n_scenarios, seed
        Monte Carlo scenarios for the VaR / CVaR (the same scenarios before and after).
    corridors
        A corridor graph (default: the shipped graph when the focal state has one,
        :func:`equipoise.context.resolve_corridors`).
    peers, products
        As for :func:`assess`; the same before and after.

    Returns
    -------
    Evaluation
    """
    from .doctrine.actions import Action, load_action
    from .doctrine.actions import evaluate as _evaluate
    from .doctrine.plan import check_scenarios

    check_scenarios(n_scenarios, seed)
    if not isinstance(action, Action):
        action = load_action(action)
    the_doctrine, flows = context.resolve_analysis(flows, doctrine=doctrine,
                                                   focal=focal or action.focal)
    corridors = context.resolve_corridors(the_doctrine.focal, graph=corridors)
    return _evaluate(action, flows, doctrine=the_doctrine, corridors=corridors,
                     events=context.events_or_none(the_doctrine.focal), year=year,
                     n_scenarios=n_scenarios, seed=seed, peers=peers, products=products,
                     grades=context.source_grades())


# --------------------------------------------------------------------------- risk runs
@dataclass(frozen=True)
class RiskBasis:
    """What a shock and a simulation run on, composed once (:func:`risk_basis`) for
    ``equipoise shock``/``simulate``, ``equipoise run`` and the dashboard alike.

    ``shares`` the focal state's domain shares; ``doctrine`` the doctrine (None: none fits the
    focal state, the documented default weights); ``measured`` the substitutability the
    assessment of the flows measured (:func:`~equipoise.risk.shocks.assessed_substitutability`;
    None for a given shares table or without a doctrine: the documented defaults, labelled
    so); ``corridors`` the corridor graph (:func:`equipoise.context.resolve_corridors`; None:
    shares-only losses)."""

    focal: str
    shares: Any
    doctrine: Any = None
    measured: Mapping | None = None
    corridors: Any = None


def _risk_doctrine(doctrine, focal: str):
    """The doctrine given (a Doctrine or TOML path: its errors raised, located), else the
    shipped one applied to ``focal``, or None when it does not fit ``focal`` (e.g. ``focal``
    is one of its poles)."""
    from .errors import DoctrineError

    if doctrine is not None:
        return context.resolve_doctrine(doctrine, focal)
    shipped = context.resolve_doctrine(None)  # a broken shipped file: its located error
    try:
        return context.resolve_doctrine(shipped, focal)
    except DoctrineError:  # the shipped doctrine does not fit this focal state
        return None


def risk_basis(flows=None, *, focal: str | None = None, shares=None, doctrine=None,
               year: int | None = None, corridors=None, assessment=None, peers=None,
               products=None) -> RiskBasis:
    """The shares, doctrine, measured substitutability and corridor graph of a shock or a
    simulation: flows -> domain shares -> the assessment -> its measured substitutability,
    on the graph :func:`equipoise.context.resolve_corridors` gives.

    Parameters
    ----------
    flows
        A ``FlowSet``/canonical DataFrame or flow file paths (default: the embedded dataset of
        ``focal``); not read when ``shares`` is given.
    focal
        ISO3 code (default: the assessment's, else :data:`equipoise.context.DEFAULT_FOCAL`).
    shares
        A domain shares table (``domain, partner, share[, year]``) instead of flows: no
        assessment, so no measured substitutability.
    doctrine
        A Doctrine or TOML path; None: the shipped doctrine applied to ``focal`` when it fits.
    year
        The year of the shares and of the assessment (default: each domain's latest).
    corridors
        The corridor graph (default: the assessment's, else the shipped graph of ``focal``).
    assessment
        An assessment of ``flows`` already made (its doctrine, graph and substitutability are
        used; ``flows`` must be the flows it was made from).
    peers, products
        As for :func:`assess`, the assessment's peers and product screen.
    """
    from .measures.exposure import domain_shares
    from .risk.shocks import assessed_substitutability

    if assessment is not None:
        focal = assessment.focal
        if corridors is None:
            corridors = assessment.basis.corridors
    focal = context.resolve_focal(focal)
    if corridors is None:
        corridors = context.resolve_corridors(focal)
    if shares is not None:
        doc = assessment.doctrine if assessment is not None else _risk_doctrine(doctrine, focal)
        measured = None if assessment is None else assessed_substitutability(assessment)
        return RiskBasis(focal, shares, doc, measured, corridors)
    if flows is None or isinstance(flows, (str, Path, list, tuple)):
        flows = context.resolve_flows(flows, focal)
    table = domain_shares(flows, focal, year=year)
    if assessment is not None:
        return RiskBasis(focal, table, assessment.doctrine,
                         assessed_substitutability(assessment), corridors)
    doc = _risk_doctrine(doctrine, focal)
    if doc is None:  # no doctrine fits: the documented defaults, no assessment
        return RiskBasis(focal, table, None, None, corridors)
    a = assess(flows, focal=focal, year=year, doctrine=doc, engagement=False, peers=peers,
               products=products, corridors=corridors)
    return RiskBasis(focal, table, doc, assessed_substitutability(a), corridors)


def shock_run(request, flows=None, *, basis: RiskBasis | None = None, screen=None,
              **inputs: Any):
    """The loss by domain and in total when ``request``'s partner is cut off
    (:func:`equipoise.risk.shocks.shock`, a :class:`~equipoise.risk.shocks.ShockRequest`) on
    the :func:`risk_basis` of ``flows`` (``inputs``: its keyword arguments; the request's focal
    state and year), or on ``basis`` when given. ``screen``: a product screen table (the
    substitutability from data). What ``equipoise shock``, ``equipoise run`` and the
    dashboard's what-if page give."""
    from .risk.shocks import shock

    if basis is None:
        inputs.setdefault("year", request.year)
        basis = risk_basis(flows, focal=request.focal, **inputs)
    return shock(basis.shares, request, doctrine=basis.doctrine, corridors=basis.corridors,
                 screen=screen, measured=basis.measured)


@dataclass(frozen=True)
class SimulationRun(WrappedResult):
    """A Monte Carlo result with, when asked for, its sensitivity table (the total's VaR/CVaR
    over the disruption probabilities x the correlations, same runs and seed); its summary
    numbers, heading and ``compare()`` are the result's."""

    result: Any
    sensitivity: Any = None

    wrapped: ClassVar[str] = "result"

    def to_dict(self) -> dict:
        """The result's dict, with a ``sensitivity`` list of rows when computed."""
        d = self.result.to_dict()
        if self.sensitivity is not None:
            d["sensitivity"] = self.sensitivity.to_dict("records")
        return d


def simulate_run(request, flows=None, *, basis: RiskBasis | None = None,
                 sensitivity: bool = False, progress: bool = False,
                 **inputs: Any) -> SimulationRun:
    """Correlated partner disruptions (:func:`equipoise.risk.montecarlo.run_simulation`, a
    :class:`~equipoise.risk.montecarlo.SimulationRequest`) on the :func:`risk_basis` of
    ``flows`` (``inputs``: its keyword arguments; the request's focal state), or on ``basis``;
    with ``sensitivity`` also :func:`~equipoise.risk.montecarlo.sensitivity_table` (the same
    runs and the seed drawn). What ``equipoise simulate``, ``equipoise run`` and the
    dashboard's Monte Carlo page give."""
    import dataclasses

    from .risk.montecarlo import run_simulation, sensitivity_table

    if basis is None:
        basis = risk_basis(flows, focal=request.focal, **inputs)
    res = run_simulation(basis.shares, request, graph=basis.corridors, doctrine=basis.doctrine,
                         progress=progress, measured=basis.measured)
    sens = None
    if sensitivity:
        sens = sensitivity_table(basis.shares, dataclasses.replace(request, seed=res.seed),
                                 graph=basis.corridors, doctrine=basis.doctrine,
                                 measured=basis.measured)
    return SimulationRun(res, sens)
