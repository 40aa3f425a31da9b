"""The doctrine file: a pydantic model read from TOML, validated with clear errors."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from .. import reference
from .._results import fmt_number
from ..errors import DoctrineError
from ._text import MAX_SHOWN, cut, few, load_toml, read_text, short
from .peers import PeerPercentile, parse_threshold

__all__ = ["MAX_POLES", "MAX_WEIGHT", "Doctrine", "Thresholds", "default_doctrine_path",
           "load_doctrine", "with_focal"]


#: Most poles a doctrine may name (a balance between great powers; the Monte Carlo keeps at most
#: 52 partners in all).
MAX_POLES = 30
#: Largest weight of one domain in totals (weights are relative; the sum must stay > 0).
MAX_WEIGHT = 1000.0

#: A share or threshold in 0..1: a TOML number (not a boolean, not a string), finite.
Share = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=1)]
#: A domain weight: a finite TOML number in 0..MAX_WEIGHT.
Weight = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=MAX_WEIGHT)]
Code = Annotated[str, Field(strict=True, min_length=1, max_length=16)]
Name = Annotated[str, Field(strict=True, min_length=1, max_length=64)]


def _among_peers(low: float, high: float):
    """A threshold that may also be written as a percentile among peers
    (:mod:`equipoise.doctrine.peers`): a finite number in ``low..high``, or a
    :class:`~equipoise.doctrine.peers.PeerPercentile` (shown in JSON as it was written)."""
    return Annotated[float | PeerPercentile,
                     BeforeValidator(lambda v: parse_threshold(v, low, high)),
                     PlainSerializer(lambda v: v if isinstance(v, float) else str(v))]


class Thresholds(BaseModel):
    """Every threshold a rule reads: the shipped rules' below, and the thresholds a registered
    rule adds (:attr:`equipoise.doctrine.rules.Rule.thresholds`). A :class:`Doctrine`
    refuses any other key and checks those values against the rule's declared range.

    Each field below is also declared, with the same default and range, by every shipped rule
    that reads it (``equipoise.doctrine.rules.declared_thresholds()`` lists them;
    tests/doctrine/test_thresholds_declared.py holds the two to each other)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    critical_share: Share = 0.5
    low_substitutability: Share = 0.3
    #: a number, or a percentile among peers (``"p50 of all states"``, resolved per domain)
    hhi: _among_peers(0, 1) = 0.4
    squeeze_share: Share = 0.25
    max_domains_led: Annotated[int, Field(strict=True, ge=0, le=100)] = 3
    #: a number, or a percentile among peers (``"p75 of peers"``)
    equidistance_spread: _among_peers(0, 2) = 0.3
    min_viable_partners: Annotated[int, Field(strict=True, ge=1, le=1000)] = 2
    viable_share: Share = 0.05
    max_volatility: Share = 0.2


class Domains(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    critical: list[Name] = Field(default_factory=list)
    # Domains where partners have functions (leaders, squeeze, specialisation); political
    # alignment is measured by equidistance instead.
    functional: list[Name] = Field(default_factory=lambda: [
        "trade", "energy", "corridors", "technology", "security", "finance", "society"])
    substitutability: dict[Name, Share] = Field(default_factory=dict)


class Memberships(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    forbidden_kinds: list[Annotated[str, Field(strict=True, max_length=200)]] = Field(
        default_factory=lambda: ["military alliance"])
    forbid_aimed_at_pole: StrictBool = True


class Doctrine(BaseModel):
    """A state's doctrine of functional balance.

    Attributes
    ----------
    focal : ISO3 code of the state.
    poles : the powers between which balance is kept (ISO3 or group codes such as EU27), two to
        :data:`MAX_POLES`, without the focal state.
    roles : pole -> the domains the pole is meant to lead.
    weights : domain -> weight in totals (finite, 0..:data:`MAX_WEIGHT`, not all zero).
    domains.critical : domains where no critical dependency may form.
    domains.substitutability : domain -> substitutability in 0..1.
    thresholds : every threshold a rule uses (shares in 0..1).
    equidistance_measure : the alignment measure of the equidistance rule (docs/methods.md).
    memberships : forbidden kinds of membership.

    Every number is a TOML number (a boolean is refused) and finite.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(strict=True, max_length=500)] = "doctrine"
    focal: Code
    source: Annotated[str, Field(strict=True, max_length=5000)] = ""
    poles: list[Code] = Field(min_length=2, max_length=MAX_POLES)
    roles: dict[Code, list[Name]] = Field(default_factory=dict)
    weights: dict[Name, Weight] = Field(default_factory=dict)
    domains: Domains = Field(default_factory=Domains)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    #: the alignment measure equidistance is judged in when roll calls are given
    #: (measures/alignment.py; ``equidistance_spread`` is in its units): ``agree`` (exact
    #: agreement, the flows' ``political.unga.agreement`` rows), ``kappa`` (chance-corrected,
    #: Haege 2011), ``ipd`` (ideal-point distance, BSV 2017), ``s``, ``coincidence``
    equidistance_measure: Literal["agree", "coincidence", "s", "kappa", "ipd"] = "agree"
    memberships: Memberships = Field(default_factory=Memberships)
    #: the peer group of ``"pNN of peers"`` thresholds and of each verdict's percentile among
    #: peers: a group of reference/peer_groups.csv (None: the shipped EURASIA_HEDGERS)
    peer_group: Annotated[str, Field(strict=True, max_length=64)] | None = None

    @field_validator("peer_group")
    @classmethod
    def _peer_group_known(cls, v: str | None) -> str | None:
        from ..measures.peer_panel import peer_groups

        if v is not None and v not in peer_groups():
            raise ValueError(f"peer group {short(v)} unknown; expected one of "
                             f"{', '.join(peer_groups())} (reference/peer_groups.csv)")
        return v

    @field_validator("focal")
    @classmethod
    def _focal_iso3(cls, v: str) -> str:
        if v not in reference.country_codes():
            raise ValueError(f"focal {short(v)} is not an ISO3 country code")
        return v

    @field_validator("poles")
    @classmethod
    def _poles_known(cls, v: list[str]) -> list[str]:
        bad = [p for p in v if p not in reference.known_codes() or p in ("WLD", "OTH")]
        if bad:
            raise ValueError(f"poles {few(bad)} are not ISO3 codes or partner groups")
        dup = sorted({p for p in v if v.count(p) > 1})
        if dup:
            raise ValueError(f"poles repeat: {few(dup)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Doctrine:
        problems = _consistency(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def weight(self, domain: str) -> float:
        if domain in self.weights:
            return float(self.weights[domain])
        dom = reference.load("domains").set_index("domain")
        return float(dom.at[domain, "weight"]) if domain in dom.index else 1.0

    def substitutability(self, domain: str) -> float:
        if domain in self.domains.substitutability:
            return float(self.domains.substitutability[domain])
        dom = reference.load("domains").set_index("domain")
        return float(dom.at[domain, "substitutability"]) if domain in dom.index else 0.5

    def role_of(self, domain: str) -> str | None:
        for pole, ds in self.roles.items():
            if domain in ds:
                return pole
        return None


def default_doctrine_path():
    """The shipped default doctrine (Kazakhstan)."""
    return resources.files(__package__).joinpath("kazakhstan.toml")


def _consistency(d: Doctrine) -> list[str]:
    """Every problem across fields, each as ``key.path: message`` (the loader finds the line
    of the key)."""
    out: list[str] = []
    domains = set(reference.domain_list())
    expected = sorted(domains)
    if d.focal in d.poles:
        out.append(f"poles: the focal state {d.focal} is one of its own poles; expected the "
                   "powers it balances between, without itself")
    for pole, ds in d.roles.items():
        if pole not in d.poles:
            out.append(f"roles.{pole}: {short(pole)} is not one of the poles {few(d.poles)}")
        bad = [x for x in ds if x not in domains]
        if bad:
            out.append(f"roles.{pole}: unknown domain(s) {few(bad)}; expected {expected}")
    out += _extra_thresholds(d.thresholds)
    led = [x for ds in d.roles.values() for x in ds]
    dup = sorted({x for x in led if led.count(x) > 1})
    if dup:
        out.append(f"roles: domain(s) {few(dup)} given to more than one pole")
    for section, names in (("weights", d.weights), ("domains.critical", d.domains.critical),
                           ("domains.functional", d.domains.functional),
                           ("domains.substitutability", d.domains.substitutability)):
        bad = [x for x in names if x not in domains]
        if bad:
            out.append(f"{section}: unknown domain(s) {few(bad)}; expected {expected}")
    if not out and not any(d.weight(x) > 0 for x in expected):
        out.append("weights: every domain weight is 0 (given or default); expected at least one "
                   "weight > 0, since totals divide by the sum of the weights")
    return out


def _extra_thresholds(t: Thresholds) -> list[str]:
    """Problems with the thresholds beyond the built-in ones: each must be declared by a
    registered rule and lie in its range."""
    from .rules import threshold_spec

    out = []
    for key, value in (t.model_extra or {}).items():
        spec = threshold_spec(key)
        if spec is None:
            out.append(f"thresholds.{key}: unknown threshold (saw {short(value)}); expected one "
                       f"of {sorted(Thresholds.model_fields)} or a threshold a registered rule "
                       "declares")
            continue
        try:
            spec.validate(key, value)
        except ValueError as exc:
            out.append(str(exc))
    return out


def with_focal(doctrine: Doctrine, focal: str | None) -> Doctrine:
    """``doctrine`` applied to another focal state, validated again (``model_copy`` would not
    check that the new focal state is a country and not one of the poles)."""
    if not focal or focal == doctrine.focal:
        return doctrine
    try:
        return Doctrine.model_validate({**doctrine.model_dump(), "focal": focal})
    except ValidationError as exc:
        msgs = "; ".join(cut(e["msg"].removeprefix("Value error, ")) for e in exc.errors()[:5])
        raise DoctrineError(f"doctrine {short(doctrine.name)} with focal {short(focal)}: "
                            f"{msgs}") from exc


def load_doctrine(path: str | Path | None = None, *, focal: str | None = None) -> Doctrine:
    """Read and validate a doctrine TOML file (the shipped Kazakhstan default when ``path`` is None).

    With ``focal`` set, the doctrine's focal state is replaced (the same rules applied to
    another state).

    Raises
    ------
    DoctrineError
        Every problem (the first :data:`~equipoise.doctrine._text.MAX_SHOWN` listed, the rest
        counted), each with the file, the line, the TOML key, the value seen and what was
        expected.
    """
    if path is None:
        text = default_doctrine_path().read_text(encoding="utf-8")
        where = "default doctrine (kazakhstan.toml)"
    else:
        p = Path(path)
        text = read_text(p, what="doctrine file", error=DoctrineError)
        where = str(p)
    data = load_toml(text, where=where, error=DoctrineError)
    if focal is not None:
        data["focal"] = focal
    try:
        return Doctrine.model_validate(data)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            msg = e["msg"].removeprefix("Value error, ")
            if not e["loc"]:  # the cross-field checks: one problem a line, named by its key
                problems += [(None, m, None) for m in msg.split("\n")]
            else:
                problems.append((e["loc"], msg, e.get("input")))
        lines = []
        for loc, msg, seen in problems[:MAX_SHOWN]:  # located one by one: only those shown
            if loc is None:
                m = re.match(r"([A-Za-z_][\w.]*):\s*(.*)", msg, re.S)
                key, msg = (m.group(1), m.group(2)) if m else ("(top level)", msg)
                path_ = key.split(".") if m else []
                saw = ""
            else:
                key = ".".join(str(x) for x in loc)
                path_ = [str(x) for x in loc if not isinstance(x, int)]
                saw = f" (saw {short(seen)})"
            if focal is not None and path_[:1] == ["focal"]:
                at = "focal given by the caller, "
            else:
                n = _line_of(text, path_) if path_ else None
                at = f"line {n}, " if n else ""
            lines.append(f"  {where} {at}{key}: {cut(msg)}{saw}")
        if len(problems) > MAX_SHOWN:
            lines.append(f"  ... and {fmt_number(len(problems) - MAX_SHOWN)} more")
        raise DoctrineError(f"{where}: invalid doctrine ({len(problems)} problem(s)):\n"
                            + "\n".join(lines)) from exc


def _line_of(text: str, path: list[str]) -> int | None:
    """1-based line of the TOML key ``path`` (``["thresholds", "hhi"]``, ``["poles"]``), or of
    its table header; None when it is not written in the file (a default)."""
    lines = text.splitlines()
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")

    def key_in(table: str | None, key: str) -> int | None:
        current = None
        for i, ln in enumerate(lines):
            h = header.match(ln)
            if h:
                current = h.group(1)
                if table is None and current == key:
                    return i + 1
                continue
            if current == table and re.match(rf"^\s*{re.escape(key)}\s*=", ln):
                return i + 1
        return None

    for k in range(len(path), 0, -1):
        table = ".".join(path[:k - 1]) or None
        n = key_in(table, path[k - 1])
        if n:
            return n
    return None
