"""The parts every doctrine rule shares: the verdict, the rule class, a threshold and a plan row.

A rule is one subclass of :class:`Rule` registered in :mod:`equipoise.doctrine.rules`: its
``kind``, the thresholds it reads, a ``check`` that returns verdicts, and where it has them its
plan rows, their explanation and their relaxation priority. See docs/architecture.md, "Adding a
rule".
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from ..._results import fmt_share, fmt_sig, fmt_signed

# the evidence bounds' defaults and rationale live beside the quality measures
from ...measures.quality import DEFAULT_MAX_AGE, DEFAULT_MIN_COVERAGE, bounds

__all__ = [
    "DEFAULT_MAX_AGE",
    "DEFAULT_MIN_COVERAGE",
    "EVIDENCE_BOUNDS",
    "FAIL",
    "INSUFFICIENT",
    "MAX_AGE",
    "MIN_COVERAGE",
    "PASS",
    "REASONS",
    "PlanContext",
    "PlanRow",
    "Rule",
    "RuleResult",
    "Threshold",
    "bounds",
    "commonest_reason",
    "evidence_gate",
    "functional_gates",
    "insufficient",
]

#: Verdict states. ``insufficient``: the evidence is too weak to judge (no data, coverage below
#: the doctrine's bound, single-partner evidence only, stale); such a verdict has
#: ``passed = False`` (kept a bool for compatibility) and a ``reason`` from :data:`REASONS`.
PASS = "pass"
FAIL = "fail"
INSUFFICIENT = "insufficient"
REASONS = ("no_data", "low_coverage", "single_partner", "stale", "no_peer_data")
#: the keys a verdict placed among peers adds (``to_dict`` leaves them out when it is not)
PEER_KEYS = ("percentile", "peers", "peer_year")



@dataclass(frozen=True)
class RuleResult:
    """One rule's verdict: ``passed`` and ``status``, the signed ``margin`` (positive = room to
    spare), the numbers compared (``value`` against ``threshold``) and the ``evidence``."""

    name: str
    passed: bool
    margin: float
    value: Any
    threshold: Any
    description: str
    evidence: dict = field(default_factory=dict)
    #: ``"pass"``, ``"fail"`` or ``"insufficient"``; left empty it follows ``passed``
    status: str = ""
    #: why a verdict is insufficient (one of :data:`REASONS`), else None
    reason: str | None = None
    #: where ``value`` falls among peers, 0..100 (the world panel's distribution of the
    #: rule's measure in ``peer_year``; :mod:`equipoise.doctrine.peers`), else None
    percentile: float | None = None
    #: the peer set: ``group``, ``n``, ``states``, ``measure``, ``domain``
    peers: dict | None = None
    peer_year: int | None = None

    def __post_init__(self) -> None:
        if not self.status:
            object.__setattr__(self, "status", PASS if self.passed else FAIL)
        if self.status not in (PASS, FAIL, INSUFFICIENT):
            raise ValueError(f"RuleResult {self.name}: status {self.status!r}; expected pass, "
                             "fail or insufficient")
        if self.status == INSUFFICIENT and self.passed:
            raise ValueError(f"RuleResult {self.name}: an insufficient verdict has passed=False")

    @property
    def insufficient(self) -> bool:
        """True when the evidence was too weak to judge (``status == "insufficient"``)."""
        return self.status == INSUFFICIENT

    @property
    def failed(self) -> bool:
        """True for a real fail (not for an insufficient verdict)."""
        return self.status == FAIL

    @property
    def label(self) -> str:
        """``pass``, ``FAIL`` or ``insufficient (reason)``: the verdict as tables print it."""
        if self.status == INSUFFICIENT:
            return f"insufficient ({self.reason})"
        return "pass" if self.passed else "FAIL"

    @property
    def kind(self) -> str:
        """The rule kind: the name up to its first ``:`` (``role:CHN:trade`` -> ``role``)."""
        return self.name.split(":", 1)[0]

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.percentile is None and self.peers is None and self.peer_year is None:
            for k in PEER_KEYS:
                d.pop(k)
        return d


def insufficient(name: str, reason: str, threshold: Any, description: str,
                 evidence: dict | None = None, detail: str = "") -> RuleResult:
    """An ``insufficient`` verdict: passed False, margin NaN (nothing was measured against the
    bound), ``reason`` one of :data:`REASONS`, ``detail`` a sentence in the evidence."""
    if reason not in REASONS:
        raise ValueError(f"insufficient {name}: reason {reason!r}; expected one of {REASONS}")
    ev = dict(evidence or {})
    if detail:
        ev["insufficient"] = detail
    return RuleResult(name, False, float("nan"), None, threshold, description, ev,
                      status=INSUFFICIENT, reason=reason)


def evidence_gate(a, domain: str, *, single_partner: bool = True) -> tuple[str, str] | None:
    """``(reason, detail)`` when domain ``domain`` of assessment ``a`` is too weakly evidenced
    for a verdict, else None: no data; coverage below ``min_coverage``; every share indicator
    single-partner (when ``single_partner``); newest share indicator older than ``max_age``."""
    r = a.domains.get(domain) if hasattr(a.domains, "get") else None
    if r is None:
        return "no_data", f"no data for domain {domain}"
    min_cov, max_age = bounds(a.doctrine)
    cov = getattr(r, "coverage", None)
    if cov is not None and cov < min_cov:
        return "low_coverage", (f"{domain}: the partner rows are shown to cover {fmt_share(cov)} of "
                                f"the domain's total (indicators without a WLD total count "
                                f"0), below the doctrine's min_coverage {fmt_sig(min_cov, 6, thousands=False)}")
    if single_partner and getattr(r, "single_partner_only", False):
        return "single_partner", (f"{domain}: every share indicator has one partner by "
                                  f"construction ({', '.join(r.indicators)})")
    age = getattr(r, "recency", None)
    if age is not None and age > max_age:
        return "stale", (f"{domain}: the newest figure ({r.year}) is {age} years behind the "
                         f"assessment year, more than the doctrine's max_age {max_age}")
    return None


def functional_gates(a) -> dict[str, tuple[str, str]]:
    """The doctrine's functional domains whose evidence is too weak to say who leads them:
    domain -> ``(reason, detail)`` (:func:`evidence_gate`; a domain without data is
    ``no_data``). The domain-wide rules on leaders and squeezes judge the others only."""
    out = {}
    for d in a.doctrine.domains.functional:
        gate = evidence_gate(a, d)
        if gate:
            out[d] = gate
    return out


def commonest_reason(gates: dict[str, tuple[str, str]]) -> str:
    """The reason most of ``gates`` share (the first one listed on a tie)."""
    reasons = [g[0] for g in gates.values()]
    return max(dict.fromkeys(reasons), key=reasons.count)


@dataclass(frozen=True)
class Threshold:
    """A threshold a rule reads from the doctrine's ``[thresholds]`` table: its default and the
    closed range a TOML value must fall in (a number, not a boolean, finite); ``peers``: it may
    also be written as a percentile among peers (``"p50 of all states"``,
    :mod:`equipoise.doctrine.peers`; so far only the fields of
    :class:`~equipoise.doctrine.model.Thresholds` parse one: :meth:`validate`, which checks a
    threshold a rule adds, accepts numbers only).

    Every rule declares each threshold it reads (:attr:`Rule.thresholds`); rules reading the
    same threshold declare the same :class:`Threshold` (the registry refuses two different
    declarations of one key). The shipped rules' thresholds are also fields of
    :class:`~equipoise.doctrine.model.Thresholds`, which validates them (a percentile among
    peers included); ``tests/doctrine/test_thresholds_declared.py`` holds the declarations and
    those fields to the same defaults and ranges."""

    default: float
    low: float = 0.0
    high: float = 1.0
    integer: bool = False
    doc: str = ""
    peers: bool = False

    def validate(self, key: str, value: Any) -> float:
        ok_type = int if self.integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_type) \
                or not math.isfinite(float(value)) or not self.low <= value <= self.high:
            what = "a whole number" if self.integer else "a number"
            raise ValueError(f"thresholds.{key}: expecting {what} in {fmt_sig(self.low, 6, thousands=False)}..{fmt_sig(self.high, 6, thousands=False)}"
                             f", got {value!r}")
        return value


#: The two evidence bounds of :func:`evidence_gate` (and :func:`functional_gates`), declared by
#: every rule that gates its verdict on them (their defaults and rationale:
#: :mod:`equipoise.measures.quality`).
MIN_COVERAGE = Threshold(
    DEFAULT_MIN_COVERAGE,
    doc="least share of a WLD total the partner rows must cover for a domain verdict; below "
        "it the missing part could hold a partner larger than any measured")
MAX_AGE = Threshold(
    DEFAULT_MAX_AGE, 0, 100, integer=True,
    doc="most years a domain's newest figure may lie behind the assessment year (the lookback "
        "over which an indicator stays current)")
EVIDENCE_BOUNDS = {"min_coverage": MIN_COVERAGE, "max_age": MAX_AGE}


@dataclass
class PlanRow:
    """One row of the plan's linear program: ``sum coefs[j] x_j <= rhs`` (``== rhs`` when
    ``eq``); ``group`` is what the relaxation drops together, ``kind`` the rule's plan kind."""

    name: str
    group: str
    kind: str
    domain: str
    coefs: dict[int, float]
    rhs: float
    eq: bool = False
    names: dict = field(default_factory=dict)


@dataclass
class PlanContext:
    """What a rule needs to build its plan rows: the assessment, the planned domains, the
    current shares ``x0`` (domain -> partner -> share, poles and OTH included) and a function
    ``codes(pole, domain)`` giving the partners of ``x0[domain]`` that make up a pole."""

    assessment: Any
    domains: list[str]
    x0: dict[str, dict[str, float]]
    codes: Any


class Rule:
    """A doctrine rule kind. Subclass it, set the class attributes, implement :meth:`check`.

    Attributes
    ----------
    kind : str
        The rule kind, the first part of every verdict name (``kind`` or ``kind:<domain>``).
    order : int
        Its place in the output (the shipped rules use 10..90; equal orders keep the order of
        registration, so a rule registered later without an order comes last).
    reads : tuple[str, ...]
        The assessment attributes the check reads (``domains``, ``distinctness``,
        ``equidistance``, ``predictability``, ``blocs``, ``doctrine``); registering a rule that
        reads anything else fails, so the plan's "rules after" cannot go stale silently.
    thresholds : dict[str, Threshold]
        Every threshold of the doctrine TOML this rule reads, with its default and range (the
        shipped rules' are also fields of :class:`~equipoise.doctrine.model.Thresholds`; a new
        rule's are added to the ``[thresholds]`` table by declaring them here). A rule gated
        on the evidence (:func:`evidence_gate`) declares :data:`EVIDENCE_BOUNDS`.
    per_critical_domain : bool
        Checked once per critical domain with data (``check(a, domain)``); neighbouring
        per-domain rules are interleaved domain by domain.
    plan_kind : str or None
        The kind of the rule's plan rows (None: the rule has no plan rows).
    plan_order : int
        Where its rows go in the program (lower first).
    priority : int
        Relaxation priority of its plan rows when the program is infeasible: the lowest is
        dropped first.

    A rule's plan rows are switched off by its ``kind`` (or ``plan_kind``) in the plan's
    ``without`` (``equipoise plan --without KIND``).
    """

    kind: ClassVar[str] = ""
    order: ClassVar[int] = 1000
    reads: ClassVar[tuple[str, ...]] = ()
    thresholds: ClassVar[dict[str, Threshold]] = {}
    per_critical_domain: ClassVar[bool] = False
    plan_kind: ClassVar[str | None] = None
    plan_order: ClassVar[int] = 100
    priority: ClassVar[int] = 100

    def check(self, a, domain: str | None = None) -> RuleResult | list[RuleResult] | None:
        """The verdict(s) of this rule on assessment ``a`` (of ``domain`` when per domain)."""
        raise NotImplementedError

    def threshold(self, doctrine, key: str):
        """A threshold of the doctrine: the TOML value, else this rule's default."""
        v = getattr(doctrine.thresholds, key, None)
        return self.thresholds[key].default if v is None else v

    def basis(self, doctrine) -> dict:
        """The fields of :class:`~equipoise.scorecard.Basis` (what the measures read of the
        doctrine, as plain data) this rule contributes, e.g. a threshold the measures screen
        with; none by default. :func:`~equipoise.doctrine.check.basis_of` merges every
        registered rule's."""
        return {}

    def source_rows(self, a, frame, verdict: RuleResult) -> list[dict] | None:
        """The canonical rows behind a verdict, or None for the default (the rows of the
        domains the verdict is about)."""
        return None

    # ------------------------------------------------------------------ plan (optional)
    def plan_spec(self, ctx: PlanContext) -> Any:
        """The rule's plan input built from the assessment (domain -> spec); None or empty for
        no rows."""
        return None

    def plan_rows(self, spec: Any, x0: dict, idx: dict) -> list[PlanRow]:
        """The program rows of ``spec``; ``idx[(domain, partner)]`` is a share's column."""
        return []

    def explain(self, row: PlanRow, gain: str, marginal: float) -> str:
        """A sentence on a binding row: ``gain`` is the CVaR change per 0.01 of share."""
        return f"dual value {fmt_signed(marginal, 5, whole_from=None)}"

    def diagnose(self, group: str, rows: list[PlanRow], x0: dict, budget: float) -> list[str]:
        """Sentences on why this rule's ``group`` takes part in an infeasible set."""
        return []
