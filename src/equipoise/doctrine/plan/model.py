"""The plan's model: its limits, the scenarios it is computed over (:class:`Scenarios`), the
request (:class:`PlanRequest`) and the result (:class:`Plan`, with one :class:`Constraint` per
binding row)."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ... import reference
from ..._results import RichSummary, fmt_fixed, fmt_number, fmt_share, fmt_signed
from ...errors import OptionError
from .. import rules as _rules

__all__ = ["MAX_HORIZON", "MAX_SCENARIOS", "MAX_SEED", "MIN_SCENARIOS", "Constraint", "Plan",
           "PlanRequest", "Scenarios", "check_scenarios", "without_kinds"]

#: Fewest and most Monte Carlo scenarios of one plan or evaluation. The CVaR programme has one
#: variable and one row per scenario: 100,000 scenarios take about 3 minutes and 0.9 GB on a
#: 2-core machine (20,000: 23 s, 0.36 GB; the default 2,000: a few seconds).
MIN_SCENARIOS = 10
MAX_SCENARIOS = 100_000
#: Longest planning horizon, in years.
MAX_HORIZON = 50
#: Seeds are non-negative integers below 2**63 (numpy's generators refuse negative seeds).
MAX_SEED = 2**63 - 1


def check_scenarios(n, seed=0) -> None:
    """Refuse a scenario count outside MIN_SCENARIOS..MAX_SCENARIOS or a seed outside
    0..MAX_SEED with an :class:`OptionError` saying what was seen and what is expected."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) \
            or not MIN_SCENARIOS <= n <= MAX_SCENARIOS:
        raise OptionError(f"scenarios: expecting a whole number from {MIN_SCENARIOS} to "
                          f"{fmt_number(MAX_SCENARIOS)} (equipoise.doctrine.plan.MAX_SCENARIOS). Got {n!r}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not 0 <= seed <= MAX_SEED:
        raise OptionError(f"seed: expecting a whole number from 0 to 2**63 - 1. Got {seed!r}.")


def _names(names) -> list[str]:
    """``names`` (a string or an iterable of strings, each possibly a comma list) as a list
    of stripped, non-empty names."""
    items = [names] if isinstance(names, str) else list(names or ())
    out = []
    for item in items:
        if not isinstance(item, str):
            raise OptionError(f"without: expecting rule kinds (text). Got {item!r}.")
        out += [x.strip() for x in item.split(",") if x.strip()]
    return out


def without_kinds(names, *, label: str = "without") -> tuple[str, ...]:
    """The kinds of the registered rules whose plan rows ``names`` switch off, in program
    order, each once. A name is a rule's kind (``role``, ``no_critical_dependency``) or its
    plan kind (``critical_share``); ``names`` is a string or an iterable of strings, each
    possibly comma-separated. Anything else is an :class:`OptionError` (named ``label``)
    listing the rules with plan rows."""
    plan_rules = _rules.plan_rules()
    by_name = {r.kind: r for r in plan_rules} | {r.plan_kind: r for r in plan_rules}
    wanted = _names(names)
    bad = [n for n in wanted if n not in by_name]
    if bad:
        have = ", ".join(r.kind + (f" (plan kind {r.plan_kind})" if r.plan_kind != r.kind
                                   else "") for r in plan_rules)
        what = "; ".join(f"{n!r} is a rule without plan rows (nothing to leave out)"
                         if _rules.get(n) is not None else f"{n!r} is not a rule kind"
                         for n in dict.fromkeys(bad))
        raise OptionError(f"{label}: {what}. Expected the kind of a rule of the registry with "
                          f"plan rows: {have or 'none'}.")
    kinds = {by_name[n].kind for n in wanted}
    return tuple(r.kind for r in plan_rules if r.kind in kinds)


# --------------------------------------------------------------------------- scenarios

@dataclass(frozen=True)
class Scenarios:
    """Partner disruption scenarios: ``intensity[s, u]`` in 0..1 for each unit ``u``.

    A flow partner code maps to the units that cover it: itself, and any group unit (EU27) it
    belongs to; its disruption is the largest of theirs. ``OTH`` and codes not simulated are
    never disrupted (as in :func:`equipoise.risk.shocks.loss_matrix`).
    """

    units: tuple[str, ...]
    intensity: np.ndarray = field(repr=False, compare=False, hash=False)
    description: str = ""
    assumptions: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def n(self) -> int:
        return int(self.intensity.shape[0])

    def for_codes(self, codes: list[str], year: int | None = None) -> np.ndarray:
        """S x len(codes) disruption matrix for flow partner codes."""
        idx = {u: i for i, u in enumerate(self.units)}
        groups = {u: set(reference.expand_group(u, year)) for u in self.units
                  if reference.is_group(u) and u not in ("OTH", "WLD")}
        out = np.zeros((self.n, len(codes)))
        for j, c in enumerate(codes):
            cols = [idx[c]] if c in idx else []
            cols += [idx[g] for g, m in groups.items() if c in m and g != c]
            if cols and c != "OTH":
                out[:, j] = self.intensity[:, cols].max(axis=1)
        return out


# --------------------------------------------------------------------------- request / result

@dataclass(frozen=True)
class PlanRequest:
    """One plan request (immutable, hashable)."""

    horizon: int = 5
    max_shift: float = 0.05
    capacity: float | None = None
    capacities: tuple[tuple[str, str, float], ...] = ()
    alpha: float = 0.95
    scenarios: int = 2000
    seed: int = 0
    domains: tuple[str, ...] | None = None
    #: deprecated (DeprecationWarning): ``False`` is ``without`` the rule kind ``role``,
    #: ``no_critical_dependency``, ``viable_partners`` or ``no_squeeze``; folded into
    #: ``without`` and reset to None
    roles: bool | None = None
    critical_share: bool | None = None
    keep_viable: bool | None = None
    no_squeeze: bool | None = None
    strict: bool = False
    #: the kinds of the registered rules whose plan rows are left out of the program
    #: (:func:`without_kinds`: a rule's kind or its plan kind, checked against the registry;
    #: stored as rule kinds in program order)
    without: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        from ._compat import FLAGS, flags_to_without

        off = flags_to_without({k: getattr(self, k) for k in FLAGS}, stacklevel=4)
        for k in FLAGS:
            object.__setattr__(self, k, None)
        object.__setattr__(self, "without", without_kinds(
            (*_names(self.without), *(k for k in off if _rules.get(k) is not None))))
        if not 0 < self.max_shift <= 1:
            raise OptionError(f"max_shift: expecting a share in (0, 1]. Got {self.max_shift!r}.")
        if not 1 <= int(self.horizon) <= MAX_HORIZON:
            raise OptionError(f"horizon: expecting years from 1 to {MAX_HORIZON}. "
                              f"Got {self.horizon!r}.")
        if not 0.5 <= self.alpha < 1:
            raise OptionError(f"alpha: expecting a level in [0.5, 1). Got {self.alpha!r}.")
        if self.capacity is not None and not 0 <= self.capacity <= 1:
            raise OptionError(f"capacity: expecting a share in 0..1. Got {self.capacity!r}.")
        check_scenarios(self.scenarios, self.seed)
        for d, p, v in self.capacities:
            if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= 1):
                raise OptionError(f"capacity for {d}:{p}: expecting a share in 0..1. Got {v!r}.")

    @property
    def budget(self) -> float:
        return min(1.0, self.max_shift * self.horizon)


@dataclass
class Constraint:
    name: str
    group: str
    kind: str
    domain: str
    slack: float
    marginal: float
    binding: bool
    explanation: str

    def to_dict(self) -> dict:
        return {"name": self.name, "group": self.group, "kind": self.kind,
                "domain": self.domain, "slack": self.slack, "shadow_price": self.marginal,
                "binding": self.binding, "explanation": self.explanation}


@dataclass
class Plan(RichSummary):
    """Result of :func:`plan`: target shares, the CVaR before and after, binding constraints
    with shadow prices, conflicts and relaxed doctrine constraints."""

    focal: str
    request: PlanRequest
    status: str
    shifts: pd.DataFrame
    cvar_before: float
    cvar_after: float
    var_before: float
    var_after: float
    binding: list[Constraint]
    conflicts: list[list[str]]
    relaxed: list[str]
    rules_before: list = field(default_factory=list)
    conflict_reasons: list[str] = field(default_factory=list)
    rules_after: list = field(default_factory=list)
    scenarios: Scenarios | None = None
    solver: dict = field(default_factory=dict)
    domains: dict = field(default_factory=dict)
    #: domain -> partner -> the capacity evidence behind its cap (basis, share, value, unit,
    #: period, source, text; :mod:`~equipoise.doctrine.plan.capacity`)
    capacity_evidence: dict = field(default_factory=dict)
    #: one line per planned domain: where its capacities come from
    capacity_notes: list = field(default_factory=list)

    @property
    def recommended(self) -> pd.DataFrame:
        """Rows whose share moves by more than 0.0005."""
        return self.shifts[self.shifts["shift"].abs() > 5e-4].reset_index(drop=True)

    def to_dict(self) -> dict:
        def recs(df):
            return df.to_dict("records")

        rb = {r.name: r for r in self.rules_before}
        # a change of state is a change of status (pass, fail, insufficient): an insufficient
        # verdict is not a violated constraint, and insufficient -> insufficient is no change
        changed = [{"name": r.name, "passed_before": rb[r.name].passed, "passed_after": r.passed,
                    "status_before": rb[r.name].status, "status_after": r.status,
                    "margin_before": rb[r.name].margin, "margin_after": r.margin}
                   for r in self.rules_after if r.name in rb and rb[r.name].label != r.label]
        return {
            "focal": self.focal, "status": self.status,
            "request": {"horizon": self.request.horizon, "max_shift": self.request.max_shift,
                        "budget": self.request.budget, "alpha": self.request.alpha,
                        "capacity": self.request.capacity, "scenarios": self.request.scenarios,
                        "seed": self.request.seed, "without": list(self.request.without)},
            "cvar_before": self.cvar_before, "cvar_after": self.cvar_after,
            "var_before": self.var_before, "var_after": self.var_after,
            "cvar_reduction": self.cvar_before - self.cvar_after,
            "shifts": recs(self.recommended), "targets": recs(self.shifts),
            "binding": [c.to_dict() for c in self.binding],
            "conflicts": self.conflicts, "conflict_reasons": self.conflict_reasons,
            "relaxed": self.relaxed,
            "rules_changed": changed,
            "rules_after": [r.to_dict() for r in self.rules_after],
            "domains": self.domains,
            "capacity_evidence": self.capacity_evidence,
            "capacity_notes": self.capacity_notes,
            "scenarios": {"n": self.scenarios.n if self.scenarios else None,
                          "description": self.scenarios.description if self.scenarios else "",
                          "assumptions": self.scenarios.assumptions if self.scenarios else {}},
            "solver": self.solver,
        }

    def renderables(self) -> list:
        from rich.table import Table

        r = self.request
        out: list = [
            f"Diversification plan for {self.focal}: horizon {r.horizon} years, at most "
            f"{fmt_share(r.max_shift, 0)} of a domain per year (budget {fmt_share(r.budget, 0)} per domain), "
            f"CVaR at {fmt_share(r.alpha, 0)} over {fmt_number(r.scenarios)} scenarios. Status: {self.status}.",
            f"CVaR {fmt_fixed(self.cvar_before, 4)} -> {fmt_fixed(self.cvar_after, 4)} "
            f"({_change(self.cvar_before, self.cvar_after)}); VaR {fmt_fixed(self.var_before, 4)} -> "
            f"{fmt_fixed(self.var_after, 4)}. (Loss = weighted share of the planned domains' flows lost "
            f"after substitution: {', '.join(self.domains)}.)"]
        t = Table(title="Recommended shifts")
        for c in ("domain", "partner", "now", "target", "shift", "capacity"):
            t.add_column(c, justify="left" if c in ("domain", "partner") else "right")
        for x in self.recommended.to_dict("records"):
            t.add_row(x["domain"], x["partner"], fmt_fixed(x['current']), fmt_fixed(x['target']),
                      fmt_signed(x['shift'], whole_from=None), fmt_fixed(x['capacity']))
        if not len(self.recommended):
            t.add_row("(no shift lowers the CVaR)", "", "", "", "", "")
        out.append(t)
        out += self._capacity_lines()
        out += self._substitutability_lines()
        b = Table(title="Binding constraints and shadow prices")
        b.add_column("constraint")
        b.add_column("shadow price", justify="right")
        b.add_column("meaning", overflow="fold")
        for c in self.binding:
            if c.kind != "sum_to_one":
                b.add_row(c.name, fmt_signed(c.marginal, 5, whole_from=None), c.explanation)
        out.append(b)
        prices = [c for c in self.binding if c.kind == "sum_to_one"]
        if prices:
            out.append("CVaR price of a unit of share at the margin (duals of the sum-to-one "
                       "rows): " + ", ".join(f"{c.domain} {fmt_signed(c.marginal, 4, whole_from=None)}" for c in prices))
        for i, conf in enumerate(self.conflicts):
            why = self.conflict_reasons[i] if i < len(self.conflict_reasons) else ""
            out.append("Conflict (these constraints cannot all hold): " + ", ".join(conf)
                       + (f" - {why}" if why else ""))
        if self.relaxed:
            out.append("Relaxed doctrine constraints: " + ", ".join(self.relaxed))
        rb = {x.name: x for x in self.rules_before}
        ch = [x for x in self.rules_after if x.name in rb and rb[x.name].label != x.label]
        if ch:
            out.append("Rules that change state under the plan: " + "; ".join(
                f"{x.name} {rb[x.name].label}->{x.label}" for x in ch))
        return out


    def _capacity_lines(self) -> list[str]:
        """The capacity behind every proposed increase, then where capacities come from."""
        up = [x for x in self.recommended.to_dict("records") if x["shift"] > 0]
        out = [f"{x['partner']}: {fmt_share(x['target'])} of {x['domain']} - capacity: "
               f"{x.get('capacity_evidence', '')}" for x in up]
        if self.capacity_notes:
            out.append("Capacity: " + "; ".join(self.capacity_notes) + ".")
        return out

    def _substitutability_lines(self) -> list[str]:
        """The substitutability each domain's loss reads, with its basis (as ``shock``)."""
        parts = [f"{d} {fmt_fixed(v['substitutability'], 2)} ({v['substitutability_kind']})"
                 + (f", by partner {len(v['substitutability_by_partner'])}"
                    if v.get("substitutability_by_partner") else "")
                 for d, v in self.domains.items() if "substitutability_kind" in v]
        return ["Substitutability in the loss (data = the assessment's measure, default = the "
                "documented fallback): " + "; ".join(parts) + "."] if parts else []

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(x['domain'])}</td><td>{html.escape(x['partner'])}"
                       f"</td><td>{fmt_fixed(x['current'])}</td><td>{fmt_fixed(x['target'])}</td>"
                       f"<td>{fmt_signed(x['shift'], whole_from=None)}</td></tr>"
                       for x in self.recommended.to_dict("records"))
        bind = "".join(f"<tr><td>{html.escape(c.name)}</td><td>{fmt_signed(c.marginal, 5, whole_from=None)}</td>"
                       f"<td>{html.escape(c.explanation)}</td></tr>" for c in self.binding)
        return (f"<h4>Plan for {html.escape(self.focal)} ({html.escape(self.status)})</h4>"
                f"<p>CVaR {fmt_fixed(self.cvar_before, 4)} &rarr; {fmt_fixed(self.cvar_after, 4)}</p>"
                f"<table><tr><th>domain</th><th>partner</th><th>now</th><th>target</th>"
                f"<th>shift</th></tr>{rows}</table><table><tr><th>constraint</th>"
                f"<th>shadow price</th><th>meaning</th></tr>{bind}</table>")


def _change(a: float, b: float) -> str:
    """The relative change from ``a`` to ``b`` (``+12.3%``), or ``no change`` from nothing."""
    return "no change" if a <= 0 else fmt_share((b - a) / a, signed=True)
