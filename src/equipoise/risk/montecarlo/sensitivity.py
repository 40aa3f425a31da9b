"""Where the Monte Carlo's disruption probabilities and correlations come from, and how much the
answer depends on them.

Sources. No source in equipoise's reference data gives how often a partner cuts a state off
(all flows, within a year): the defaults are assumptions, labelled so in every output
(:func:`probability_table`, ``assumptions.basis`` of ``simulate --json`` and simulation.json,
the text summary). ``DEFAULT_PROBABILITY`` 0.05 per partner and year is a one-in-twenty-years
event; ``DEFAULT_RHO_CORRIDOR`` 0.5 and ``DEFAULT_RHO_BLOC`` 0.3 are latent (Gaussian copula)
correlations of partners on one corridor route / in one bloc. Each is overridable: per partner
(``--prob RUS=0.1``, ``[simulate.probabilities]`` in a TOML request, the
:class:`~.request.SimulationRequest` field ``probabilities``), for every partner
(``default_probability``), and the correlations (``--rho-corridor``, ``--rho-bloc``,
``--correlation independent``). A value given by the user is labelled ``given``.

Sensitivity. :func:`sensitivity_table` reruns the request with every probability scaled by
0.5, 1 and 2 (capped at 1) and with the correlations at zero (independent draws), at their
values, and high (each latent correlation halfway to 1), with the same seed and runs: common
random numbers, so a scenario's disrupted partners at a larger probability scale include those
at a smaller one and every loss measure grows with the scale (the losses are monotone in the
set of disrupted partners: shares summed and capped, max flow with more nodes removed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from ..._results import fmt_fixed, fmt_number, fmt_sig
from ._checks import DEFAULT_PROBABILITY, DEFAULT_RHO_BLOC, DEFAULT_RHO_CORRIDOR
from .request import SimulationRequest

__all__ = ["PROBABILITY_SCALES", "assumption_basis", "probability_table", "sensitivity_table"]

#: Probability scales of the sensitivity table.
PROBABILITY_SCALES: tuple[float, ...] = (0.5, 1.0, 2.0)
#: Correlation settings of the sensitivity table.
CORRELATIONS: tuple[str, ...] = ("zero", "default", "high")

PROBABILITY_ASSUMPTION = (
    "assumption: equipoise's default annual probability that all flows with a partner are cut "
    "(a one-in-twenty-years event); not estimated, no source in the reference data gives "
    "partner cut-off frequencies; override per partner with --prob, [simulate.probabilities] "
    "or SimulationRequest.probabilities")
RHO_ASSUMPTION = (
    "assumption: latent (Gaussian copula) correlation of two partners {what}; not estimated; "
    "override with {option}")
GIVEN = "given by the user"


def _label(value: float, default: float, text: str) -> str:
    return text if value == default else GIVEN


def assumption_basis(request: SimulationRequest) -> dict[str, str]:
    """Where ``default_probability``, ``rho_corridor`` and ``rho_bloc`` come from: the stated
    assumption when they are the defaults, ``given by the user`` otherwise."""
    out = {"default_probability": _label(request.default_probability, DEFAULT_PROBABILITY,
                                         PROBABILITY_ASSUMPTION)}
    if request.correlation == "independent":
        out["correlation"] = "independent draws (given by the user): no correlation"
        return out
    out["rho_corridor"] = _label(request.rho_corridor, DEFAULT_RHO_CORRIDOR, RHO_ASSUMPTION.format(
        what="on one corridor route", option="--rho-corridor or rho_corridor"))
    out["rho_bloc"] = _label(request.rho_bloc, DEFAULT_RHO_BLOC, RHO_ASSUMPTION.format(
        what="in one economic union or alliance", option="--rho-bloc or rho_bloc"))
    return out


def probability_table(partners: Sequence[str], probabilities: Mapping[str, float] | None = None,
                      default_probability: float = DEFAULT_PROBABILITY) -> pd.DataFrame:
    """One row per partner: ``partner, probability, basis`` (``given`` for a probability in
    ``probabilities``, else ``assumption`` at ``default_probability``) and ``note`` (the
    stated assumption, or where a given value came from)."""
    given = {k.upper(): float(v) for k, v in dict(probabilities or {}).items()}
    rows = []
    for p in partners:
        if p in given:
            rows.append({"partner": p, "probability": given[p], "basis": "given",
                         "note": GIVEN})
        else:
            rows.append({"partner": p, "probability": float(default_probability),
                         "basis": "assumption" if default_probability == DEFAULT_PROBABILITY
                         else "given",
                         "note": PROBABILITY_ASSUMPTION if default_probability ==
                         DEFAULT_PROBABILITY else f"{GIVEN} (default_probability)"})
    return pd.DataFrame(rows, columns=["partner", "probability", "basis", "note"])


def _high(rho: float) -> float:
    return rho + (1.0 - rho) / 2.0


def _variant(request: SimulationRequest, partners: list[str], scale: float,
             correlation: str) -> SimulationRequest:
    given = dict(request.probabilities)
    probs = {p: min(1.0, scale * given.get(p, request.default_probability)) for p in partners}
    kw = {"partners": tuple(partners), "probabilities": tuple(sorted(probs.items())),
          "default_probability": min(1.0, scale * request.default_probability)}
    if correlation == "zero":
        kw["correlation"] = "independent"
    elif correlation == "high":
        kw.update(correlation="copula", rho_corridor=_high(request.rho_corridor),
                  rho_bloc=_high(request.rho_bloc))
    return dataclasses.replace(request, **kw)


def sensitivity_table(shares: pd.DataFrame, request: SimulationRequest, *,
                      graph=None, doctrine=None,
                      substitutability: Mapping[str, float] | None = None,
                      weights: Mapping[str, float] | None = None,
                      measured: Mapping[str, tuple[float, str]] | None = None,
                      probability_scales: Sequence[float] = PROBABILITY_SCALES,
                      correlations: Sequence[str] = CORRELATIONS) -> pd.DataFrame:
    """The total's risk measures over the disruption probabilities and the correlations.

    One row per (probability scale, correlation setting): every partner's probability times
    the scale (capped at 1); correlation ``"zero"`` (independent draws), ``"default"`` (the
    request's) or ``"high"`` (each latent correlation halfway to 1). Columns: ``probability_scale,
    correlation, rho_corridor, rho_bloc, mean, p_loss`` and per level ``var_a, cvar_a,
    var_a_point_mass``. The same runs and seed throughout (common random numbers; see the
    module docstring), so the measures grow with the scale.
    """
    from ...errors import OptionError
    from ..shocks import _check_shares
    from .run import default_partners, run_simulation

    req = request
    bad = [c for c in correlations if c not in CORRELATIONS]
    if bad:
        raise OptionError(f"correlations: expecting some of {list(CORRELATIONS)}. Got {bad!r}.")
    scales = [float(s) for s in probability_scales]
    if not scales or any(not 0.0 <= s <= 1e6 for s in scales):
        raise OptionError(f"probability_scales: expecting numbers >= 0. Got {scales!r}.")
    if req.seed is None:
        req = dataclasses.replace(req, seed=0)
    partners = list(req.partners) if req.partners else default_partners(
        _check_shares(shares), req.max_partners)
    rows = []
    for corr in correlations:
        for s in scales:
            v = _variant(req, partners, s, corr)
            res = run_simulation(shares, v, graph=graph, doctrine=doctrine,
                                 substitutability=substitutability, weights=weights,
                                 measured=measured)
            t = res.risk.loc["total"]
            row = {"probability_scale": s, "correlation": corr,
                   "rho_corridor": v.rho_corridor if v.correlation == "copula" else 0.0,
                   "rho_bloc": v.rho_bloc if v.correlation == "copula" else 0.0,
                   "mean": float(t["mean"]), "p_loss": float(t["p_loss"])}
            for a in v.levels:
                lv = f"{round(a * 100)}"
                row[f"var_{lv}"] = float(t[f"var_{lv}"])
                row[f"cvar_{lv}"] = float(t[f"cvar_{lv}"])
                row[f"var_{lv}_point_mass"] = bool(t.get(f"var_{lv}_point_mass", 0.0))
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs.update(runs=req.runs, seed=req.seed, loss_model=req.loss_model)
    return out


def format_sensitivity(table: pd.DataFrame) -> str:
    """The sensitivity table as text (VaR and CVaR at each level; * = VaR on a point mass)."""
    levels = [c.removeprefix("var_") for c in table.columns
              if c.startswith("var_") and c.count("_") == 1]
    head = f"  {'p x':>5} {'correlation':<22} {'mean':>6}" + "".join(
        f" {'VaR' + lv:>8} {'CVaR' + lv:>8}" for lv in levels)
    lines = [f"Sensitivity of the total loss ({fmt_number(table.attrs.get('runs', '?'))} scenarios, seed "
             f"{table.attrs.get('seed')}, {table.attrs.get('loss_model')} loss model; every "
             "probability x scale, capped at 1; * = VaR on a point mass):", head]
    for r in table.to_dict("records"):
        corr = r["correlation"] if r["correlation"] == "zero" else \
            f"{r['correlation']} ({fmt_fixed(r['rho_corridor'], 2)}/{fmt_fixed(r['rho_bloc'], 2)})"
        cells = "".join(
            f" {fmt_fixed(r[f'var_{lv}']):>7}{'*' if r[f'var_{lv}_point_mass'] else ' '}"
            f" {fmt_fixed(r[f'cvar_{lv}']):>8}" for lv in levels)
        lines.append(f"  {fmt_sig(r['probability_scale'], 6, thousands=False):>5} {corr:<22} {fmt_fixed(r['mean']):>6}{cells}")
    return "\n".join(lines)
