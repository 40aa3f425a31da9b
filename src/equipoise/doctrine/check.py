"""``check``: every rule of a doctrine against a focal state's data, with margins and evidence.

The rules themselves live in :mod:`equipoise.doctrine.rules`; this module runs them through an
assessment and attaches to each rule the evidence behind it: the numbers the rule compared and
the canonical flow rows (file, line, year, partner, indicator, value, unit, source) that produced
those numbers, so every margin can be traced back to a published figure.

:func:`assess` is the one function that builds an assessment and checks it: given a resolved
doctrine and flows (the front door :func:`equipoise.assess` resolves a path, None or a focal
override through :func:`equipoise.context.resolve_analysis`), it measures the flows
(:func:`equipoise.scorecard.build`, which takes what it needs of the doctrine as plain data,
:class:`~equipoise.scorecard.Basis`) and hands the builder the rule check
(:func:`check_rules_of`), so that every new assessment made from it (``with_shares``,
``with_flows``, ``with_blocs``) is checked the same way.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import pandas as pd

from .. import reference
from .._results import RichSummary, fmt_fixed, fmt_signed
from ..scorecard import Assessment, Basis, Check, FrozenMap, build, check_payload, peer_cell

__all__ = ["DoctrineCheck", "assess", "attach", "basis_of", "check", "check_assessment",
           "check_rules_of", "require_resolved", "rule_source_rows", "source_rows"]

ROW_COLUMNS = ("file", "line", "year", "partner", "indicator", "product", "value", "unit",
               "source")


def _rule_domains(name: str, evidence: dict) -> list[str]:
    """The domain(s) a rule is about, from its name (``kind:domain``, ``role:pole:domain``) or
    its evidence."""
    domains = set(reference.domain_list())
    last = name.rsplit(":", 1)[-1]
    if last in domains:
        return [last]
    if isinstance(evidence.get("domain"), str):
        return [evidence["domain"]]
    for key in ("leaders", "second_pole_share", "volatility"):
        if isinstance(evidence.get(key), dict):
            return [d for d in evidence[key] if d in domains]
    return []


def rule_source_rows(frame: pd.DataFrame, focal: str, domain_result, *,
                     index=None) -> pd.DataFrame:
    """The flow rows behind one domain's shares: the focal state's rows of the domain's
    indicators inside each indicator's window ending in the year used for that indicator
    (``indicator_years``; the domain's year where not given). ``index``: ``frame`` grouped
    once (:class:`equipoise.measures.quality.FlowIndex` of ``frame`` and ``focal``)."""
    from ..measures.quality import FlowIndex

    ind = reference.indicator_table()
    index = FlowIndex(frame, focal) if index is None else index
    rows = []
    own_years = getattr(domain_result, "indicator_years", None) or {}
    for indicator in domain_result.indicators:
        w = int(ind.at[indicator, "window"]) if indicator in ind.index else 1
        y = int(own_years.get(indicator, domain_result.year))
        mine = index.rows(indicator)
        rows.append(mine[(mine["year"] > y - w) & (mine["year"] <= y)])
    if not rows:
        return pd.DataFrame(columns=list(ROW_COLUMNS))
    out = pd.concat(rows, ignore_index=True)
    cols = [c for c in ROW_COLUMNS if c in out.columns]
    return out[cols].sort_values(["indicator", "year", "partner"]).reset_index(drop=True)


def _records(df: pd.DataFrame) -> list[dict]:
    recs = df.to_dict("records")
    for r in recs:
        for k, v in list(r.items()):
            if v is None or (isinstance(v, float) and math.isnan(v)):
                r[k] = None
            elif hasattr(v, "item"):
                r[k] = v.item()
    return recs


@dataclass(frozen=True)
class DoctrineCheck(RichSummary):
    """Result of :func:`check`: each rule with passed, margin and evidence. Immutable:
    :meth:`only_failed` gives a new check of the failing rules.

    Attributes
    ----------
    focal : str
        ISO3 code of the focal state.
    doctrine : Doctrine
        The doctrine checked.
    rules : list[RuleResult]
        One verdict per rule (:class:`~equipoise.doctrine.rules.RuleResult`, from the rule
        registry: :func:`equipoise.doctrine.rules.check_rules`).
    source_rows : dict[str, list[dict]]
        rule name -> the canonical flow rows behind its numbers.
    assessment : Assessment
        The assessment the rules were checked against.
    """

    focal: str
    doctrine: Any
    rules: list
    source_rows: dict[str, list[dict]] = field(default_factory=dict)
    assessment: Any = None

    @property
    def passed(self) -> bool:
        """True when every rule holds."""
        return all(r.passed for r in self.rules)

    @property
    def failed(self) -> list:
        """The rules that fail (an insufficient verdict is not a fail: see :attr:`insufficient`)."""
        return [r for r in self.rules if _label(r) == "FAIL"]

    @property
    def insufficient(self) -> list:
        """The rules the evidence was too weak to judge (status ``insufficient``)."""
        return [r for r in self.rules if getattr(r, "status", "") == "insufficient"]

    def only_failed(self) -> DoctrineCheck:
        """A new check holding only the rules that fail (``equipoise check --failed``), with
        their source rows; this one is left as it is."""
        failed = self.failed
        names = {r.name for r in failed}
        return replace(self, rules=failed,
                       source_rows={k: v for k, v in self.source_rows.items() if k in names})

    def rule(self, name: str):
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(f"no rule {name!r}; rules: {[r.name for r in self.rules]}")

    @property
    def table(self) -> pd.DataFrame:
        """One row per rule: name, passed, margin, value, threshold, description (and
        percentile and peer_year when a verdict is placed among peers)."""
        placed = any(getattr(r, "percentile", None) is not None for r in self.rules)
        return pd.DataFrame([{"name": r.name, "status": getattr(r, "status", None),
                              "reason": getattr(r, "reason", None),
                              "passed": r.passed, "margin": r.margin,
                              "value": r.value, "threshold": r.threshold,
                              **({"percentile": r.percentile, "peer_year": r.peer_year}
                                 if placed else {}),
                              "description": r.description} for r in self.rules])

    def evidence(self, name: str) -> dict:
        """The evidence of one rule, with its source rows."""
        r = self.rule(name)
        return {**r.evidence, "source_rows": self.source_rows.get(name, [])}

    def to_dict(self) -> dict:
        """``equipoise check --json``: ``rules`` is a list of records with ``name``, ``passed``,
        ``margin`` and ``evidence`` (plus value, threshold and description)."""
        return check_payload(self.focal, self.doctrine, self.rules, self.source_rows)

    def renderables(self) -> list:
        n_fail, n_ins = len(self.failed), len(self.insufficient)
        return [_CheckTable(self), f"{len(self.rules) - n_fail - n_ins} of {len(self.rules)} "
                f"rules hold; {n_fail} fail; {n_ins} insufficient (evidence too weak to judge). "
                "Margins: positive = room to spare, negative = how far the rule is broken. "
                "`equipoise explain --domain D` lists the rows."]

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(r.name)}</td><td>{'pass' if r.passed else '<b>' + html.escape(_label(r)) + '</b>'}</td>"
            f"<td>{html.escape(fmt_signed(r.margin, whole_from=None))}</td>"
            f"<td>{html.escape(_short(r.value))}</td>"
            f"<td>{html.escape(', '.join(sorted({x['source'] for x in self.source_rows.get(r.name, [])})))}"
            f"</td></tr>" for r in self.rules)
        return (f"<h4>Doctrine check: {html.escape(self.focal)} "
                f"({html.escape(self.doctrine.name)})</h4><table><tr><th>rule</th><th>passed</th>"
                f"<th>margin</th><th>value</th><th>sources</th></tr>{rows}</table>")


class _CheckTable:
    """The rule table, laid out for the width it is printed in: every column from
    :data:`WIDE` characters on; below it (a pipe, an 80-column terminal) the rule name wrapped
    after its kind, the verdict and its reason on two lines, the margin in full and the value
    with its threshold, without the sources (``--json`` and ``explain`` have them)."""

    #: the narrowest width that holds every column
    WIDE = 120

    def __init__(self, result: DoctrineCheck) -> None:
        self.result = result

    def __rich_console__(self, console, options):
        yield self.table(options.max_width)

    def table(self, width: int):
        from rich.table import Table

        res = self.result
        t = Table(title=f"Doctrine check: {res.focal} ({res.doctrine.name})")
        placed = any(getattr(r, "percentile", None) is not None for r in res.rules)
        if width >= self.WIDE:
            t.add_column("rule", no_wrap=True)
            t.add_column("passed", no_wrap=True)
            t.add_column("margin", no_wrap=True, justify="right")
            t.add_column("value", overflow="fold", max_width=36)
            t.add_column("threshold", overflow="fold", max_width=24)
            if placed:
                t.add_column("among peers", overflow="fold", max_width=30)
            t.add_column("sources", overflow="fold", max_width=28)
            for r in res.rules:
                srcs = sorted({str(x.get("source")) for x in res.source_rows.get(r.name, [])})
                t.add_row(r.name, _label(r), fmt_signed(r.margin, whole_from=None),
                          _brief(r.value), _brief(r.threshold), *((peer_cell(r),) if placed else ()),
                          ", ".join(srcs[:4]) + (f" +{len(srcs) - 4}" if len(srcs) > 4 else ""))
            return t
        t.add_column("rule", no_wrap=True)
        t.add_column("verdict", no_wrap=True)
        t.add_column("margin", no_wrap=True, justify="right", min_width=6)
        t.add_column("value (threshold)" + ("; among peers" if placed else ""), overflow="fold")
        for r in res.rules:
            peer = (f"\namong peers: {peer_cell(r)}"
                    if placed and getattr(r, "percentile", None) is not None else "")
            t.add_row(_wrapped_name(r.name), _label(r).replace(" (", "\n("),
                      fmt_signed(r.margin, whole_from=None),
                      f"{_brief(r.value, 40)} ({_brief(r.threshold, 30)}){peer}")
        return t


def _wrapped_name(name: str, limit: int = 20) -> str:
    """A rule name for a narrow column: a long one broken after its kind (``kind:`` then the
    rest on the next line)."""
    if len(name) <= limit or ":" not in name:
        return name
    kind, rest = name.split(":", 1)
    return f"{kind}:\n{rest}"


def _label(r) -> str:
    """``pass``, ``FAIL`` or ``insufficient (reason)``."""
    return getattr(r, "label", None) or ("pass" if r.passed else "FAIL")


def _brief(v: Any, limit: int = 60) -> str:
    """A value for a table cell: numbers to three decimals, dicts as ``key value`` pairs."""
    if isinstance(v, bool) or v is None:
        return "-" if v is None else str(v)
    if isinstance(v, float):
        return fmt_fixed(v)
    if isinstance(v, dict):
        s = ", ".join(f"{k} {_brief(x, 20)}" for k, x in v.items())
    elif isinstance(v, (list, tuple)):
        s = ", ".join(_brief(x, 20) for x in v) or "none"
    else:
        s = str(v)
    return s if len(s) <= limit else s[:limit - 3] + "..."


def _short(v: Any) -> str:
    if isinstance(v, float):
        return fmt_signed(v, whole_from=None)
    s = str(v)
    return s if len(s) <= 50 else s[:47] + "..."


def attach(assessment: Assessment, flows=None, *, plan=None, evaluations=()) -> Assessment:
    """A new assessment whose output also holds a plan and action evaluations:
    ``to_dict()["doctrine"]`` then holds ``check``, ``plan`` and ``evaluations`` (what
    ``equipoise assess --json`` prints once it passes them). With ``flows`` other than those
    the assessment was computed from, the check's source rows are taken from ``flows``.

    Returns a new assessment (the one given is left as it is).
    """
    a = assessment
    frame = None if flows is None else (flows.data if hasattr(flows, "data") else flows)
    if frame is not None and frame is not a.frame and a.check is not None:
        a = replace(a, check=replace(a.check, rows=partial(source_rows, a, a.rules, frame)))
    return a.with_outputs(plan=None if plan is None else plan.to_dict(),
                          evaluations=[e.to_dict() for e in evaluations])


def _domain_rows(a, frame: pd.DataFrame, r, cache: dict) -> list[dict]:
    """The default evidence rows of a verdict: the rows behind the domains it is about."""
    recs: list[dict] = []
    for d in _rule_domains(r.name, r.evidence):
        if d not in a.domains:
            continue
        if d not in cache:
            if "" not in cache:  # the flows grouped once, on the first domain asked for
                from ..measures.quality import FlowIndex

                cache[""] = FlowIndex(frame, a.focal)
            cache[d] = _records(rule_source_rows(frame, a.focal, a.domains[d],
                                                 index=cache[""]))
        recs.extend(cache[d])
    return recs


def source_rows(a, rules, frame: pd.DataFrame) -> dict[str, list[dict]]:
    """Rule name -> the canonical rows of ``frame`` behind each verdict of ``rules`` (the
    rule's own :meth:`~equipoise.doctrine.rules.Rule.source_rows`, else the rows of the domains
    the verdict is about)."""
    from . import rules as registry

    rows: dict[str, list[dict]] = {}
    cache: dict[str, list[dict]] = {}
    for r in rules:
        rule = registry.get(r.kind)
        own = None if rule is None else rule.source_rows(a, frame, r)
        rows[r.name] = own if own is not None else _domain_rows(a, frame, r, cache)
    return rows


def check_rules_of(a: Assessment) -> Check:
    """The rule check of an assessment: every registered rule's verdict
    (:func:`equipoise.doctrine.rules.check_rules`) and the rows behind each, from the flows
    the assessment was computed from (looked up when first asked for). The checker
    :func:`assess` gives the builder."""
    from .rules import check_rules

    rules = tuple(check_rules(a))
    return Check(rules=rules, rows=None if a.frame is None
                 else partial(source_rows, a, rules, a.frame))


def check_assessment(a: Assessment, frame: pd.DataFrame | None = None) -> DoctrineCheck:
    """A :class:`DoctrineCheck` from an existing assessment (its rules, with source rows from
    ``frame``, the flows it was computed from; none without ``frame``)."""
    if frame is None:
        rows: dict = {}
    elif frame is a.frame and a.check is not None:
        rows = dict(a.check.source_rows)
    else:
        rows = source_rows(a, a.rules, frame)
    return DoctrineCheck(focal=a.focal, doctrine=a.doctrine, rules=list(a.rules),
                         source_rows=rows, assessment=a)


def basis_of(doctrine, corridors=None, grades=None) -> Basis:
    """What the measures need of ``doctrine``, as plain data; ``corridors``: the corridor graph
    whose alternative capacity measures the substitutability of corridors and energy (None:
    not measured on a graph); ``grades``: source id -> evidence grade of the source registers
    (:func:`equipoise.context.source_grades`; None: no register, every grade unknown)."""
    t = doctrine.thresholds
    known = [*reference.load("domains")["domain"], *doctrine.domains.substitutability]
    return Basis(focal=doctrine.focal, poles=tuple(doctrine.poles),
                 functional=tuple(doctrine.domains.functional),
                 substitutability={d: doctrine.substitutability(d) for d in known},
                 critical_share=t.critical_share, low_substitutability=t.low_substitutability,
                 # a percentile among peers is resolved per domain by the rule, not here
                 hhi=t.hhi if isinstance(t.hhi, float) else float("nan"),
                 squeeze_share=t.squeeze_share, grades=FrozenMap(grades or {}),
                 **_substitution(doctrine, corridors))


def _substitution(doctrine, corridors=None) -> dict:
    """What the measures need for data-based substitutability, and what the registered rules
    contribute (:func:`equipoise.doctrine.rules.basis_fields`: the dominant share of the
    critical-dependency rule; without a rule giving it, :class:`Basis`'s default);
    ``corridors``: the corridor graph, measured over the named flow systems it carries
    (``corridors.systems``, resolved with it by :func:`equipoise.context.resolve_corridors`)."""
    from .rules import basis_fields
    from .rules.critical import measured_for

    return {**basis_fields(doctrine),
            "viable_share": doctrine.thresholds.viable_share,
            "stated": tuple(doctrine.domains.substitutability),
            "measured": measured_for(corridors), "corridors": corridors,
            "equidistance_measure": doctrine.equidistance_measure}


def require_resolved(doctrine, flows, what: str) -> None:
    """The doctrine layer takes a resolved doctrine and flows (:mod:`equipoise.context` resolves
    a path, None or a focal override; the front doors :func:`equipoise.assess`,
    :func:`equipoise.check`, ... go through it)."""
    from .model import Doctrine

    if not isinstance(doctrine, Doctrine):
        raise TypeError(f"{what}: doctrine must be a Doctrine, got {type(doctrine).__name__}; "
                        f"equipoise.{what} (or equipoise.context.resolve_analysis) resolves a "
                        "path, None or a focal override")
    if flows is None:
        raise TypeError(f"{what}: flows are required; equipoise.{what} (or "
                        "equipoise.context.resolve_analysis) gives the embedded dataset")


def assess(flows, *, doctrine, year: int | None = None,
           weights: Mapping[str, float] | None = None, votes=None, engagement: bool = True,
           events=None, idealpoints=None, peers=None, products=None,
           corridors=None, grades=None) -> Assessment:
    """Assess a focal state's relations against its doctrine of functional balance: measure
    the flows (:func:`equipoise.scorecard.build`) and check the doctrine's rules.

    The doctrine layer's assess takes resolved inputs; the front door
    :func:`equipoise.assess` (:mod:`equipoise.assessment`) resolves a doctrine path or None, a
    focal override, the default flows and the default corridor graph through
    :mod:`equipoise.context` first, and documents every parameter.

    Parameters
    ----------
    flows
        A :class:`~equipoise.io.flows.FlowSet` or canonical flows DataFrame.
    doctrine
        A :class:`~equipoise.doctrine.model.Doctrine`; its focal state is assessed.
    year, weights, votes, engagement, events, idealpoints, peers, products
        As for :func:`equipoise.assess`.
    corridors
        The corridor graph (:class:`~equipoise.risk.corridors.CorridorGraph`) whose alternative
        capacity without a partner gives the substitutability of corridors and energy; None: no
        graph (those domains keep the doctrine's stated substitutability).
    grades
        Source id -> evidence grade of the source registers (the front door passes
        :func:`equipoise.context.source_grades`); None: no register, every grade unknown.

    Returns
    -------
    Assessment
        Immutable; ``with_shares``, ``with_flows`` and ``with_blocs`` give new ones, checked
        again.
    """
    from .rules import membership_check

    require_resolved(doctrine, flows, "assess")
    frame = flows.data if hasattr(flows, "data") else flows
    return build(frame, basis_of(doctrine, corridors, grades), doctrine=doctrine, year=year,
                 weights=weights,
                 votes=votes, engagement=engagement, events=events,
                 blocs=membership_check(doctrine, year), checker=check_rules_of,
                 idealpoints=idealpoints, peers=peers, products=products)


def check(flows=None, *, doctrine=None, year: int | None = None, assessment=None, votes=None,
          idealpoints=None, peers=None, products=None, corridors=None,
          grades=None) -> DoctrineCheck:
    """Check every rule of the doctrine against the focal state's data (``grades``: as for
    :func:`assess`).

    The doctrine layer's check takes resolved inputs: an ``assessment`` to check (``flows``,
    the flows it was computed from, give the source rows), or ``flows`` and a
    :class:`~equipoise.doctrine.model.Doctrine` to assess first. The front door
    :func:`equipoise.check` resolves a doctrine path or None, a focal override, the default
    flows and the corridor graph through :mod:`equipoise.context`, and documents every
    parameter.

    Returns
    -------
    DoctrineCheck
        Every rule with ``passed``, ``margin`` (positive = room to spare) and ``evidence``
        (the compared numbers and the canonical source rows behind them).
    """
    frame = None if flows is None else (flows.data if hasattr(flows, "data") else flows)
    if assessment is None:
        require_resolved(doctrine, flows, "check")
        assessment = assess(flows, year=year, doctrine=doctrine, votes=votes,
                            idealpoints=idealpoints, peers=peers, products=products,
                            corridors=corridors, grades=grades)
    return check_assessment(assessment, frame)
