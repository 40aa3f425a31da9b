"""Jobs that compose the library: the main job (``equipoise run`` / ``make demo``: assessment,
shocks, Monte Carlo and report) and the assessment with its optional plan, action evaluations
and narrative (``equipoise assess``).

Inputs left as None are resolved by :mod:`equipoise.context` (the embedded default, the
shipped doctrine); the command line and the dashboard resolve them there too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ._results import WrappedResult

__all__ = ["AssessRun", "assess_run", "plan_run", "run_main_job"]


@dataclass(frozen=True)
class AssessRun(WrappedResult):
    """An assessment with what was asked for beside it: the CVaR plan, the evaluation of each
    action, the plain-language narrative per domain; its summary numbers, heading and
    ``compare()`` are the assessment's."""

    assessment: Any
    plan: Any = None
    evaluations: tuple = ()
    narrative: dict | None = None

    wrapped: ClassVar[str] = "assessment"

    def to_dict(self) -> dict:
        """The assessment's dict (``assess --json``), with a ``narrative`` key when asked for."""
        d = self.assessment.to_dict()
        if self.narrative is not None:
            d["narrative"] = self.narrative
        return d


def assess_run(flows=None, *, doctrine=None, focal: str | None = None, year: int | None = None,
               votes=None, idealpoints=None, events=None, plan: bool = False,
               actions: Sequence[Any] = (), narrative: bool = False, peers=None,
               db: str | Path | None = None, products=None, corridors=None,
               plan_without: Sequence[str] = ()) -> AssessRun:
    """The assessment of ``flows`` against ``doctrine``; with ``plan`` the CVaR-minimising
    diversification plan, with ``actions`` the before/after evaluation of each action (a file,
    a shipped example's name or an :class:`~equipoise.doctrine.actions.Action`), both attached
    to the doctrine check; with ``narrative`` a paragraph per domain; ``peers`` the world
    panel's peer measures (:func:`equipoise.context.resolve_peer_panel`). ``db``: a warehouse
    whose product-level trade gives the plan's trade capacity
    (:func:`equipoise.context.plan_supply_source`). ``products``: the focal state's product
    screen records (:func:`equipoise.context.product_screen_source`), from which the goods
    domain's substitutability is read. ``corridors``: the corridor graph
    (:func:`equipoise.context.resolve_corridors`) the assessment, the plan and the evaluations
    measure on (None: the shipped graph of the focal state, where one ships).
    ``plan_without``: the rules whose plan rows the plan leaves out (its ``without``).

    ``flows``/``doctrine``/``focal`` left as None are resolved by
    :func:`equipoise.context.resolve_inputs`.
    """
    from .assessment import assess

    if flows is None:
        from .context import resolve_inputs

        doctrine, flows = resolve_inputs(None, focal, doctrine)
        focal = None
    result = assess(flows, focal=focal, year=year, doctrine=doctrine, votes=votes, events=events,
                    idealpoints=idealpoints, peers=peers, products=products,
                    corridors=corridors)
    the_plan = None
    evaluations: tuple = ()
    if plan:
        from .context import plan_supply_source
        from .doctrine.plan import plan as run_plan

        the_plan = run_plan(year=year, assessment=result, corridors=corridors,
                            without=tuple(plan_without),
                            supply=plan_supply_source(result.focal, flows=flows, db=db,
                                                      year=year))
    if actions:
        from .assessment import evaluate

        evaluations = tuple(evaluate(x, flows, doctrine=result.doctrine, focal=result.focal,
                                     year=year, peers=peers, products=products,
                                     corridors=corridors)
                            for x in actions)
    if the_plan is not None or evaluations:
        from .doctrine.check import attach

        result = attach(result, flows, plan=the_plan, evaluations=evaluations)
    story = None
    if narrative:
        from .narrative import narrative as tell

        story = tell(result, flows)
    return AssessRun(result, the_plan, evaluations, story)


def plan_run(flows=None, *, doctrine=None, focal: str | None = None, year: int | None = None,
             db: str | Path | None = None, peers=None, products=None, corridors=None,
             supply=None, **options: Any):
    """What ``equipoise plan`` prints: the CVaR-minimising diversification plan
    (:func:`equipoise.assessment.plan`) with its inputs resolved as every command resolves
    them.

    ``db``: a warehouse; with ``flows`` None the flows are read from it when it holds a flows
    table (:func:`equipoise.context.split_db`, as ``assess --db``); its product-level trade
    gives the trade capacity (:func:`equipoise.context.plan_supply_source`, also the shared
    data's supply tables without ``db``) and its product screen of the focal state the goods
    substitutability (``products``, :func:`equipoise.context.product_screen_source`).
    ``peers``: the world panel's peer measures (:func:`equipoise.context.resolve_peer_panel`).
    ``corridors``: the corridor graph (:func:`equipoise.context.resolve_corridors`; None: the
    shipped graph of the focal state). ``options``: the plan's other parameters (``horizon``,
    ``max_shift``, ``capacity``, ``capacities``, ``alpha``, ``n_scenarios``, ``seed``,
    ``domains``, ``roles``, ``critical_share``, ``without``, ``strict``, ...).
    """
    from . import context
    from .assessment import plan

    if flows is None:
        doctrine, flows = context.resolve_inputs(None, focal, doctrine,
                                                 db=context.split_db(db)[0])
        focal = None
    the_doctrine, flows = context.resolve_analysis(flows, doctrine=doctrine, focal=focal)
    if corridors is None:
        corridors = context.resolve_corridors(the_doctrine.focal)
    if products is None and db is not None:
        products = context.product_screen_source(db, the_doctrine.focal, year)
    if supply is None:
        supply = context.plan_supply_source(the_doctrine.focal, flows=flows, db=db, year=year)
    assessment = None
    if products is not None or peers is not None:
        # the goods substitutability from the product screen, verdicts among peers
        from .doctrine.check import assess

        assessment = assess(flows, doctrine=the_doctrine, year=year, products=products,
                            peers=peers, corridors=corridors, grades=context.source_grades())
    return plan(flows, doctrine=the_doctrine, assessment=assessment, year=year, supply=supply,
                corridors=corridors, **options)


def _write_json(path: Path, obj) -> Path:
    from ._json import clean as _clean

    path.write_text(json.dumps(_clean(obj), indent=2, ensure_ascii=False, default=str),
                    encoding="utf-8")
    return path


def run_main_job(flows=None, *, focal: str | None = None, doctrine=None,
                 out: str | Path = "equipoise-output", runs: int = 100_000, seed: int = 0,
                 report: bool = True, pdf: bool = False, peers=None,
                 panel_db: str | Path | None = None, products=None, corridors=None) -> dict:
    """Run the assessment, a full cut-off shock for each pole, the Monte Carlo, and the report.

    Writes ``assessment.json``, ``assessment.txt``, ``shocks.json``, ``simulation.json`` (with
    its ``sensitivity`` table over the disruption probabilities and correlations) and
    ``report.html`` (``report.pdf`` with ``pdf=True``) into ``out``. Returns
    ``{"focal": ..., "files": {name: path}, "assessment": Assessment}``. ``flows`` None: the
    embedded dataset of the focal state (:func:`equipoise.context.resolve_inputs`). ``peers``:
    the world panel's peer measures (percentile thresholds, verdicts among peers); ``panel_db``
    the warehouse they come from (the report's "Trend and peers" section). ``products``: the
    warehouse's product screen of the focal state (the goods substitutability, as ``assess
    --db``), for the assessment, the shocks and the report alike. ``corridors``: the corridor
    graph (:func:`equipoise.context.resolve_corridors`) of the assessment, the shocks and the
    Monte Carlo (None: the shipped graph of the focal state, where one ships).
    """
    from .assessment import assess, risk_basis, shock_run, simulate_run
    from .risk.lossmodel import DEFAULT_LOSS_MODEL
    from .risk.montecarlo import SimulationRequest
    from .risk.shocks import ShockRequest

    if flows is None:
        from .context import resolve_inputs

        doctrine, flows = resolve_inputs(None, focal, doctrine)
        focal = None
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    a = assess(flows, focal=focal, doctrine=doctrine, peers=peers, products=products,
               corridors=corridors)
    files: dict[str, Path] = {}
    files["assessment"] = _write_json(out / "assessment.json", a.to_dict())
    p = out / "assessment.txt"
    p.write_text(a.summary(), encoding="utf-8")
    files["summary"] = p

    # the shares, the assessment's substitutability and the graph it measured on (None: no
    # corridor graph, shares-only losses): the basis of `equipoise shock` and `simulate` too
    basis = risk_basis(flows, assessment=a)
    model = DEFAULT_LOSS_MODEL  # the same as `equipoise shock` and `simulate` (named in each)
    shocks = {pole: shock_run(ShockRequest(focal=a.focal, partner=pole, loss_model=model),
                              basis=basis).to_dict()
              for pole in a.doctrine.poles}
    files["shocks"] = _write_json(out / "shocks.json", shocks)
    # with the total's VaR/CVaR over the disruption probabilities x correlations (same runs)
    simulation = simulate_run(SimulationRequest(focal=a.focal, runs=runs, seed=seed,
                                                loss_model=model),
                              basis=basis, sensitivity=True).to_dict()
    files["simulation"] = _write_json(out / "simulation.json", simulation)
    if report:
        from .present.report import build_report

        written = build_report(flows, focal=a.focal, doctrine=a.doctrine,
                               out=out / "report.html", pdf=pdf, peers=peers,
                               panel_db=panel_db, products=products, corridors=corridors)
        files.update({f"report{'' if k == 'html' else '_' + k}": Path(v)
                      for k, v in written.items()})
    return {"focal": a.focal, "files": files, "assessment": a}
