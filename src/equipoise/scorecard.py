"""The typed, immutable assessment of one focal state and the measuring that builds it.

An :class:`Assessment` is a frozen record: per-domain results (:class:`DomainResult`),
functional distinctness (:class:`Distinctness`), equidistance (:class:`Equidistance`),
predictability per domain (:class:`Predictability`), bloc memberships (:class:`Blocs`), the engagement balance
(:class:`Engagement`) and the doctrine's check (:class:`Check`). It is built once, by
:func:`build`; :meth:`Assessment.with_shares`, :meth:`Assessment.with_flows` and
:meth:`Assessment.with_blocs` return a *new* assessment with everything that depends on the
change recomputed by the same functions, the rule check included. Its containers are
read-only too: ``domains`` and ``predictability`` are :class:`FrozenMap` (``a.domains[d] = x``
raises ``TypeError``), each domain's predictability a frozen :class:`Predictability`.

This module knows nothing of the doctrine package: what the measures need of a doctrine comes
as plain data (:class:`Basis`), and the rule check as a function given by the caller
(``checker``, :func:`equipoise.doctrine.check.assess` passes the registry's). The front door
that loads a doctrine, measures and checks is :func:`equipoise.assess`
(:func:`equipoise.doctrine.check.assess`).

The records read like the dicts they replace (``a.distinctness["leaders"]``,
``a.equidistance.get("spread")``): their mapping view is exactly their ``to_dict()``, the shape
``equipoise assess --json`` prints.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from . import reference
from ._results import RichSummary, fmt_fixed, fmt_share, fmt_sig, fmt_signed
from .measures.concentration import effective_partners, hhi, hhi_normalised

__all__ = ["EVIDENCE_SAMPLE", "Assessment", "Asymmetry", "Basis", "Blocs", "Check", "Distinctness",
           "DomainResult", "Engagement", "Equidistance", "FrozenMap", "Predictability", "build",
           "check_payload", "display_path", "peer_cell", "reference_evidence"]

COMPOSITE = "(domain composite)"


# --------------------------------------------------------------------------- records

class _Record(Mapping):
    """A frozen record read like the dict it replaces: ``r[key]``, ``r.get(key)`` and
    ``r.items()`` give what ``r.to_dict()`` gives; attributes give the typed fields."""

    __slots__ = ()

    def to_dict(self) -> dict:  # pragma: no cover - each record defines it
        raise NotImplementedError

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __iter__(self):
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())


class _Open(_Record):
    """A record made from a dict whose keys vary with the source (the flows or the roll calls,
    the shipped tables or none): the known keys are typed fields, the others are in ``more``;
    ``order`` keeps the keys in the order given (None: every typed field that is not None)."""

    __slots__ = ()

    @classmethod
    def from_dict(cls, d: Mapping | None):
        if d is None:
            return None
        if isinstance(d, cls):
            return d
        names = {f.name for f in fields(cls)} - {"order", "more"}
        return cls(**{k: v for k, v in d.items() if k in names}, order=tuple(d),
                   more={k: v for k, v in d.items() if k not in names})

    def to_dict(self) -> dict:
        more = self.more  # type: ignore[attr-defined]
        order = self.order  # type: ignore[attr-defined]
        if order is None:
            order = [f.name for f in fields(self) if f.name not in ("order", "more")
                     and getattr(self, f.name) is not None] + list(more)
        return {k: more[k] if k in more else getattr(self, k) for k in order}


class FrozenMap(Mapping):
    """A read-only mapping (what ``Assessment.domains`` and ``Assessment.predictability``
    are): read like a dict, ``m[k] = v`` and ``del m[k]`` raise ``TypeError``. Unlike
    :class:`types.MappingProxyType` it pickles and copies (an assessment crosses to a worker
    process); ``dict(m)`` or ``m.copy()`` gives a plain dict to change."""

    __slots__ = ("_d",)

    def __init__(self, data: Mapping | None = None):
        object.__setattr__(self, "_d", dict(data or {}))

    def __getitem__(self, key):
        return self._d[key]

    def __iter__(self):
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __reduce__(self):
        return (type(self), (self._d,))

    def copy(self) -> dict:
        """A plain (changeable) dict of the same items."""
        return dict(self._d)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._d!r})"


def _freeze(x: Any) -> Any:
    """``x`` with every dict a :class:`FrozenMap` and every list a tuple (read-only all the
    way down)."""
    if isinstance(x, Mapping) and not isinstance(x, _Record):
        return FrozenMap({k: _freeze(v) for k, v in x.items()})
    if isinstance(x, list):
        return tuple(_freeze(v) for v in x)
    return x


def _thaw(x: Any) -> Any:
    """The plain JSON-ready shape of a :func:`_freeze`-d value: dicts and lists again (exact
    types, not ``isinstance``: the rule check reads these on every ``with_shares``)."""
    t = type(x)
    if t is FrozenMap:
        return {k: _thaw(v) for k, v in x._d.items()}
    if t is tuple:
        return [_thaw(v) for v in x]
    return x


@dataclass(frozen=True, eq=False)
class Predictability(_Record):
    """One domain's predictability (:func:`equipoise.measures.predictability.share_volatility`):
    the mean year-on-year change of its shares (``volatility``, NaN without a comparable pair),
    the years, the comparable and insufficient pairs, each pair's change (read-only mappings:
    ``from``, ``to``, ``tv`` ...) and a ``note`` when the volatility is unknown. Its mapping
    view is the dict ``share_volatility`` gives (``p["changes"]`` a list of dicts)."""

    volatility: float
    years: tuple[int, ...] = ()
    n_pairs: int = 0
    n_insufficient: int = 0
    changes: tuple[Mapping, ...] = ()
    note: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping) -> Predictability:
        if isinstance(d, cls):
            return d
        known = {f.name for f in fields(cls)}
        extra = sorted(set(d) - known)
        if extra or "volatility" not in d:
            raise ValueError(f"a domain's predictability: expecting the keys {sorted(known)} "
                             f"(volatility required). Got {sorted(d)}.")
        return cls(**{k: tuple(_freeze(v)) if k in ("years", "changes") else v
                      for k, v in d.items()})

    def to_dict(self) -> dict:
        return {k: self[k] for k in self}

    def __iter__(self):
        keys = ("volatility", "years", "n_pairs", "n_insufficient", "changes")
        return iter(keys if self.note is None else (*keys, "note"))

    def __len__(self) -> int:
        return 5 if self.note is None else 6

    def __getitem__(self, key: str) -> Any:
        # one key at a time (the rule reads a few keys of every domain on every check): a
        # fresh plain copy of a container, a scalar as it is
        if key == "changes":
            return [_thaw(c) for c in self.changes]
        if key == "years":
            return list(self.years)
        if key in ("volatility", "n_pairs", "n_insufficient") or (key == "note"
                                                                  and self.note is not None):
            return getattr(self, key)
        raise KeyError(key)


def _frozen_predictability(p: Mapping) -> FrozenMap:
    """Assessment.predictability: domain -> :class:`Predictability`, read-only."""
    if isinstance(p, FrozenMap) and all(isinstance(v, Predictability) for v in p.values()):
        return p
    return FrozenMap({d: Predictability.from_dict(v) for d, v in p.items()})


@dataclass(frozen=True, eq=False)
class Equidistance(_Open):
    """Agreement with each pole and its spread (from the ``political.unga.agreement`` rows of
    the flows, or from roll calls with bootstrap intervals: those add ``intervals``,
    ``spread_lower``, ``spread_upper``, ``closest`` ... in ``more``)."""

    measure: str | None = None
    period: Any = None
    agreement: dict = field(default_factory=dict)
    spread: float | None = None
    missing_poles: list | None = None
    sources: list | None = None
    note: str | None = None
    order: tuple | None = None
    more: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Blocs(_Open):
    """The focal state's memberships, those of a forbidden kind (``violations``) and those led
    by a pole."""

    memberships: list = field(default_factory=list)
    violations: list = field(default_factory=list)
    led_by_pole: list = field(default_factory=list)
    note: str | None = None
    order: tuple | None = None
    more: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Engagement(_Open):
    """The engagement balance across poles (:func:`equipoise.measures.engagement.
    engagement_summary`): ``window`` and ``latest`` shares of visits, agreements and value."""

    window: dict | None = None
    latest: dict | None = None
    by_domain: dict | None = None
    multilateral: list | None = None
    sources: list | None = None
    order: tuple | None = None
    more: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Distinctness(_Record):
    """Which pole leads which functional domain, squeezed domains, specialisation (NMI)."""

    leaders: dict
    domains_led: dict
    squeezed: list
    specialisation_nmi: float
    pole_shares: dict
    specialisation_definition: str = (
        "normalised mutual information I(P;D)/sqrt(H(P)H(D)) of the pole x domain share matrix "
        "(Strehl & Ghosh 2002); 1 = each pole in its own domains")

    def to_dict(self) -> dict:
        return {"leaders": self.leaders, "domains_led": self.domains_led,
                "squeezed": self.squeezed, "specialisation_nmi": self.specialisation_nmi,
                "specialisation_definition": self.specialisation_definition,
                "pole_shares": self.pole_shares}


@dataclass(frozen=True, eq=False)
class Asymmetry(_Record):
    """Two-way dependence (:func:`equipoise.measures.asymmetry.asymmetry`): per pole and flow,
    the pole's share in the focal state's total beside the focal state's share in the pole's,
    their ratio (None: unknown) and the evidence rows."""

    rows: tuple = ()
    definition: str = ""
    year: int | None = None
    counts: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"definition": self.definition, "year": self.year, "counts": self.counts,
                "rows": list(self.rows)}

    def lines(self, focal: str = "focal") -> list[str]:
        """The "Two-way dependence" block of ``assess``: one line per pole and flow."""
        # the focal state's weight in a pole is often under 1 %: two decimals
        pct = partial(fmt_share, small_digits=2, missing="unknown")

        out = []
        for r in self.rows:
            world = r["pole"] == "WLD"
            ratio = ("n/a" if world else "unknown" if r["ratio"] is None
                     else f"{fmt_fixed(r['ratio'], 2)} ({r.get('ratio_year') or '-'})")
            pole = "world" if world else r["pole"]
            mine = "n/a" if world else pct(r["pole_share_in_focal"])
            out.append(f"  {pole} {r['flow']}: {pole} in {focal} {mine}"
                       f" ({r['pole_share_year'] or '-'}), {focal} in {pole} "
                       f"{pct(r['focal_share_in_pole'])} ({r['focal_share_year'] or '-'}), "
                       f"ratio {ratio} [{', '.join(r['sources'])}]")
        return out


def _asymmetry(frame: pd.DataFrame | None, basis: Basis | None,
               year: int | None) -> Asymmetry | None:
    if frame is None or basis is None:
        return None
    from .measures.asymmetry import asymmetry

    a = asymmetry(frame, basis.focal, basis.poles, year=year)
    return Asymmetry(rows=tuple(a["rows"]), definition=a["definition"], year=a["year"],
                     counts=a["counts"])


@dataclass(frozen=True)
class DomainResult:
    """Concentration and dependency of one domain in one year.

    ``shares`` are by partner code exactly as in the data, plus ``OTH`` (the remainder against the
    reporter's WLD total, where one exists). ``hhi`` treats OTH as fragmented (a lower bound);
    ``hhi_upper`` counts it as one partner.

    The critical-dependency screen looks at the domain composite and at each indicator
    (``screen``); ``screen_share`` is the largest top-partner share among them and
    ``critical_items`` the entries at or above the threshold when substitutability is low.
    """

    domain: str
    year: int
    shares: dict[str, float]
    indicators: list[str]
    indicator_years: dict[str, int]
    hhi: float
    hhi_10000: float
    hhi_normalised: float
    hhi_upper: float
    effective_partners: float
    n_partners: int
    top_partner: str | None
    top_share: float
    substitutability: float
    critical: bool
    margins: dict[str, float]
    screen_share: float = float("nan")
    #: where ``substitutability`` comes from: ``"data"`` (the corridor graph's alternative
    #: capacity, the number of viable alternative partners) or ``"default"`` (the doctrine's or
    #: the domains table's fixed number, a documented fallback)
    substitutability_basis: str = "default"
    #: how it was computed: method, partner, the numbers used (``substitutability_basis``)
    substitutability_evidence: dict = field(default_factory=dict)
    #: a partner at or above the doctrine's ``dominant_share`` (critical whatever the
    #: substitutability)
    dominant: bool = False
    screen: list = field(default_factory=list)
    critical_items: list = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    rows: int = 0
    #: indicators whose latest figure is older than their window but kept (flagged stale)
    stale_indicators: list[str] = field(default_factory=list)
    #: supporting indicators (role ``supporting`` in reference/indicators.csv) -> their year:
    #: evidence beside the domain, never part of its shares
    supporting: dict[str, int] = field(default_factory=dict)
    #: share of the domain's total its partner rows are shown to account for: weighted over
    #: the part-of-whole share indicators, a partner-sum one counting 0 (a lower bound); None
    #: when none has a WLD total. docs/methods.md "Coverage, grade and the third verdict"
    coverage: float | None = None
    #: the same mean over the indicators with a WLD total only (partner-sum ones left out)
    coverage_of_totals: float | None = None
    #: the share of the part-of-whole weight on indicators with a WLD total
    coverage_weight: float | None = None
    #: supporting indicator -> why it is left out of the shares: ``"role"`` (indicators.csv)
    #: or ``"single_partner"`` (one partner row on a partner-sum basis in that year)
    supporting_reasons: dict[str, str] = field(default_factory=dict)
    #: weakest source grade among the share indicators (A official, B dataset, C press)
    grade: str | None = None
    #: years between the assessment year and the newest share indicator's year
    recency: int | None = None
    #: every share indicator has one partner by construction (partner-sum basis, one partner)
    single_partner_only: bool = False
    #: indicator -> its quality block (basis, coverage, n_partners, recency, single_partner,
    #: grade, sources)
    quality: dict[str, dict] = field(default_factory=dict)

    def quality_summary(self) -> dict:
        """The domain's own quality numbers (coverage, grade, recency, single_partner_only)."""
        return {"coverage": self.coverage, "coverage_of_totals": self.coverage_of_totals,
                "coverage_weight": self.coverage_weight, "grade": self.grade,
                "recency": self.recency, "single_partner_only": self.single_partner_only}

    def weak_markers(self, min_coverage: float | None = None,
                     max_age: int | None = None) -> list[str]:
        """Short markers for the weak points of this domain's numbers ("low coverage",
        "single-partner", "stale", "grade C"), empty when none. Pass the doctrine's bounds
        (:func:`equipoise.measures.quality.bounds`); None is the default bound."""
        from .measures.quality import DEFAULT_MAX_AGE, DEFAULT_MIN_COVERAGE

        min_coverage = DEFAULT_MIN_COVERAGE if min_coverage is None else min_coverage
        max_age = DEFAULT_MAX_AGE if max_age is None else max_age
        out = []
        if self.coverage is not None and self.coverage < min_coverage:
            out.append(f"low coverage {fmt_share(self.coverage)}")
        if self.single_partner_only:
            out.append("single-partner")
        if self.recency is not None and self.recency > max_age:
            out.append(f"stale ({self.recency} y)")
        if self.grade == "C":
            out.append("grade C")
        return out

    def evidence(self) -> dict:
        return {"domain": self.domain, "year": self.year, "shares": self.shares,
                "screen": self.screen, "substitutability": self.substitutability,
                "substitutability_basis": self.substitutability_basis,
                "substitutability_evidence": self.substitutability_evidence,
                "dominant": self.dominant,
                "indicator_years": self.indicator_years, "sources": self.sources,
                "rows": self.rows, "stale_indicators": self.stale_indicators,
                "supporting": self.supporting, "supporting_reasons": self.supporting_reasons,
                **self.quality_summary()}

    def to_dict(self) -> dict:
        return {
            "year": self.year, "shares": self.shares, "indicators": self.indicators,
            "indicator_years": self.indicator_years,
            "hhi": self.hhi, "hhi_10000": self.hhi_10000, "hhi_normalised": self.hhi_normalised,
            "hhi_upper": self.hhi_upper, "effective_partners": self.effective_partners,
            "n_partners": self.n_partners, "top_partner": self.top_partner,
            "top_share": self.top_share, "substitutability": self.substitutability,
            "substitutability_basis": self.substitutability_basis,
            "substitutability_evidence": self.substitutability_evidence,
            "dominant": self.dominant, "critical": self.critical, "critical_items": self.critical_items,
            "screen_share": self.screen_share, "screen": self.screen,
            "margins": self.margins, "sources": self.sources,
            "rows": self.rows, "stale_indicators": self.stale_indicators,
            "supporting": self.supporting, "supporting_reasons": self.supporting_reasons,
            **self.quality_summary(), "quality": self.quality,
        }


@dataclass(frozen=True)
class Check:
    """The doctrine's check carried by an assessment: the verdicts (``RuleResult``), the source
    rows behind each (rule name -> rows; empty without flows), and what ``assess --plan`` and
    ``assess --action`` add to the output (a plan's and evaluations' ``to_dict()``).

    ``rows`` is the rows themselves or a function that gives them: they are looked up in the
    flows when first asked for (``source_rows``), so that an assessment made only for its
    verdicts (the plan's "rules after", an action's before and after) does not pay for them.
    """

    rules: tuple = ()
    rows: Callable[[], Mapping[str, list]] | Mapping[str, list] | None = field(
        default=None, repr=False, compare=False)
    plan: Mapping | None = None
    evaluations: tuple = ()
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def source_rows(self) -> Mapping[str, list]:
        """Rule name -> the canonical flow rows behind its verdict."""
        if "rows" not in self._memo:
            rows = self.rows() if callable(self.rows) else self.rows
            self._memo["rows"] = {} if rows is None else rows
        return self._memo["rows"]

    def outputs(self, focal: str, doctrine) -> dict:
        """The doctrine's part of ``Assessment.to_dict()``: ``check`` (as ``check --json``),
        then ``plan`` and ``evaluations`` when attached."""
        out: dict = {"check": check_payload(focal, doctrine, self.rules, self.source_rows)}
        if self.plan is not None:
            out["plan"] = self.plan
        if self.evaluations:
            out["evaluations"] = list(self.evaluations)
        return out


def check_payload(focal: str, doctrine, rules, source_rows: Mapping[str, list]) -> dict:
    """``equipoise check --json``: each rule with name, passed, margin, value, threshold,
    description and evidence (with its source rows)."""
    return {
        "focal": focal,
        "doctrine": {"name": doctrine.name, "source": doctrine.source,
                     "poles": doctrine.poles, "roles": doctrine.roles,
                     "thresholds": doctrine.thresholds.model_dump()},
        "passed": sum(r.passed for r in rules),
        "failed": sum(_status(r) == "fail" for r in rules),
        "insufficient": sum(_status(r) == "insufficient" for r in rules),
        "counts": verdict_counts(rules),
        "rules": [{"name": r.name, "status": _status(r), "reason": getattr(r, "reason", None),
                   "passed": r.passed, "margin": r.margin,
                   "value": r.value, "threshold": r.threshold,
                   "description": r.description,
                   **_peer_keys(r),
                   "evidence": {**r.evidence, "source_rows": source_rows.get(r.name, [])}}
                  for r in rules],
    }


def _peer_keys(r) -> dict:
    """``percentile``, ``peers`` and ``peer_year`` of a verdict placed among peers (none when
    it is not)."""
    keys = ("percentile", "peers", "peer_year")
    if all(getattr(r, k, None) is None for k in keys):
        return {}
    return {k: getattr(r, k, None) for k in keys}


def peer_cell(r) -> str:
    """A verdict's place among peers for a table cell: ``p62.5 peers (EURASIA_HEDGERS) n=11
    2019``, ``-`` when it has none."""
    pct = getattr(r, "percentile", None)
    if pct is None:
        return "-"
    peers = getattr(r, "peers", None) or {}
    return f"p{fmt_sig(pct, 6, thousands=False)} {peers.get('group', 'peers')} n={peers.get('n', '?')} {r.peer_year}"


def _status(r) -> str:
    return getattr(r, "status", None) or ("pass" if r.passed else "fail")


def verdict_counts(rules) -> dict[str, int]:
    """How many verdicts are pass, fail and insufficient (they add up to the rules)."""
    out = {"pass": 0, "fail": 0, "insufficient": 0}
    for r in rules:
        out[_status(r)] = out.get(_status(r), 0) + 1
    out["total"] = len(list(rules))
    return out


@dataclass(frozen=True)
class Basis:
    """What the measures need of a doctrine, as plain data: the focal state, the poles, the
    functional domains, each domain's substitutability and four thresholds."""

    focal: str
    poles: tuple[str, ...]
    functional: tuple[str, ...]
    substitutability: Mapping[str, float]
    critical_share: float
    low_substitutability: float
    hhi: float
    squeeze_share: float
    #: a partner at or above this share of a domain (or of one of its indicators) is a
    #: critical dependency whatever the substitutability (the rule's ``dominant_share``)
    dominant_share: float = 1.0
    #: partners with at least this share count as viable alternatives (``viable_share``)
    viable_share: float = 0.05
    #: domains whose substitutability the doctrine states itself (kept as stated, "default")
    stated: tuple[str, ...] = ()
    #: ``(domain, partner) -> (value, evidence) or None``: the substitutability the data give
    #: for a domain without ``partner`` (the corridor graph's alternative capacity), handed in
    #: by the doctrine layer; None where the data say nothing
    #: the alignment measure equidistance is computed in from roll calls (the doctrine's)
    equidistance_measure: str = "agree"
    measured: Callable[[str, str], tuple[float | None, dict] | None] | None = field(
        default=None, compare=False)
    #: the corridor graph ``measured`` reads (a
    #: :class:`~equipoise.risk.corridors.CorridorGraph`), None without one; the plan of the
    #: assessment draws its correlated scenarios on the same graph
    corridors: Any = field(default=None, compare=False)
    #: source id -> evidence grade (A/B/C) of the source registers, handed in by the front door
    #: (:func:`equipoise.context.source_grades`); empty: no register, every grade unknown
    grades: Mapping[str, str] = field(default_factory=dict, compare=False)

    def sigma(self, domain: str) -> float:
        """The substitutability of ``domain`` (0.5 for a domain the doctrine and the domains
        table do not know)."""
        return float(self.substitutability.get(domain, 0.5))


@dataclass(frozen=True)
class _Inputs:
    """What an assessment was computed from, kept so that ``with_flows`` recomputes the same
    way: the flows, the year asked for, the indicator weights, whether equidistance came from
    roll calls, and the notes not derived from the flows."""

    frame: pd.DataFrame | None = None
    year: int | None = None
    weights: Mapping[str, float] | None = None
    from_votes: bool = False
    other_notes: tuple[str, ...] = ()
    #: the focal state's product screen records (goods substitutability), None without one
    products: pd.DataFrame | None = None


# --------------------------------------------------------------------------- the assessment

@dataclass(frozen=True, repr=False)
class Assessment(RichSummary):
    """Result of :func:`equipoise.assess`. ``to_dict()`` is what ``equipoise assess --json``
    prints. Immutable: ``with_shares``, ``with_flows`` and ``with_blocs`` return a new one."""

    summary_width = 120

    focal: str
    doctrine: Any
    #: domain -> its result; read-only (a :class:`FrozenMap`, made so at construction)
    domains: Mapping[str, DomainResult]
    distinctness: Distinctness
    equidistance: Equidistance
    #: domain -> its :class:`Predictability`; read-only (a :class:`FrozenMap`)
    predictability: Mapping[str, Predictability]
    blocs: Blocs
    notes: tuple[str, ...] = ()
    engagement: Engagement | None = None
    asymmetry: Asymmetry | None = None
    check: Check | None = None
    basis: Basis | None = field(default=None, compare=False)
    inputs: _Inputs = field(default_factory=_Inputs, compare=False)
    checker: Callable[[Assessment], Check] | None = field(default=None, compare=False)
    #: the world panel's rule measures of every state (a
    #: :class:`~equipoise.measures.peer_panel.PeerPanel`), read when ``--db`` holds a panel:
    #: percentile thresholds are resolved from it and verdicts placed among peers
    peers: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # read-only containers, whoever constructs (build) or replaces (with_*): a frozen
        # dataclass alone would still let ``a.domains[d] = x`` change an assessment
        if not isinstance(self.domains, FrozenMap):
            object.__setattr__(self, "domains", FrozenMap(self.domains))
        object.__setattr__(self, "predictability", _frozen_predictability(self.predictability))

    # -- views ---------------------------------------------------------------------------------
    @property
    def rules(self) -> tuple:
        """The doctrine's verdicts (``RuleResult``), in check order."""
        return self.check.rules if self.check is not None else ()

    @property
    def frame(self) -> pd.DataFrame | None:
        """The canonical flows the assessment was computed from."""
        return self.inputs.frame

    @property
    def matrix(self) -> pd.DataFrame:
        """Partner x domain share matrix (0 where a partner has no share)."""
        recs = [(p, d, s) for d, r in self.domains.items() for p, s in r.shares.items()]
        df = pd.DataFrame(recs, columns=["partner", "domain", "share"])
        return df.pivot_table(index="partner", columns="domain", values="share",
                              aggfunc="sum", fill_value=0.0)

    @property
    def scorecard(self) -> pd.DataFrame:
        return pd.DataFrame([{"domain": d, **{k: v for k, v in r.to_dict().items()
                                              if k not in ("shares", "margins", "sources",
                                                           "indicators")}}
                             for d, r in self.domains.items()]).set_index("domain")

    @property
    def failed_rules(self) -> list:
        """The rules that do not pass (fail or insufficient)."""
        return [r for r in self.rules if not r.passed]

    # -- new assessments -----------------------------------------------------------------------
    def with_shares(self, shares_by_domain: Mapping[str, Mapping[str, float]]) -> Assessment:
        """A new assessment with these partner shares in the domains given (the other domains
        as they are), and everything that depends on them recomputed: concentration, the
        critical-dependency screen, distinctness and the rule check.

        The screen also looks at each indicator of a domain; the shares given are domain
        shares, so each indicator row's partner moves in proportion to that partner's change in
        the domain (stated in the row's ``basis``)."""
        doms = dict(self.domains)
        for d, shares in shares_by_domain.items():
            r = doms[d]
            new = {p: float(s) for p, s in shares.items()}
            rows = []
            for row in r.screen:
                if row.get("indicator") == COMPOSITE:
                    continue
                p0 = r.shares.get(row["partner"], 0.0)
                ratio = new.get(row["partner"], 0.0) / p0 if p0 > 0 else 1.0
                rows.append({**row, "share": min(1.0, float(row["share"]) * ratio),
                             "basis": f"{row.get('basis')}, scaled by the plan"})
            doms[d] = replace(r, **_share_numbers(new, rows, r.substitutability, r.year,
                                                  self.basis))
        return self._checked(replace(self, domains=doms,
                                     distinctness=_distinctness(doms, self.basis)))

    def with_flows(self, flows) -> Assessment:
        """A new assessment of other flows (a ``FlowSet`` or canonical DataFrame) with the same
        doctrine, year, weights, roll calls, engagement and memberships."""
        frame = flows.data if hasattr(flows, "data") else flows
        inp = self.inputs
        m = _measure_flows(frame, self.basis, year=inp.year, weights=inp.weights,
                           products=inp.products)
        equi = self.equidistance if inp.from_votes else \
            Equidistance.from_dict(_equidistance(frame, self.focal, list(self.basis.poles),
                                                 year=inp.year))
        return self._checked(replace(
            self, domains=m["domains"], distinctness=m["distinctness"], equidistance=equi,
            predictability=m["predictability"], notes=(*m["notes"], *inp.other_notes),
            inputs=replace(inp, frame=frame),
            asymmetry=_asymmetry(frame, self.basis, inp.year)))

    def partner_substitutability(self, domain: str, partner: str) -> tuple[float, dict]:
        """The substitutability of ``domain`` for ``partner`` (any partner, not only the one the
        critical-dependency rule judges), measured the same way as the domain's own
        (``substitutability_evidence``): the product screen, the corridor graph, the viable
        alternatives other than ``partner``, or the default. For the shocks and the Monte
        Carlo, which cut each partner off in turn."""
        r = self.domains[domain]
        return _substitutability(domain, r.shares, [], self.basis,
                                 getattr(self.inputs, "products", None), partner=partner)

    def with_blocs(self, blocs: Mapping) -> Assessment:
        """A new assessment with these bloc memberships (the shape of
        :func:`equipoise.doctrine.rules.membership_check`) and the rules checked again."""
        return self._checked(replace(self, blocs=Blocs.from_dict(blocs)))

    def with_outputs(self, *, plan: Mapping | None = None, evaluations=()) -> Assessment:
        """A new assessment whose ``to_dict()["doctrine"]`` also holds a plan's and action
        evaluations' ``to_dict()`` (what ``assess --plan --action`` prints)."""
        check = self.check if self.check is not None else Check()
        return replace(self, check=replace(check, plan=plan, evaluations=tuple(evaluations)))

    def _checked(self, a: Assessment) -> Assessment:
        return replace(a, check=None if self.checker is None else self.checker(a))

    # -- output --------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        doctrine = {"name": self.doctrine.name, "poles": self.doctrine.poles,
                    "roles": self.doctrine.roles,
                    "thresholds": self.doctrine.thresholds.model_dump()}
        if self.check is not None:
            doctrine.update(self.check.outputs(self.focal, self.doctrine))
        out = {
            "focal": self.focal,
            "doctrine": doctrine,
            "domains": {d: r.to_dict() for d, r in self.domains.items()},
            "distinctness": self.distinctness.to_dict(),
            "equidistance": self.equidistance.to_dict(),
            "predictability": {d: p.to_dict() for d, p in self.predictability.items()},
            "blocs": self.blocs.to_dict(),
            "rules": [r.to_dict() for r in self.rules],
            "counts": verdict_counts(self.rules),
            "notes": list(self.notes),
        }
        if self.engagement is not None:
            out["engagement"] = self.engagement.to_dict()
        if self.asymmetry is not None:
            out["asymmetry"] = self.asymmetry.to_dict()
        return reference_evidence(out)

    def renderables(self) -> list:

        out: list = [_Sized(self._domain_table)]
        dz = self.distinctness
        out.append(f"Domains led: {dz.domains_led}; squeezed: "
                   f"{[s['domain'] for s in dz.squeezed] or 'none'}; specialisation (NMI): "
                   f"{fmt_signed(dz.specialisation_nmi)}")
        eq = self.equidistance
        if eq.get("agreement"):
            agree = ", ".join(f"{p} {fmt_fixed(v, 2)}" for p, v in eq["agreement"].items())
            out.append(f"Equidistance ({eq.get('measure')}, {eq.get('period')}): {agree}; "
                       f"spread {fmt_signed(eq.get('spread'))}"
                       + (f" [{fmt_fixed(eq['spread_lower'], 2)}, {fmt_fixed(eq['spread_upper'], 2)}]"
                          if eq.get("spread_lower") is not None else ""))
        eng = self.engagement.get("window") if self.engagement is not None else None
        if eng:
            parts = [f"{k} " + ", ".join(f"{p} {fmt_share(v)}" for p, v in eng[k]["shares"].items())
                     for k in ("visits", "agreements", "value_usd") if k in eng]
            out.append(f"Engagement {eng.get('period')}: " + "; ".join(parts))
        if self.asymmetry is not None and self.asymmetry.rows:
            out.append("\n".join(["Two-way dependence (pole's share in the focal state's "
                                   "total / focal state's share in the pole's):",
                                   *self.asymmetry.lines(self.focal)]))
        out.append(_Sized(self._rules_table))
        c = verdict_counts(self.rules)
        out.append(f"Verdicts: {c['pass']} pass, {c['fail']} fail, {c['insufficient']} "
                   f"insufficient (evidence too weak to judge) of {c['total']} rules. "
                   f"cov. = share of the total the partner rows are shown to cover (no WLD total: 0;"
                   f" - = none has one); "
                   f"◦low = below min_coverage {fmt_sig(self._bounds()[0], 6, thousands=False)}, ◦1-partner = single-partner "
                   f"indicators only, ◦stale = older than max_age {self._bounds()[1]} years; "
                   "gr. = weakest source grade (A official statistic, B dataset, C press or "
                   "aggregator); subst. = substitutability, m measured from the data, d the "
                   "documented default (`explain --domain D` says how).")
        out.extend(self.notes)
        return out

    def _bounds(self) -> tuple[float, int]:
        from .measures.quality import bounds

        return bounds(self.doctrine)

    def _domain_table(self, width: int):
        """The domain table for ``width`` columns: every column from :data:`WIDE` on; below it
        (a pipe, an 80-column terminal) paired cells on two lines (domain and year, HHI and
        effective partners, lead pole and role, coverage and grade) and the critical flag with
        its partner only (``--json`` and ``explain`` have the indicator)."""
        from rich.table import Table

        t = Table(title=f"equipoise assessment: {self.focal} ({self.doctrine.name})")
        leaders = self.distinctness.leaders

        def subst(r):
            return f"{fmt_fixed(r.substitutability, 2)} {'m' if r.substitutability_basis == 'data' else 'd'}"

        if width >= WIDE:
            # two-line headers over short cells: the long critical cell fits on one line
            for col in ("domain", "year", "top\npartner", "top share", "HHI", "eff.\npartners",
                        "lead pole", "role", "critical", "subst.", "cov.", "gr."):
                t.add_column(col, justify="left" if col in (
                    "domain", "top\npartner", "lead pole", "role", "subst.", "cov.") else "right",
                    no_wrap=col == "subst.")
            for d, r in self.domains.items():
                t.add_row(d, str(r.year), str(r.top_partner), fmt_share(r.top_share),
                          fmt_fixed(r.hhi), fmt_fixed(r.effective_partners, 2),
                          str(leaders.get(d) or "-"), str(self.doctrine.role_of(d) or "-"),
                          _critical_cell(r), subst(r), self._coverage_cell(r), r.grade or "?")
            return t
        for col, just in (("domain\nyear", "left"), ("top\npartner", "left"),
                          ("HHI\neff.", "right"), ("lead\nrole", "left"),
                          ("critical", "left"), ("subst.", "left"), ("cov.\ngrade", "left")):
            t.add_column(col, justify=just, no_wrap=True)
        for d, r in self.domains.items():
            t.add_row(f"{d}\n{r.year}", f"{r.top_partner}\n{fmt_share(r.top_share)}",
                      f"{fmt_fixed(r.hhi)}\n{fmt_fixed(r.effective_partners, 2)}",
                      f"{leaders.get(d) or '-'}\n{self.doctrine.role_of(d) or '-'}",
                      _critical_short(r), subst(r),
                      self._coverage_cell(r).replace(" ", "\n", 1) + f"\n{r.grade or '?'}")
        return t

    def _rules_table(self, width: int):
        """The rule table for ``width`` columns (as ``check``'s): below :data:`WIDE` the rule
        name wrapped after its kind and the verdict's reason on its own line."""
        from rich.table import Table

        r = Table(title="Doctrine rules")
        placed = any(getattr(x, "percentile", None) is not None for x in self.rules)
        wide = width >= WIDE
        r.add_column("rule", no_wrap=True)
        r.add_column("verdict", no_wrap=True)
        r.add_column("margin", no_wrap=True, **({} if wide else {"justify": "right"}))
        r.add_column("value", overflow="fold")
        if placed:
            r.add_column("among peers", overflow="fold")
        for rule in self.rules:
            r.add_row(rule.name if wide else _wrapped(rule.name),
                      _label(rule) if wide else _label(rule).replace(" (", "\n("),
                      fmt_signed(rule.margin), _short(rule.value, sep="=" if wide else " "),
                      *((peer_cell(rule),) if placed else ()))
        return r

    def _coverage_cell(self, r: DomainResult) -> str:
        """Coverage of the WLD total ("no total" without one) and ◦ markers on weak evidence."""
        from .measures.quality import bounds

        min_cov, max_age = bounds(self.doctrine)
        cov = "-" if r.coverage is None else fmt_share(r.coverage)
        short = {"low": "◦low", "sin": "◦1-partner", "sta": "◦stale"}
        weak = [short[m[:3]] for m in r.weak_markers(min_cov, max_age) if m[:3] in short]
        return " ".join([cov, *weak])

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(d)}</td><td>{r.year}</td><td>{html.escape(str(r.top_partner))}"
            f"</td><td>{fmt_share(r.top_share)}</td><td>{fmt_fixed(r.hhi)}</td>"
            f"<td>{html.escape(_critical_cell(r))}</td></tr>"
            for d, r in self.domains.items())
        rules = "".join(
            f"<tr><td>{html.escape(x.name)}</td><td>{html.escape(_label(x))}</td>"
            f"<td>{fmt_signed(x.margin)}</td></tr>" for x in self.rules)
        return (f"<h4>equipoise assessment: {html.escape(self.focal)}</h4><table><tr><th>domain"
                f"</th><th>year</th><th>top partner</th><th>top share</th><th>HHI</th><th>critical"
                f"</th></tr>{rows}</table><table><tr><th>rule</th><th>passed</th><th>margin</th>"
                f"</tr>{rules}</table>")



def _label(r) -> str:
    """``pass``, ``FAIL`` or ``insufficient (reason)``."""
    return getattr(r, "label", None) or ("pass" if r.passed else "FAIL")


#: the narrowest width at which the assessment's tables show every column on one line each
WIDE = 120


class _Sized:
    """A table that lays itself out for the width it is printed in (``__rich_console__``):
    ``build(width)`` returns the Rich table."""

    def __init__(self, build) -> None:
        self.build = build

    def __rich_console__(self, console, options):
        yield self.build(options.max_width)


def _wrapped(name: str, limit: int = 20) -> str:
    """A rule name for a narrow column: a long one broken after its kind."""
    if len(name) <= limit or ":" not in name:
        return name
    kind, rest = name.split(":", 1)
    return f"{kind}:\n{rest}"


def _critical_short(r: DomainResult) -> str:
    """``no``, or ``YES`` and the partner with its share on the next line."""
    if not r.critical:
        return "no"
    worst = max(r.critical_items, key=lambda x: x["share"])
    return f"YES\n{worst['partner']} {fmt_share(worst['share'])}"


def _critical_cell(r: DomainResult) -> str:
    if not r.critical:
        return "no"
    worst = max(r.critical_items, key=lambda x: x["share"])
    return f"YES: {worst['partner']} {fmt_share(worst['share'])} in {worst['indicator']}"


def _short(v, sep: str = "=") -> str:
    """A value for a table cell (``sep`` between a key and its value: a space lets a narrow
    column break there)."""
    if isinstance(v, float):
        return fmt_signed(v)
    if isinstance(v, dict):
        v = ", ".join(f"{k}{sep}{fmt_signed(x) if isinstance(x, float) else x}" for k, x in v.items())
    s = str(v)
    return s if len(s) <= 60 else s[:57] + "..."


# --------------------------------------------------------------------------- building

def build(frame: pd.DataFrame, basis: Basis, *, doctrine, year: int | None = None,
          weights: Mapping[str, float] | None = None, votes=None, engagement: bool = True,
          events=None, blocs: Mapping | None = None,
          checker: Callable[[Assessment], Check] | None = None,
          idealpoints=None, peers=None,
          products: pd.DataFrame | None = None) -> Assessment:
    """The assessment of ``frame`` (canonical flows) for ``basis.focal``, checked by
    ``checker`` (None: no rules). ``doctrine`` is carried for the output (its name, poles,
    roles and thresholds); the measures read ``basis`` only. ``products``: the focal state's
    product screen records (:func:`equipoise.measures.screen.screen`), the goods domains'
    substitutability from them (:data:`PRODUCT_DOMAINS`). See :func:`equipoise.assess`."""
    m = _measure_flows(frame, basis, year=year, weights=weights, products=products)
    focal, poles = basis.focal, list(basis.poles)
    if votes is not None:
        from .measures.alignment import assessment_equidistance

        equi = assessment_equidistance(focal, poles, votes=votes, idealpoints=idealpoints,
                                       measure=basis.equidistance_measure, year=year)
    else:
        equi = _equidistance(frame, focal, poles, year=year)
    eng, other = None, []
    if engagement:
        from .errors import EquipoiseError
        from .measures.engagement import engagement_summary

        try:
            eng = Engagement.from_dict(engagement_summary(focal, poles, events=events))
        except (EquipoiseError, FileNotFoundError) as exc:
            other.append(f"engagement: not available ({exc})")
    a = Assessment(
        focal=focal, doctrine=doctrine, domains=m["domains"], distinctness=m["distinctness"],
        equidistance=Equidistance.from_dict(equi), predictability=m["predictability"],
        blocs=Blocs.from_dict(blocs if blocs is not None else {}),
        notes=(*m["notes"], *other), engagement=eng, basis=basis,
        asymmetry=_asymmetry(frame, basis, year),
        inputs=_Inputs(frame=frame, year=year, weights=weights, from_votes=votes is not None,
                       other_notes=tuple(other), products=products),
        checker=checker, peers=peers)
    return a._checked(a)


def _measure_flows(frame: pd.DataFrame, basis: Basis, *, year: int | None,
                   weights: Mapping[str, float] | None,
                   products: pd.DataFrame | None = None) -> dict:
    """Everything the flows alone give: domains, distinctness, predictability and the notes on
    the years used."""
    from .measures.exposure import _combine, domain_shares, indicator_shares
    from .measures.predictability import share_volatility
    from .measures.quality import FlowIndex

    focal = basis.focal
    ishares = indicator_shares(frame, focal)
    index = FlowIndex(frame, focal, ishares)  # grouped once for every domain
    series = _combine(ishares, weights)
    current = domain_shares(frame, focal, year=year, series=series)
    notes = []
    domains: dict[str, DomainResult] = {}
    order = {d: i for i, d in enumerate(reference.domain_list())}
    # the assessment year: the one asked for, else the newest domain year
    ref_year = int(year) if year is not None else int(current["year"].max())
    for domain, g in sorted(current.groupby("domain"), key=lambda kv: order.get(kv[0], 99)):
        y = int(g["year"].iat[0])
        domains[domain] = _domain_result(domain, y, g, basis, ishares, frame,
                                         ref_year=ref_year, weights=weights, products=products,
                                         index=index)
        notes.append(_domain_note(domains[domain], requested=year is not None))
    missing = [d for d in order if d not in domains]
    if missing:
        notes.append(f"no data for domain(s): {', '.join(missing)}")
    return {"domains": domains, "notes": notes, "distinctness": _distinctness(domains, basis),
            "predictability": share_volatility(series, ishares, weights=weights)}


def _distinctness(domains: Mapping[str, DomainResult], basis: Basis) -> Distinctness:
    from .measures.distinctness import (
        leaders,
        normalised_mutual_information,
        pole_matrix,
        squeezed,
    )

    poles = list(basis.poles)
    years = {d: r.year for d, r in domains.items()}
    functional = [d for d in domains if d in basis.functional]
    pm = pole_matrix({d: domains[d].shares for d in functional}, years, poles)
    lead = leaders(pm)
    mat = np.array([[pm[d][p] for d in pm] for p in poles]) if pm else np.zeros((0, 0))
    return Distinctness(
        leaders=lead, domains_led={p: sum(1 for v in lead.values() if v == p) for p in poles},
        squeezed=squeezed(pm, basis.squeeze_share),
        specialisation_nmi=normalised_mutual_information(mat) if mat.size else float("nan"),
        pole_shares=pm)


def _share_numbers(shares: dict[str, float], indicator_rows: list[dict], subst: float,
                   year: int, basis: Basis) -> dict:
    """The fields of a :class:`DomainResult` that follow from its partner shares (positive
    shares, ``OTH`` included) and the screen's indicator rows."""
    named = {p: s for p, s in shares.items() if p != "OTH" and s > 0}
    h = hhi(named.values()) if named else float("nan")
    top = max(named.items(), key=lambda kv: kv[1], default=(None, 0.0))
    screen = [{"indicator": COMPOSITE, "year": int(year), "partner": top[0],
               "share": float(top[1]), "basis": "weighted mean"}, *indicator_rows]
    worst = max(screen, key=lambda r: r["share"])
    low = subst <= basis.low_substitutability
    dominant = bool(worst["share"] >= basis.dominant_share)
    critical = bool(worst["share"] >= basis.critical_share and low) or dominant
    items = [r for r in screen if r["share"] >= basis.critical_share] if low else \
        [r for r in screen if r["share"] >= basis.dominant_share]
    return dict(
        shares=dict(sorted(shares.items(), key=lambda kv: -kv[1])), hhi=h, hhi_10000=h * 1e4,
        hhi_normalised=hhi_normalised(h, len(named)),
        hhi_upper=hhi(shares.values()) if shares else float("nan"),
        effective_partners=effective_partners(h), n_partners=len(named), top_partner=top[0],
        top_share=float(top[1]), critical=critical, dominant=dominant,
        screen_share=float(worst["share"]), screen=screen, critical_items=items,
        margins={"dominant_share": float(worst["share"] - basis.dominant_share),"critical_share": float(worst["share"] - basis.critical_share),
                 "low_substitutability": float(basis.low_substitutability - subst),
                 "hhi": float(h - basis.hhi)})


def _domain_note(r: DomainResult, *, requested: bool) -> str:
    """The assessment note of one domain: its year, indicators (stale ones flagged) and the
    supporting indicators beside it."""
    st = set(r.stale_indicators)
    inds = ", ".join(f"{k} ({v}" + (", stale)" if k in st else ")")
                     for k, v in r.indicator_years.items())
    why = {"single_partner": ", one partner"}
    sup = ", ".join(f"{k} ({v}{why.get(r.supporting_reasons.get(k), '')})"
                    for k, v in r.supporting.items())
    return (f"{r.domain}: year {r.year} ({'as requested' if requested else 'latest with data'}); "
            f"indicators {inds}" + (f"; supporting (not in the shares): {sup}" if sup else ""))


def _listed(g: pd.DataFrame, column: str) -> list[str]:
    """The ``;``-separated entries of ``column`` in the domain's first row (none without it)."""
    return [x for x in str(g[column].iat[0]).split(";") if x] if column in g else []


def _domain_result(domain: str, year: int, g: pd.DataFrame, basis: Basis,
                   ishares: pd.DataFrame, flows: pd.DataFrame, *, ref_year: int | None = None,
                   weights: Mapping[str, float] | None = None,
                   products: pd.DataFrame | None = None, index=None) -> DomainResult:
    """One domain's result. ``index``: ``flows`` and ``ishares`` grouped once
    (:class:`equipoise.measures.quality.FlowIndex`; built here when not given)."""
    from .measures.quality import FlowIndex

    focal = basis.focal
    index = FlowIndex(flows, focal, ishares) if index is None else index
    shares = {p: float(s) for p, s in zip(g["partner"], g["share"], strict=True) if s > 0}
    ind_years = {k: int(v) for k, v in (x.split(":") for x in g["indicator_years"].iat[0].split(";"))}
    inds = sorted(ind_years)
    used = ishares[ishares["domain"] == domain]
    windows = dict(zip(used["indicator"], used["window"], strict=False))
    # the focal state's rows of each indicator inside its window (only their sources and
    # their count are used, so the order of the parts does not matter)
    n_rows, sources = 0, set()
    for ind, iy in ind_years.items():
        w, mine = int(windows.get(ind, 1)), index.rows(ind)
        sel = mine["source"][(mine["year"] > iy - w) & (mine["year"] <= iy)]
        n_rows += len(sel)
        sources.update(sel.unique().tolist())
    # Screen each indicator as well as the composite (as the EU/CEPII screen works per product
    # and rolls up): an indicator counts when its shares are against a known WLD total or have
    # at least two partners (one partner against their own sum is 100 % by construction).
    screened = []
    for ind, iy in ind_years.items():
        x = index.shares(ind, iy)
        x = x[x["partner"] != "OTH"]
        if x.empty or (x["basis"].iat[0] != "WLD" and len(x) < 2):
            continue
        best = x.loc[x["share"].idxmax()]
        screened.append({"indicator": ind, "year": iy, "partner": best["partner"],
                         "share": float(best["share"]), "basis": best["basis"]})
    subst, how = _substitutability(domain, shares, screened, basis, products)
    return DomainResult(
        domain=domain, year=int(year), indicators=inds, indicator_years=ind_years,
        substitutability=subst, substitutability_basis=how["basis"],
        substitutability_evidence=how, sources=sorted(sources), rows=n_rows,
        **_quality(ishares, flows, focal, ind_years, year if ref_year is None else ref_year,
                   weights, index=index, grades=basis.grades),
        stale_indicators=sorted(x.split(":")[0] for x in _listed(g, "stale")),
        supporting={k: int(v) for k, v in (x.split(":") for x in _listed(g, "supporting"))},
        supporting_reasons=_supporting_reasons(g),
        **_share_numbers(shares, screened, subst, year, basis))


def _supporting_reasons(g: pd.DataFrame) -> dict[str, str]:
    """Supporting indicator -> ``single_partner`` (left out for one partner row on a
    partner-sum basis) or ``role`` (the indicators table's role)."""
    lone = {x.split(":")[0] for x in _listed(g, "single_partner")}
    return {k.split(":")[0]: "single_partner" if k.split(":")[0] in lone else "role"
            for k in _listed(g, "supporting")}


#: Domains whose substitutability is read from the number of viable alternative partners in the
#: domain's own data (goods and capital: any partner with a viable share can be asked for more).
ALTERNATIVES_DOMAINS = ("trade", "technology", "finance")

#: Goods domains whose substitutability the product screen gives when the focal state's product
#: records are at hand (a warehouse with product data: ``assess --db``); the viable-alternatives
#: count is their fallback, labelled so.
PRODUCT_DOMAINS = ("trade",)

_NO_SCREEN = ("no product screen (give a warehouse with product data: assess --db FILE); "
              "fallback: the number of viable alternative partners")


def alternatives_substitutability(n: int) -> float:
    """Substitutability from ``n`` viable alternative partners: ``n / (n + 1)``, that is
    ``1 - HHI`` of the top partner and its ``n`` alternatives taken as equal suppliers (0 with no
    alternative, 0.5 with one, 0.67 with two, 0.75 with three; shared/METHODS.md,
    Concentration: ``HHI = 1/n`` for ``n`` equal partners)."""
    return n / (n + 1.0)


def _distinct_partners(codes: list[str], partner: str) -> list[str]:
    """``codes`` other than ``partner``, a member state of a group among them (or of
    ``partner``) counted once, as its group (EU27 and Italy are one alternative, not two)."""
    groups = [c for c in [partner, *codes] if reference.is_group(c)]
    inside = {m for g in groups for m in reference.expand_group(g) if m != g}
    return sorted(c for c in set(codes) if c != partner and c not in inside)


def _substitutability(domain: str, shares: Mapping[str, float], screened: list[dict],
                      basis: Basis, products: pd.DataFrame | None = None,
                      partner: str | None = None) -> tuple[float, dict]:
    """A domain's substitutability and how it was found (``basis``: data | default).

    The partner judged is ``partner``, else the screen's worst one (the largest top-partner
    share in the domain composite or one of its indicators). A value the doctrine states for the domain is kept.
    Otherwise, for :data:`PRODUCT_DOMAINS` with product records: the product screen's share of
    the partner's goods outside critical products
    (:func:`equipoise.measures.screen.supplier_substitutability`); the doctrine layer's measure
    (``basis.measured``: the corridor graph's alternative capacity without that partner); for
    :data:`ALTERNATIVES_DOMAINS` the number of other partners with at least
    ``basis.viable_share`` of the domain (for goods: the fallback without a product screen,
    said so in ``note``); else the domains table's default.
    """
    default = basis.sigma(domain)
    named = {p: s for p, s in shares.items() if p != "OTH" and s > 0}
    rows = [{"partner": p, "share": s} for p, s in named.items()] + list(screened)
    if partner is None:
        partner = max(rows, key=lambda r: r["share"])["partner"] if rows else None
    if domain in basis.stated:
        return default, {"basis": "default", "method": "stated by the doctrine",
                         "value": default}
    note = None
    if partner is not None and domain in PRODUCT_DOMAINS:
        note = _NO_SCREEN
        if products is not None:
            from .measures.screen import supplier_substitutability

            members = [m for m in reference.expand_group(partner) if m != partner]
            value, ev = supplier_substitutability(products, partner, domain, members=members)
            if value is not None:
                return float(value), {"basis": "data", **ev}
            note = f"product screen: {ev.get('note')}; fallback: viable alternative partners"
    if partner is not None and basis.measured is not None:
        got = basis.measured(domain, partner)
        if got is not None and got[0] is not None:
            return float(got[0]), {"basis": "data", **got[1]}
        if got is not None:  # the data were looked at and say nothing of this partner
            return default, {"basis": "default", **got[1], "value": default}
    if partner is not None and domain in ALTERNATIVES_DOMAINS:
        alts = _distinct_partners(
            [p for p, s in named.items() if s >= basis.viable_share], partner)
        value = alternatives_substitutability(len(alts))
        return value, {"basis": "data", "method": "viable alternative partners",
                       "partner": partner, "viable_share": basis.viable_share,
                       "alternatives": alts, "n_alternatives": len(alts),
                       "formula": "n / (n + 1)", "value": value,
                       **({"note": note} if note else {})}
    return default, {"basis": "default", "method": "domains table default (no data measure "
                     "for this domain)", "partner": partner, "value": default}


def _quality(ishares: pd.DataFrame, flows: pd.DataFrame, focal: str,
             ind_years: Mapping[str, int], ref_year: int,
             weights: Mapping[str, float] | None, index=None,
             grades: Mapping[str, str] | None = None) -> dict:
    """The quality fields of a :class:`DomainResult` (:mod:`equipoise.measures.quality`);
    ``grades``: the source register's grades (:attr:`Basis.grades`)."""
    from .measures.exposure import _weights
    from .measures.quality import domain_quality, indicator_quality

    q = indicator_quality(ishares, flows, focal, ind_years, int(ref_year), index=index,
                          grades=grades or {})
    inds = pd.Series(sorted(ind_years), dtype=object)
    w = dict(zip(inds, _weights(inds, weights), strict=True)) if len(inds) else {}
    dq = domain_quality(q, w)
    return {"quality": q, "coverage": dq["coverage"],
            "coverage_of_totals": dq["coverage_of_totals"],
            "coverage_weight": dq["coverage_weight"], "grade": dq["grade"],
            "recency": dq["recency"], "single_partner_only": dq["single_partner_only"]}


def _equidistance(flows: pd.DataFrame, focal: str, poles: list[str],
                  year: int | None = None) -> dict:
    """Agreement with each pole from ``political.unga.agreement`` rows: the latest year (at or
    before ``year`` when given) in which the most poles have a row."""
    df = flows[(flows["reporter"] == focal) & (flows["indicator"] == "political.unga.agreement")
               & flows["partner"].isin(poles)]
    if year is not None:
        df = df[df["year"] <= int(year)]
    if df.empty:
        return {"measure": "agree", "period": None, "agreement": {}, "spread": None,
                "note": "no political.unga.agreement rows for the focal state"
                + (f" in or before {year}" if year is not None else "")}
    counts = df.groupby("year")["partner"].nunique()
    full = counts[counts == counts.max()]
    year = int(full.index.max())
    sel = df[df["year"] == year]
    agreement = {p: float(v) for p, v in zip(sel["partner"], sel["value"], strict=True)}
    agreement = {p: agreement[p] for p in poles if p in agreement}
    vals = list(agreement.values())
    return {"measure": "agree", "period": year, "agreement": agreement,
            "spread": float(max(vals) - min(vals)) if len(vals) > 1 else None,
            "missing_poles": [p for p in poles if p not in agreement],
            "sources": sorted(sel["source"].unique().tolist())}


# --------------------------------------------------------------------------- evidence

EVIDENCE_SAMPLE = 20
"""Source rows shown inline per rule in :meth:`Assessment.to_dict`; all are in
``evidence_rows`` and referenced by ``source_row_ids``."""


def display_path(path) -> str:
    """A file name fit for output: a shipped file as ``equipoise:<path in the package>``, a
    file under the working folder relative to it, anything else as given."""
    from pathlib import Path

    if not isinstance(path, str) or not path:
        return path
    p = Path(path)
    if not p.is_absolute():
        return path
    pkg = Path(__file__).resolve().parent
    for base, prefix in ((pkg, "equipoise:"), (Path.cwd(), "")):
        try:
            return prefix + p.resolve().relative_to(base).as_posix()
        except (ValueError, OSError):
            continue
    return path


def reference_evidence(out: dict) -> dict:
    """Replace the source rows repeated in each doctrine rule's evidence by references.

    Every distinct source row is listed once in ``out["evidence_rows"]`` (a list of row
    records); each rule's evidence keeps ``source_rows`` as the first :data:`EVIDENCE_SAMPLE`
    rows (the old shape, for a quick look) and adds ``source_row_ids`` (indices into
    ``evidence_rows``, all of them) and ``source_rows_count``. The JSON of ``assess`` thus grows with the input once, not once
    per rule. (The CLI's JSON shows shipped files as ``equipoise:<path>``: see
    :func:`display_path`.)
    """
    check = (out.get("doctrine") or {}).get("check", {})
    rules = check.get("rules")
    if not isinstance(rules, list):
        return out
    # new dicts all the way down: the check stored in the result stays whole, so a second
    # to_dict() gives the same answer
    new_rules: list = []
    out["doctrine"] = {**out["doctrine"], "check": {**check, "rules": new_rules}}
    table: list[dict] = []
    index: dict[tuple, int] = {}
    for rule in rules:
        ev = rule.get("evidence") if isinstance(rule, dict) else None
        rows = ev.get("source_rows") if isinstance(ev, dict) else None
        if not isinstance(rows, list):
            new_rules.append(rule)
            continue
        ev = dict(ev)
        new_rules.append({**rule, "evidence": ev})
        ids = []
        for r in rows:
            if not isinstance(r, dict):
                continue
            key = tuple((k, repr(r.get(k))) for k in sorted(r))
            i = index.get(key)
            if i is None:
                i = index[key] = len(table)
                table.append(r)
            ids.append(i)
        ev["source_row_ids"] = ids
        ev["source_rows_count"] = len(ids)
        ev["source_rows"] = [table[i] for i in ids[:EVIDENCE_SAMPLE]]
    out["evidence_rows"] = table
    return out
