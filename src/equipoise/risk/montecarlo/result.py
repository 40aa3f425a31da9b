"""The Monte Carlo result: :class:`SimulationResult` (loss distribution, VaR/CVaR with
standard errors, tail drivers, and every scenario's disruptions)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..._results import Result, fmt_fixed, fmt_number, fmt_share, fmt_sig
from .request import SimulationRequest
from .sensitivity import assumption_basis, probability_table

__all__ = ["SimulationResult"]


@dataclass
class SimulationResult(Result):
    """Loss distribution, VaR/CVaR with standard errors, and tail drivers.

    Attributes
    ----------
    risk : DataFrame
        One row per domain and ``total``: ``mean, p_loss`` and for each level ``a`` (as
        ``95``, ``99``): ``var_a, var_a_se, var_a_lower, var_a_upper, cvar_a, cvar_a_se``,
        and the point mass at the VaR: ``var_a_mass`` P(L = VaR), ``var_a_below`` P(L < VaR),
        ``var_a_point_mass`` (1: the VaR falls on a point mass), ``var_a_se_bootstrap`` and
        ``var_a_se_method`` (1: ``var_a_se`` is the exact bootstrap's, an atom being within
        reach; 0: batch means).
    tail_drivers : DataFrame
        ``partner, probability, frequency, tail_frequency, lift, tail_loss_share`` at the first
        level, sorted by lift.
    masks : ndarray
        The scenarios' disrupted partners as bitmasks (bit ``i`` = ``partners[i]``), (n,).
    totals, losses : ndarray
        Total loss (n,) and domain losses (n x m) per scenario (computed from the masks on
        first use when the partners are few enough for lookup tables).
    """

    request: SimulationRequest
    partners: list[str]
    domains: list[str]
    probabilities: dict[str, float]
    correlation: pd.DataFrame
    correlation_reasons: pd.DataFrame
    weights: dict[str, float]
    loss_matrix: pd.DataFrame
    risk: pd.DataFrame
    tail_drivers: pd.DataFrame
    seed: int
    elapsed: float
    masks: np.ndarray = field(repr=False)
    corridor_domains: list[str] = field(default_factory=list)
    #: level (``"95"``) -> (values, probabilities, masses): the exact bootstrap distribution of
    #: the total's VaR estimator at this number of runs (:mod:`.statistics`).
    var_distributions: dict = field(default_factory=dict)
    _totals: np.ndarray | None = field(default=None, repr=False)
    _losses: np.ndarray | None = field(default=None, repr=False)
    _lut: np.ndarray | None = field(default=None, repr=False)
    _tot_lut: np.ndarray | None = field(default=None, repr=False)
    #: domain -> (substitutability, basis) of the loss matrix
    #: (:func:`~equipoise.risk.shocks.substitutability_table`)
    substitutability: dict = field(default_factory=dict)
    #: ``(domain, partner) -> (value, basis)`` where the measure depends on the partner cut off
    substitutability_by_partner: dict = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return len(self.masks)

    @property
    def totals(self) -> np.ndarray:
        """Total loss of every scenario (n,)."""
        return self._totals if self._totals is not None else self._tot_lut[self.masks]

    @property
    def losses(self) -> np.ndarray:
        """Domain losses of every scenario (n x m), e.g. for a CVaR-minimising plan."""
        return self._losses if self._losses is not None else self._lut[:, self.masks].T

    def _lv(self, a: float) -> str:
        return f"{round(a * 100)}"

    def to_dict(self) -> dict:
        def rec(row) -> dict:
            return {k: (None if isinstance(v, float) and math.isnan(v) else float(v))
                    for k, v in row.items()}

        r = self.request
        pt = self.probability_table()
        return {
            "focal": r.focal,
            "loss_model": r.loss_model,
            "loss_model_description": self.loss_model_description,
            "runs": self.runs,
            "seed": self.seed,
            "partners": list(self.partners),
            "domains": list(self.domains),
            "levels": list(r.levels),
            "total": rec(self.risk.loc["total"]),
            "by_domain": {d: rec(self.risk.loc[d]) for d in self.domains},
            "var_point_masses": self.var_point_masses(),
            "tail_drivers": self.tail_drivers.to_dict("records"),
            "assumptions": {
                "probabilities": dict(self.probabilities),
                "probability_basis": dict(zip(pt["partner"], pt["basis"], strict=True)),
                "basis": assumption_basis(r),
                "default_probability": r.default_probability,
                "correlation": r.correlation,
                "rho_corridor": r.rho_corridor,
                "rho_bloc": r.rho_bloc,
                "correlated_pairs": self.correlation_reasons.to_dict("records"),
                "intensity": r.intensity,
                "loss_model": r.loss_model,
                "corridor_domains": list(self.corridor_domains),
                "weights": dict(self.weights),
                "substitutability": self._substitutability_dict(),
                "substitutability_by_partner": self._by_partner_dict(),
            },
            "elapsed_seconds": self.elapsed,
        }

    def _substitutability_dict(self) -> dict:
        from ..shocks import basis_kind

        return {d: {"value": float(v), "basis": b, "kind": basis_kind(b)}
                for d, (v, b) in self.substitutability.items()}

    def _by_partner_dict(self) -> dict:
        from ..shocks import basis_kind

        out: dict = {}
        for (d, p), (v, b) in sorted(self.substitutability_by_partner.items()):
            out.setdefault(d, {})[p] = {"value": float(v), "basis": b, "kind": basis_kind(b)}
        return out

    @property
    def loss_model_description(self) -> str:
        """The loss model named with its formula and the domains with a corridor loss."""
        from ..lossmodel import describe_loss_model

        return describe_loss_model(self.request.loss_model, self.corridor_domains)

    def probability_table(self) -> pd.DataFrame:
        """Each partner's disruption probability and its basis (``assumption``: the stated
        default; ``given``: set by the user), as :func:`~.sensitivity.probability_table`."""
        given = dict(self.request.probabilities)
        d = self.request.default_probability
        return probability_table(self.partners, {p: v for p, v in self.probabilities.items()
                                                 if p in given or v != d}, d)

    def _assumption_lines(self) -> list[str]:
        pt = self.probability_table()
        lines = []
        for basis, g in pt.groupby("basis", sort=True):
            vals = ", ".join(f"{p} {fmt_sig(v, 6, thousands=False)}" for p, v in zip(g["partner"], g["probability"],
                                                            strict=True))
            lines.append(f"  disruption probabilities, {basis}: {vals}")
        for k, text in assumption_basis(self.request).items():
            v = getattr(self.request, k)
            lines.append(f"  {k} {fmt_sig(v, 6, thousands=False)}: {text}" if not isinstance(v, str) else f"  {text}")
        return lines

    def var_point_masses(self) -> dict:
        """Per level (``"95"``): the total's VaR, whether it falls on a point mass, P(loss =
        VaR), the levels that give this VaR (``[P(L < VaR), P(L <= VaR)]``), the standard error
        in use and its method, and the values a run of the same size reports with their
        probabilities (exact bootstrap) and masses."""
        out = {}
        row = self.risk.loc["total"] if "total" in self.risk.index else {}
        for a in self.request.levels:
            lv = self._lv(a)
            if f"var_{lv}_mass" not in row:
                continue
            mass, below = float(row[f"var_{lv}_mass"]), float(row[f"var_{lv}_below"])
            vals, probs, masses = self.var_distributions.get(lv, ([], [], []))
            out[lv] = {
                "var": float(row[f"var_{lv}"]),
                "on_point_mass": bool(row[f"var_{lv}_point_mass"]),
                "mass": mass,
                "levels_with_this_var": [below, below + mass],
                "se": float(row[f"var_{lv}_se"]),
                "se_method": "bootstrap" if row[f"var_{lv}_se_method"] else "batch means",
                "reported_values": [{"value": v, "probability": p, "mass": m}
                                    for v, p, m in zip(vals, probs, masses, strict=True)],
            }
        return out

    def _point_mass_lines(self) -> list[str]:
        lines = []
        for lv, pm in self.var_point_masses().items():
            lo, hi = pm["levels_with_this_var"]
            a = float(lv) / 100
            if pm["on_point_mass"]:
                lines.append(f"  VaR{lv} of the total falls on a point mass: P(loss = "
                             f"{fmt_fixed(pm['var'], 4)}) = {fmt_fixed(pm['mass'], 4)} (every level from {fmt_fixed(lo, 4)} "
                             f"to {fmt_fixed(hi, 4)} gives this VaR)")
            if pm["se_method"] != "bootstrap":
                continue
            sd_f = math.sqrt(a * (1 - a) / self.runs)
            vals = pm["reported_values"]
            atoms = [d for d in vals if d["mass"] >= sd_f and d["probability"] >= 0.01]
            if not pm["on_point_mass"]:
                lines.append(f"  VaR{lv} of the total is next to a point mass: " + ", ".join(
                    f"P(loss = {fmt_fixed(d['value'], 4)}) = {fmt_fixed(d['mass'], 4)}" for d in atoms))
            rest = [d for d in vals if d not in atoms]
            parts = [f"{fmt_fixed(d['value'], 4)} (p {fmt_fixed(d['probability'], 2)})" for d in atoms]
            if rest:
                p_rest = sum(d["probability"] for d in rest)
                v0, v1 = min(d["value"] for d in rest), max(d["value"] for d in rest)
                parts.append(f"values {fmt_fixed(v0, 4)}..{fmt_fixed(v1, 4)} (p {fmt_fixed(p_rest, 2)})")
            lines.append(f"    runs of {fmt_number(self.runs)} scenarios (other seeds) report VaR{lv} "
                         + ", ".join(parts) + f"; ± is the exact bootstrap SE {fmt_fixed(pm['se'])}")
        return lines

    def summary(self) -> str:
        r = self.request
        lv = [self._lv(a) for a in r.levels]
        lines = [f"Monte Carlo: {r.focal}, {fmt_number(self.runs)} scenarios, seed {self.seed}, "
                 f"{len(self.partners)} partners, {r.correlation} ({r.loss_model} loss model), "
                 f"{fmt_fixed(self.elapsed, 2)} s",
                 f"  loss model {self.loss_model_description}"]
        if self.substitutability:
            lines.append("  substitutability: " + ", ".join(
                f"{d} {fmt_fixed(v['value'], 2)} ({v['kind']})"
                for d, v in self._substitutability_dict().items()))
        head = f"  {'':<11} {'mean':>7} {'P(>0)':>6}" + "".join(
            f" {'VaR' + v:>15} {'CVaR' + v:>15}" for v in lv)
        lines.append(head)
        for d in [*self.domains, "total"]:
            row = self.risk.loc[d]
            cells = "".join(
                f" {fmt_fixed(row[f'var_{v}']):>7}±{fmt_fixed(row[f'var_{v}_se']):<7}"
                f" {fmt_fixed(row[f'cvar_{v}']):>7}±{fmt_fixed(row[f'cvar_{v}_se']):<7}" for v in lv)
            lines.append(f"  {d:<11} {fmt_fixed(row['mean']):>7} {fmt_fixed(row['p_loss']):>6}{cells}")
        lines.append("  (losses are shares of the domain lost; ± is the batch-means standard error, "
                     "or the exact bootstrap's where a point mass is within reach)")
        lines.extend(self._point_mass_lines())
        lines.extend(self._assumption_lines())
        lines.append(f"  tail drivers (worst {fmt_share(1 - r.levels[0], 0)} of scenarios):")
        for t in self.tail_drivers.head(8).itertuples(index=False):
            lines.append(f"    {t.partner:<6} p={fmt_fixed(t.probability)} disrupted in {fmt_share(t.tail_frequency):>6} "
                         f"of tail scenarios (x{fmt_fixed(t.lift, 1)}), {fmt_share(t.tail_loss_share):>5} of tail loss")
        return "\n".join(lines)

    __str__ = summary

    def heading(self) -> str:
        r = self.request
        return (f"Monte Carlo {r.focal}: {fmt_number(self.runs)} scenarios, {len(self.partners)} partners, "
                f"{r.correlation} ({r.loss_model} loss model)")

    def compare_label(self) -> str:
        r = self.request
        return f"{r.focal} {r.correlation} {r.loss_model}"

    def summary_numbers(self) -> dict[str, float]:
        """Runs and partners; every risk measure of the total; the mean, P(loss > 0), VaR and
        CVaR of each domain (as ``total.var_95``, ``energy.cvar_99``)."""
        lv = [self._lv(a) for a in self.request.levels]
        out: dict[str, float] = {"runs": int(self.runs), "partners": len(self.partners)}
        out.update({f"total.{c}": float(v) for c, v in self.risk.loc["total"].items()})
        for d in self.domains:
            row = self.risk.loc[d]
            for c in ["mean", "p_loss", *(f"{m}_{v}" for v in lv for m in ("var", "cvar"))]:
                out[f"{d}.{c}"] = float(row[c])
        return out

    def html_tables(self) -> list:
        return [("Risk measures (shares of the domain lost)", self.risk),
                ("Tail drivers", self.tail_drivers)]
