"""Evaluating an action: the state before and after (assessment, doctrine rules, partner shocks,
Monte Carlo risk, corridor max flows, blocs, engagement) and their comparison.

:func:`evaluate` takes out the action's baseline, applies the action (:mod:`.apply`), assesses
both sides with the same doctrine, scenarios and seed, builds one :class:`~.results.State` a
side (:func:`_state`) and compares them: every registered doctrine rule's verdict
(:func:`equipoise.doctrine.rules.compare_verdicts`, a loop over the rule registry) and every
measure that moved (:func:`_compare`, each with the direction the doctrine calls better).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ... import reference
from .parse import load_action
from .results import Evaluation, State
from .schema import Action

#: metric -> +1 when higher is better, -1 when lower is better
_SENSE = {"top_share": -1, "hhi": -1, "effective_partners": +1, "shock_loss": -1,
          "var": -1, "cvar": -1, "max_flow": +1, "corridor_loss": -1, "bloc_violations": -1,
          "led_by_pole": 0, "engagement": 0}


# --------------------------------------------------------------------------- one side

def _shares_frame(a) -> pd.DataFrame:
    return pd.DataFrame([{"domain": d, "partner": p, "share": s, "year": r.year}
                         for d, r in a.domains.items() for p, s in r.shares.items()])


def _engagement(events: pd.DataFrame | None, poles: list[str]) -> dict:
    """Events per pole (count and announced US dollar value) with the counterpart's members."""
    if events is None or events.empty:
        return {}
    out = {}
    for p in poles:
        codes = set(reference.expand_group(p)) | {p}
        e = events[events["counterpart"].isin(codes) | events["actor"].isin(codes)]
        out[p] = {"events": len(e), "value_usd": float(pd.to_numeric(e["value_usd"]).fillna(0)
                                                       .sum())}
    return out


def _simulation(a, doctrine, corridors, partners: list[str], n: int, seed: int) -> dict:
    """VaR and CVaR (95 %) of the total loss from :func:`equipoise.risk.montecarlo.run_simulation`
    (the one default loss model, :data:`~equipoise.risk.lossmodel.DEFAULT_LOSS_MODEL`: the
    shares model where there is no corridor graph), on fixed partners and seed so that before
    and after see the same scenarios."""
    from ...risk.lossmodel import DEFAULT_LOSS_MODEL
    from ...risk.montecarlo import MAX_PARTNERS, SimulationRequest, run_simulation

    req = SimulationRequest(focal=doctrine.focal, runs=int(n), seed=int(seed),
                            partners=tuple(partners[:MAX_PARTNERS]), levels=(0.95,),
                            loss_model=DEFAULT_LOSS_MODEL, batches=10)
    from ...risk.shocks import assessed_substitutability

    res = run_simulation(_shares_frame(a), req, graph=corridors, doctrine=doctrine,
                         measured=assessed_substitutability(a))
    tot = res.risk.loc["total"]
    return {"level": 0.95, "var": float(tot["var_95"]), "cvar": float(tot["cvar_95"]),
            "mean": float(tot["mean"]), "runs": int(n), "seed": int(seed),
            "loss_model": req.loss_model, "partners": list(req.partners)}


def _with_blocs(a, doctrine, *, year, memberships):
    """A new assessment: ``a`` with the blocs of this side's memberships, its rules re-checked
    (:meth:`~equipoise.scorecard.Assessment.with_blocs`)."""
    from ..rules import membership_check

    return a.with_blocs(membership_check(doctrine, year=year, memberships=memberships))


def _shocks(shares: pd.DataFrame, doctrine, corridors, measured=None) -> dict:
    """Each pole's shock: total loss, loss per domain, corridor losses, under the one default
    loss model (:data:`~equipoise.risk.lossmodel.DEFAULT_LOSS_MODEL`); substitutability: the
    assessment's, ``measured``."""
    from ...risk.lossmodel import DEFAULT_LOSS_MODEL
    from ...risk.shocks import ShockRequest, shock

    out = {}
    model = DEFAULT_LOSS_MODEL
    for p in doctrine.poles:
        r = shock(shares, ShockRequest(doctrine.focal, p, loss_model=model), doctrine=doctrine,
                  corridors=corridors, measured=measured)
        out[p] = {"total": r.total, "loss_model": model,
                  "losses": {d: v for d, v in r.losses.items() if not math.isnan(v)},
                  "corridor_losses": dict(r.corridor_losses)}
    return out


def _corridor_state(doctrine, corridors) -> dict:
    """Each corridor system's max flow and the share of it lost without each pole (the systems
    the graph carries, ``corridors.systems``)."""
    if corridors is None:
        return {}
    from ...risk.corridors import corridor_loss, max_flow, systems_of

    cor: dict = {}
    countries = set(corridors.countries())
    for s in systems_of(corridors).itertuples(index=False):
        sinks = s.sinks.split(";")
        if s.source not in corridors.country_of or any(k not in corridors.country_of
                                                        for k in sinks):
            continue
        cor[s.system] = {"unit": s.unit, "max_flow": max_flow(corridors, s.source, sinks),
                         "loss_without": {}}
        for p in doctrine.poles:
            codes = [c for c in {p, *reference.expand_group(p)} if c in countries]
            if codes:
                cor[s.system]["loss_without"][p] = corridor_loss(corridors, s.source, sinks, codes)
    return cor


def _state(a, doctrine, *, corridors, memberships, events, eval_year, scenarios,
           sim_partners=(), sim_n: int = 0, seed: int = 0) -> State:
    from ...risk.shocks import assessed_substitutability
    from ..plan import portfolio_risk

    a = _with_blocs(a, doctrine, year=eval_year, memberships=memberships)
    shocks = _shocks(_shares_frame(a), doctrine, corridors, assessed_substitutability(a))
    risk = portfolio_risk(a, scenarios)
    cor = _corridor_state(doctrine, corridors)
    sim = _simulation(a, doctrine, corridors, list(sim_partners), sim_n, seed) \
        if sim_n else {}
    return State(a, shocks, risk, cor, a.blocs, _engagement(events, doctrine.poles), sim)


# --------------------------------------------------------------------------- comparison

def _compare(before: State, after: State, tol: float = 1e-9) -> list[dict]:
    out = []

    def add(measure, kind, b, a):
        if b is None or a is None or (isinstance(b, float) and math.isnan(b)) \
                or (isinstance(a, float) and math.isnan(a)):
            return
        d = a - b
        if abs(d) <= tol:
            return
        sense = _SENSE[kind]
        out.append({"measure": measure, "kind": kind, "before": b, "after": a, "delta": d,
                    "direction": "changes" if sense == 0 else
                    ("improves" if d * sense > 0 else "worsens")})

    for dom in sorted(set(before.assessment.domains) | set(after.assessment.domains)):
        rb = before.assessment.domains.get(dom)
        ra = after.assessment.domains.get(dom)
        if rb is None or ra is None:
            continue
        for k in ("top_share", "hhi", "effective_partners"):
            add(f"{dom}.{k}", k, getattr(rb, k), getattr(ra, k))
    for p in before.shocks:
        add(f"shock.{p}.total_loss", "shock_loss", before.shocks[p]["total"],
            after.shocks.get(p, {}).get("total"))
    for k in ("var", "cvar"):
        add(f"monte_carlo.{k}", k, before.risk.get(k), after.risk.get(k))
        add(f"simulation.{k}", k, before.simulation.get(k), after.simulation.get(k))
    for s, v in before.corridors.items():
        va = after.corridors.get(s, {})
        add(f"corridors.{s}.max_flow", "max_flow", v["max_flow"], va.get("max_flow"))
        for p, x in v["loss_without"].items():
            add(f"corridors.{s}.loss_without_{p}", "corridor_loss", x,
                va.get("loss_without", {}).get(p))
    add("blocs.violations", "bloc_violations", float(len(before.blocs.get("violations", []))),
        float(len(after.blocs.get("violations", []))))
    for p in before.shocks:
        def led(state, pole=p):
            return float(sum(1 for x in state.blocs.get("led_by_pole", []) if x["led_by"] == pole))
        add(f"blocs.memberships_led_by_{p}", "led_by_pole", led(before), led(after))
        add(f"engagement.{p}.events", "engagement",
            float(before.engagement.get(p, {}).get("events", 0)),
            float(after.engagement.get(p, {}).get("events", 0)))
    return out


def _rule_rows(before: State, after: State) -> list[dict]:
    """Every registered rule's verdict before and after the action."""
    from ..rules import compare_verdicts

    return compare_verdicts(before.assessment.rules, after.assessment.rules)


def _year_notes(log: list[dict], after) -> list[str]:
    """A note for every flow change that lands outside the year its domain is assessed in (so
    that it does not move the numbers), sorted, each once."""
    notes = []
    dom_of = reference.indicator_table()["domain"].to_dict()
    for x in log:
        if x["table"] != "flows" or x["op"] == "total":
            continue
        dom = dom_of[x["indicator"]]
        r1 = after.domains.get(dom)
        if r1 is None:
            continue
        used = (getattr(r1, "indicator_years", None) or {}).get(x["indicator"])
        if used is None and not getattr(r1, "indicator_years", None):
            used = r1.year
        if used != x["year"]:
            where_ = f"in {used}" if used is not None else "not at all"
            notes.append(f"line {x['line']}: the change to {x['indicator']} lands in {x['year']}, "
                         f"but the {dom} assessment uses that indicator {where_} (domain year "
                         f"{r1.year}); it does not move the {dom} numbers (evaluate with "
                         f"--year {x['year']} to see it)")
    return sorted(set(notes))


# --------------------------------------------------------------------------- evaluate

def _scenarios(a0, a1, doctrine, *, n: int, seed: int, graph):
    """One set of Monte Carlo scenarios for both sides, over the partners of either side (by
    their largest share), and the partners the simulation follows (the poles first)."""
    from ..plan import default_scenarios

    partners: dict[str, float] = {}
    for a in (a0, a1):
        for r in a.domains.values():
            for p, s in r.shares.items():
                partners[p] = max(partners.get(p, 0.0), s)
    partners.pop("OTH", None)
    order = sorted(partners, key=lambda p: -partners[p])
    scen = default_scenarios(doctrine, order, n=n, seed=seed, graph=graph)
    sim_partners = [p for p in dict.fromkeys([*doctrine.poles, *order]) if p != doctrine.focal]
    return scen, sim_partners


def evaluate(action: Action | str | Path, flows, *, doctrine, corridors, events,
             year: int | None = None, n_scenarios: int = 2000, seed: int = 0, peers=None,
             products=None, grades=None) -> Evaluation:
    """Evaluate a proposed initiative before it is taken.

    Recomputes the assessment (shares, HHI, critical dependencies, roles, ...), the partner
    shocks (``L_d = i * s_{p,d} * (1 - sigma_d)``, Keohane & Nye 1977, and the corridor max-flow
    loss where a corridor graph exists), the Monte Carlo VaR and CVaR (Rockafellar & Uryasev
    2000; same scenarios before and after) twice: ``risk`` is the shares-model loss the plan
    minimises, ``simulation`` the full :func:`equipoise.risk.montecarlo.run_simulation` (shares and
    corridor models), the corridor max flows and the doctrine's rule checks, before and after
    the action.

    The doctrine layer's evaluate takes resolved inputs; the front door
    :func:`equipoise.evaluate` resolves a doctrine path or None, a focal override (default:
    the action's), the default flows, the shipped corridor graph and the embedded events
    ledger through :mod:`equipoise.context`.

    Parameters
    ----------
    action
        An :class:`Action`, or a path to an action TOML file (or a shipped example's name).
    flows
        Flows of the doctrine's focal state (a ``FlowSet`` or canonical DataFrame).
    doctrine
        A :class:`~equipoise.doctrine.model.Doctrine`; its focal state is evaluated.
    corridors
        A corridor graph with its flow systems, or None for none
        (:func:`equipoise.context.resolve_corridors` gives the shipped one).
    events
        The engagement ledger (a DataFrame), or None for none
        (:func:`equipoise.context.events_or_none` gives the embedded one).
    year
        One year for every domain (default: each domain's latest).
    n_scenarios, seed
        Monte Carlo scenarios for the VaR / CVaR (one-year disruption probabilities, the same
        scenarios before and after, so the difference is the action's alone).
    peers
        The world panel's peer measures (percentile thresholds, verdicts among peers), as for
        :func:`equipoise.assess`; the same before and after.
    products, grades
        The focal state's product screen records and the source register's grades, as for
        :func:`equipoise.doctrine.check.assess`; the same before and after.

    Returns
    -------
    Evaluation
    """
    # apply_action and remove_baseline are read from the package at call time (the oracle
    # test swaps in the former application there)
    from ..check import assess, require_resolved
    from ..plan import check_scenarios
    from . import apply_action, remove_baseline

    check_scenarios(n_scenarios, seed)
    if not isinstance(action, Action):
        action = load_action(action)
    require_resolved(doctrine, flows, "evaluate")
    focal = doctrine.focal
    mem = reference.load("memberships")
    flows, base_log = remove_baseline(action, flows, focal=focal)
    applied = apply_action(action, flows, focal=focal, corridors=corridors, memberships=mem,
                           events=events)
    applied.log[:0] = base_log
    # the evaluation counts engagement itself (with the action's events), so the assessment's
    # own engagement summary is skipped; the "after" assessment is the "before" one of the
    # applied flows (same doctrine, year, peers, product screen and corridor graph)
    a0 = assess(flows, year=year, doctrine=doctrine, engagement=False, peers=peers,
                products=products, corridors=corridors, grades=grades)
    a1 = a0.with_flows(applied.flows)
    scen, sim_partners = _scenarios(a0, a1, doctrine, n=n_scenarios, seed=seed, graph=corridors)
    same = {"eval_year": action.year, "scenarios": scen, "sim_partners": sim_partners,
            "sim_n": n_scenarios, "seed": seed}
    before = _state(a0, doctrine, corridors=corridors, memberships=mem, events=events, **same)
    after = _state(a1, doctrine, corridors=applied.corridors, memberships=applied.memberships,
                   events=applied.events, **same)
    return Evaluation(action=action, focal=focal, before=before, after=after,
                      rules=_rule_rows(before, after), changes=_compare(before, after),
                      log=applied.log, notes=_year_notes(applied.log, a1))
